import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone

from accounts.choices import (
    IMPERIAL_UNITS,
    METRIC_UNITS,
    LicenseType,
    MasterProductSource,
    SizeUnit,
    ValidationLevel,
    VolumeUnit,
    WeightUnit,
)
from oms.codes import validate_country, validate_currency

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{1,29}$",
    "Use 2 to 30 capital letters, digits, dashes or underscores, starting with a letter or digit.",
)


def _rule_field(label: str) -> models.CharField:
    return models.CharField(label, max_length=10, choices=ValidationLevel.choices, default=ValidationLevel.WARNING)


def _units_check() -> Q:
    def system(units: dict) -> Q:
        return Q(size_unit__in=units["size"], volume_unit__in=units["volume"], weight_unit__in=units["weight"])

    return system(METRIC_UNITS) | system(IMPERIAL_UNITS)


class Account(models.Model):
    """A brand or store inside an organization. Everything account-scoped points here."""

    # Main
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=30, unique=True, validators=[code_validator])
    api_key_prefix = models.CharField(max_length=16, editable=False)
    api_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    api_key_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency],
        help_text="ISO 4217 code, e.g. USD: orders in another currency are refused. Blank takes any currency.",
    )
    license_type = models.CharField(max_length=20, choices=LicenseType.choices, default=LicenseType.STANDARD)
    size_unit = models.CharField("size", max_length=4, choices=SizeUnit.choices, default=SizeUnit.CENTIMETER)
    volume_unit = models.CharField(
        "volume", max_length=4, choices=VolumeUnit.choices, default=VolumeUnit.CUBIC_CENTIMETER
    )
    weight_unit = models.CharField("weight", max_length=4, choices=WeightUnit.choices, default=WeightUnit.KILOGRAM)

    # Workflow
    master_product_source = models.CharField(
        max_length=20, choices=MasterProductSource.choices, default=MasterProductSource.OMS
    )
    master_product_channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_warehouse = models.ForeignKey(
        "accounts.Warehouse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_sales_order_workflow = models.BooleanField("automatic sales order workflow", default=False)
    auto_purchase_order_workflow = models.BooleanField("automatic purchase order workflow", default=False)
    inventory_realtime_updates = models.BooleanField("inventory real-time updates", default=True)

    # Privacy
    pii_retention_days = models.PositiveIntegerField(
        "PII retention days (API, manual and imported orders)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    # API validation rules
    sales_order_carrier_rule = _rule_field("sales orders: carrier code")
    sales_order_service_rule = _rule_field("sales orders: service code")
    shipment_carrier_rule = _rule_field("shipments: carrier code")
    shipment_service_rule = _rule_field("shipments: service code")
    purchase_order_carrier_rule = _rule_field("purchase orders: carrier code")
    purchase_order_service_rule = _rule_field("purchase orders: service code")
    receipt_carrier_rule = _rule_field("receipts: carrier code")
    receipt_service_rule = _rule_field("receipts: service code")
    sales_order_total_rule = _rule_field("sales orders: channel total differs from the order's")

    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="account_name_unique_ci"),
            models.CheckConstraint(condition=_units_check(), name="account_units_one_system"),
            models.CheckConstraint(
                condition=Q(master_product_source=MasterProductSource.OMS, master_product_channel__isnull=True)
                | (~Q(master_product_source=MasterProductSource.OMS) & Q(master_product_channel__isnull=False)),
                name="account_master_channel_matches_source",
            ),
        ]
        permissions = [
            ("work_orders", "Work with the account's orders"),
            ("administer_account", "Administer the account's settings"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> dt.tzinfo:
        """The account's timezone (UTC if its name is unknown): dates are shown and reckoned in it."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def today(self) -> dt.date:
        """Today's date where the account is (in its `zone`): order dates and promotions are reckoned by it."""
        return django_timezone.now().astimezone(self.zone).date()


class Warehouse(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=30, validators=[code_validator])
    address_line1 = models.CharField("address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2, blank=True, validators=[validate_country], help_text="ISO 3166-1 alpha-2 code, e.g. US"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="warehouse_code_unique_per_account"),
            models.UniqueConstraint("account", Lower("name"), name="warehouse_name_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RecurringJob(models.Model):
    """A background automation of an account, run by the dispatcher in `accounts/jobs/` (see its docstring).

    The lease (`lease_token`, `lease_expires_at`) is claimed with one atomic UPDATE by the worker that runs the
    job; a crashed worker's lease expires and the job runs again. `dispatched_at` keeps the dispatcher from
    queueing a job twice while its message waits for a worker."""

    class JobType(models.TextChoices):
        IMPORT_ORDERS = "import_orders", "Import orders"
        IMPORT_PRODUCTS = "import_products", "Import products"
        SYNC_INVENTORY = "sync_inventory", "Sync inventory"
        REDACT_PII = "redact_pii", "Redact personal data"
        SYNC_SHIPMENTS = "sync_shipments", "Sync shipments"
        REORDER_HABITS = "reorder_habits", "Find customers due for a re-order"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="recurring_jobs")
    job_type = models.CharField(max_length=30, choices=JobType.choices)
    channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="recurring_jobs"
    )
    interval_minutes = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    cron = models.CharField(max_length=100, blank=True, help_text="Five fields: minute hour day month weekday")
    is_enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_message = models.CharField(max_length=300, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed runs in a row (retries so far)")
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job_type", "id"]
        indexes = [
            models.Index(fields=["next_run_at"], condition=Q(is_enabled=True), name="recurring_job_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(interval_minutes__isnull=False) & Q(cron=""))
                | (Q(interval_minutes__isnull=True) & ~Q(cron="")),
                name="recurring_job_one_schedule",
            ),
        ]

    @property
    def schedule_display(self) -> str:
        return f"every {self.interval_minutes} min" if self.interval_minutes else f"cron {self.cron}"

    def __str__(self) -> str:
        return f"{self.get_job_type_display()} ({self.schedule_display})"


class RecurringJobRun(models.Model):
    """One run of a recurring job: when, how it ended, what it said, and its log."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (worker lost)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        RETRY = "retry", "Retry"
        MANUAL = "manual", "Run now"

    job = models.ForeignKey(RecurringJob, on_delete=models.CASCADE, related_name="runs")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    message = models.CharField(max_length=500, blank=True)
    log = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="recurring_job_run_recent")]

    def __str__(self) -> str:
        return f"{self.job_id} at {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class ActivityLog(models.Model):
    """Who did what to an account's settings, and what changed (field: [old, new])."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activity")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="activity_account_recent")]

    def __str__(self) -> str:
        return f"{self.action} on {self.account_id}"

    @property
    def description(self) -> str:
        """What happened, in words (entries written before summaries named fields in words are reworded)."""
        from accounts.labels import activity_label, fields_in_words

        if self.action == "settings.updated" and self.changes:
            return f"Changed {fields_in_words(Account, self.changes)}"
        return self.summary or activity_label(self.action)


class AccountCloneRequest(models.Model):
    """One request to clone an account; large ones run in the background and report progress here."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    with_users = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    new_account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Notification(models.Model):
    """A message for one user in this organization, shown in the page's corner until the user dismisses it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, default="success")
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
