"""Intake: what the one entry flow (intake/services/) keeps besides the orders it creates.

- IntakeFailure: a payload that was rejected, with every reason; retried with backoff when it came from a
  channel import, then dead-lettered for an operator to fix and replay. Never deleted by intake.
- SkuAlias: a channel's (or any source's) SKU mapped to one of the account's SKUs, set when fixing a failure.
- IdempotencyKey: the first answer to an API write, returned again for a retry with the same key.
- SourceStats: accepted and rejected counts per source and hour, for the health panel.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from oms.text import count_of


class Source(models.TextChoices):
    CHANNEL = "channel", "Channel import"
    API = "api", "API"
    CSV = "csv", "CSV import"
    MANUAL = "manual", "Manual order form"


class Document(models.TextChoices):
    SALES_ORDER = "sales_order", "Sales order"
    PURCHASE_ORDER = "purchase_order", "Purchase order"
    SHIPMENT = "shipment", "Shipment"
    RECEIPT = "receipt", "Receipt"


class IntakeFailure(models.Model):
    class Status(models.TextChoices):
        RETRYING = "retrying", "Retrying"
        DEAD = "dead", "Needs attention"  # rejected: waits for an operator
        REPLAYED = "replayed", "Replayed"
        DISCARDED = "discarded", "Discarded"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    document = models.CharField(max_length=20, choices=Document.choices, default=Document.SALES_ORDER)
    payload_format = models.CharField(max_length=30, default="oms")
    payload = models.JSONField()
    external_id = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(
        max_length=64, blank=True, default="", help_text="Sales orders without an external id: who, what and when"
    )
    reasons = models.JSONField(default=list, help_text='[{"code", "field", "message"}, ...]')
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DEAD)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=0, help_text="Order value, for impact")
    line_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-value", "-line_count", "created_at", "id"]  # by impact (intake/selectors.py)
        indexes = [
            models.Index(
                fields=["account", "status", "-value", "-line_count", "created_at", "id"], name="intake_failure_impact"
            ),
            # The Intake page's default list, open failures by impact: a walk of this index, never a sort of them all.
            models.Index(
                fields=["account", "-value", "-line_count", "created_at", "id"], name="intake_failure_open_impact",
                condition=models.Q(status__in=["retrying", "dead"]),
            ),
            models.Index(fields=["account", "source", "channel", "status"], name="intake_failure_source"),
            models.Index(
                fields=["account", "fingerprint"], name="intake_failure_fingerprint", condition=~models.Q(fingerprint="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.external_id or self.pk} ({self.get_status_display()})"


class SkuAlias(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    external_sku = models.CharField("their SKU", max_length=64)
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "account", "channel", Lower("external_sku"), name="sku_alias_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_sku} → {self.variant_id}"


class IdempotencyKey(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_age")]


class SourceStats(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "channel", "hour"], name="source_stats_unique", nulls_distinct=False
            ),
        ]


class RunProgress:
    """How far a background run is, for its progress bar: `processed` of `total`, 100 once done."""

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE or not self.total else min(100, self.processed * 100 // self.total)


class CsvImport(RunProgress, models.Model):
    """One uploaded CSV order file, imported in the background (intake/csv_import.py) with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="The decoded file")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Orders in the file")
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    result = models.JSONField(
        default=dict, blank=True,
        help_text='{"created": [number], "rejected": [{external_id, rows, failure_id, reasons}], "duplicates": [number]}',
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Last progress of a run; a stale run is taken over")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="csv_import_recent")]

    def __str__(self) -> str:
        return f"CSV import {self.filename or self.pk} ({self.get_status_display()})"


class WebhookDelivery(models.Model):
    """One verified webhook delivery of a channel, kept as received (the inbox), then drained into intake.

    Written by one INSERT ... ON CONFLICT (channel, webhook id) DO NOTHING, so a redelivery adds nothing; drained
    by workers in batches (intake/services/webhooks.py), each row marked in the same transaction as its order."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Order created"
        DUPLICATE = "duplicate", "Already imported"
        REJECTED = "rejected", "Rejected (see failures)"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    webhook_id = models.CharField(max_length=255, help_text="The channel's id of the delivery")
    topic = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The body as received")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    failure = models.ForeignKey(IntakeFailure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "webhook_id"], name="webhook_delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["id"], name="webhook_delivery_pending", condition=models.Q(processed_at__isnull=True)),
            models.Index(fields=["channel", "-received_at"], name="webhook_delivery_recent"),
            models.Index(
                fields=["processed_at"], name="webhook_delivery_drained", condition=models.Q(processed_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Webhook {self.webhook_id} ({self.get_outcome_display() or 'waiting'})"


class ReplayRun(RunProgress, models.Model):
    """"Replay every open failure with this SKU" after mapping it: the failures chosen when asked, replayed at
    once when few, else in the background with progress (intake/services/replay.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    external_sku = models.CharField("their SKU", max_length=64)
    channel = models.ForeignKey("channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    failure_ids = models.JSONField(default=list, help_text="The open failures with that SKU when it was asked")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    replayed = models.PositiveIntegerField(default=0, help_text="Became (or already were) orders")
    still = models.PositiveIntegerField(default=0, help_text="Rejected again")
    result = models.JSONField(
        default=dict, blank=True, help_text='{"orders": [number], "still": [{failure_id, label, reason}]}'
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Last progress of a run; a stale run is taken over")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="replay_run_recent")]

    def __str__(self) -> str:
        return f"Replay of {self.external_sku} ({self.get_status_display()})"

    @property
    def summary(self) -> str:
        return (f"Replayed {self.processed} of {count_of(self.total, 'failure')} with "
                f"{self.external_sku}: {self.replayed} became orders, {self.still} still rejected.")
