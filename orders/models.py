from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class Product(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["account", "name"], name="product_account_name")]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """A sellable item. Its SKU is unique within the account, enforced by the database."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                validators=[MinValueValidator(Decimal("0"))])
    weight = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # The SKU the account sells instead when this one is discontinued or out of stock (clone suggestions).
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="The SKU to offer instead when this one is discontinued or out of stock",
    )

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["account", "sku"], name="variant_sku_unique_per_account"),
        ]
        # The SKU look-up (orders/selectors.py sku_lookup): UPPER(sku) LIKE 'Q%' within the account, UPPER(name)
        # LIKE '%Q%' (trigrams, pg_trgm), and its order (active first, then SKU), which a common prefix or word
        # reads in index order, stopping at the limit, instead of sorting every match.
        indexes = [
            models.Index(fields=["account", "-is_active", "sku"], name="variant_lookup_order"),
            models.Index("account", OpClass(Upper("sku"), name="text_pattern_ops"), name="variant_sku_prefix"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="variant_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.sku


class Customer(models.Model):
    """A customer profile; orders keep their own copy of the contact details."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["account", "email"], name="customer_account_email")]

    def __str__(self) -> str:
        return self.name


class TaxJurisdiction(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tax_jurisdictions")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    # A fraction with 6 decimals (4 decimals of a percent): every real rate fits, e.g. New York City's 8.875 %.
    rate = models.DecimalField(max_digits=7, decimal_places=6, validators=[MinValueValidator(Decimal("0"))],
                               help_text="0.08875 for 8.875%")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="tax_code_unique_per_account"),
            models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lt=1), name="tax_rate_between_0_and_1"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent}%)"

    @property
    def percent(self) -> str:
        """The rate as a percent with the decimals it has, at least two: '8.875', '7.25', '19.00'."""
        text = f"{Decimal(self.rate) * 100:.4f}".rstrip("0")
        whole, _, decimals = text.partition(".")
        return f"{whole}.{decimals.ljust(2, '0')}"


class ShippingMethod(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="shipping_methods")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    carrier_code = models.CharField(max_length=30, blank=True)
    service_code = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price", "code"]
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="shipping_code_unique_per_account")]

    def __str__(self) -> str:
        return self.name


class Promotion(models.Model):
    """A discount valid between two dates, for everything, some products or some SKUs, maybe behind a code."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", "Percentage"
        FIXED = "fixed", "Fixed amount per unit"

    class Scope(models.TextChoices):
        ALL = "all", "All products"
        PRODUCTS = "products", "Some products"
        VARIANTS = "variants", "Some SKUs"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="promotions")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ALL)
    products = models.ManyToManyField(Product, blank=True, related_name="promotions")
    variants = models.ManyToManyField(Variant, blank=True, related_name="promotions")
    code = models.CharField(max_length=40, blank=True, help_text="Blank: applies without a code")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day it applies; blank: no end")
    min_quantity = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["valid_from", "name"]
        indexes = [models.Index(fields=["account", "valid_from"], name="promotion_account_from")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="percentage") | models.Q(value__lte=100), name="promotion_percentage_max_100"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="promotion_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrderNumberCounter(models.Model):
    """The last number handed out per account and order kind; incremented under a row lock."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "kind"], name="order_counter_unique")]

MAX_LINE_QUANTITY = 100_000  # units on one order line; simulations skip the stock check, so this is their only ceiling


class Order(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", "Sales order"
        PURCHASE = "purchase", "Purchase order"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        ALLOCATED = "allocated", "Allocated"
        ON_HOLD = "on_hold", "On hold"
        SHIPPED = "shipped", "Shipped"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        SALES_CHANNEL = "sales_channel", "Sales channel"
        API = "api", "API"
        MANUAL = "manual", "Manual"
        IMPORT = "import", "Import"
        CLONE = "clone", "Clone"

    class ClonePurpose(models.TextChoices):
        STANDARD = "standard", "Re-order"
        CORRECTION = "correction", "Correction"
        SPLIT = "split", "Split shipment"
        SIMULATION = "simulation", "Simulation"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="orders", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SALES)
    number = models.CharField(max_length=30)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", db_index=False
    )
    external_id = models.CharField(max_length=100, blank=True)
    order_date = models.DateField(help_text="The date prices and promotions were taken from")

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", db_index=False
    )
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.EmailField(blank=True)
    customer_phone = models.CharField(max_length=40, blank=True)

    billing_name = models.CharField(max_length=200, blank=True)
    billing_line1 = models.CharField(max_length=200, blank=True)
    billing_line2 = models.CharField(max_length=200, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_region = models.CharField(max_length=100, blank=True)
    billing_postal_code = models.CharField(max_length=20, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    shipping_name = models.CharField(max_length=200, blank=True)
    shipping_line1 = models.CharField(max_length=200, blank=True)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100, blank=True)
    shipping_region = models.CharField(max_length=100, blank=True)
    shipping_postal_code = models.CharField(max_length=20, blank=True)
    shipping_country = models.CharField(max_length=2, blank=True)

    discount_codes = models.JSONField(default=list, blank=True)
    shipping_method = models.ForeignKey(
        ShippingMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    carrier_code = models.CharField(max_length=30, blank=True)
    service_code = models.CharField(max_length=30, blank=True)
    tax_jurisdiction = models.ForeignKey(
        TaxJurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    warehouse = models.ForeignKey(
        "accounts.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    notes = models.TextField(blank=True)

    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    discount_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    shipping_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # Units over all lines (the list's "Items" column and sort), written with the lines.
    units = models.PositiveIntegerField(default=0)
    # What a channel charged, kept as it gave it: {"total", "taxes_included", "shipping_lines", "discounts"};
    # empty for orders the OMS priced itself.
    charged = models.JSONField(default=dict, blank=True)

    is_simulation = models.BooleanField(default=False, help_text="Never allocates stock, never goes to fulfillment")
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones", db_index=False
    )
    clone_purpose = models.CharField(max_length=12, choices=ClonePurpose.choices, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Warnings accepted at intake")
    tags = models.JSONField(default=list, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    fulfillment_channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="fulfilled_orders",
        db_index=False,
    )
    pii_redacted_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="order_number_unique_per_account"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
            # An external id is taken once per channel (or, without a channel, per source such as the API):
            # intake's duplicate check, made safe against two imports of one payload at the same moment.
            models.UniqueConstraint(
                fields=["account", "kind", "channel", "external_id"],
                condition=models.Q(channel__isnull=False, is_simulation=False) & ~models.Q(external_id=""),
                name="order_external_unique_per_channel",
            ),
            models.UniqueConstraint(
                fields=["account", "kind", "source", "external_id"],
                condition=models.Q(channel__isnull=True, is_simulation=False) & ~models.Q(external_id=""),
                name="order_external_unique_per_source",
            ),
        ]
        # Every index here is written on every order insert, and, since redaction rewrites indexed columns (no
        # HOT update), on every redacted order too: an order has only the indexes a query reads (orders 0006).
        # Foreign keys get no index of their own (db_index=False): `account` leads the composite indexes;
        # intake finds `channel` with the external-id constraints, the redaction with its partial index
        # (privacy 0001). Warehouses and channels are on most orders: their delete services refuse a used one
        # (one scan, to count its orders) and a delete of an unused one scans the table for its foreign key
        # check. Shipping methods, tax jurisdictions and fulfillment channels are on few orders and have
        # partial indexes. Users are never deleted (deactivated). Customers are deleted in bulk: they keep one.
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="order_account_recent"),
            models.Index(fields=["account", "status", "-created_at"], name="order_account_status"),
            # Partial: `customer_email = 'x'` implies the condition, so exact look-ups still use it, and orders
            # without an email (redacted ones among them) stay out of it.
            models.Index(
                fields=["account", "customer_email"], condition=~models.Q(customer_email=""), name="order_account_email"
            ),
            # The list's "Simulations: only" walk; written only for simulations, which the default list leaves out.
            models.Index(
                fields=["account", "-created_at", "-id"], condition=models.Q(is_simulation=True),
                name="order_account_simulations",
            ),
            # A clone's source (the clones list, SET_NULL when the source goes); most orders are no clone.
            models.Index(
                fields=["cloned_from"], condition=models.Q(cloned_from__isnull=False), name="order_cloned_from"
            ),
            # A profile's orders: the redaction's "does an unredacted order keep this profile visible", and
            # PostgreSQL's own foreign key check when a profile is deleted (without it, one table scan per
            # deleted profile). Partial on IS NOT NULL, which every `customer_id = x` implies.
            # With created_at: a customer's last orders newest first (the re-orders due), read from the index.
            models.Index(
                fields=["customer", "-created_at"], condition=models.Q(customer__isnull=False),
                name="order_customer",
            ),
            # The order list searches names and emails with icontains, which PostgreSQL runs as
            # UPPER(col) LIKE UPPER('%q%'): trigram indexes on the same expression serve it (pg_trgm lives in
            # the public schema, on every tenant's search path; see tenancy 0003).
            GinIndex(OpClass(Upper("customer_name"), name="gin_trgm_ops"), name="order_name_trgm"),
            GinIndex(OpClass(Upper("customer_email"), name="gin_trgm_ops"), name="order_email_trgm"),
            # Deleting a shipping method, tax jurisdiction or fulfillment channel asks which orders use it (the
            # delete services, then PostgreSQL's foreign key check). Most orders have none of them, so these
            # partial indexes are small and written only for orders that do (bench/deletes.py).
            models.Index(fields=["shipping_method"], condition=models.Q(shipping_method__isnull=False),
                         name="order_shipping_method"),
            models.Index(fields=["tax_jurisdiction"], condition=models.Q(tax_jurisdiction__isnull=False),
                         name="order_tax_jurisdiction"),
            models.Index(fields=["fulfillment_channel"], condition=models.Q(fulfillment_channel__isnull=False),
                         name="order_fulfillment_channel"),
            # The list's sorts by customer, total and items, each with the id as tiebreak (keyset pages).
            models.Index(fields=["account", "customer_name", "id"], name="order_account_customer"),
            models.Index(fields=["account", "total", "id"], name="order_account_total"),
            models.Index(fields=["account", "units", "id"], name="order_account_units"),
        ]

    def __str__(self) -> str:
        return self.number

    def address(self, prefix: str) -> dict[str, str]:
        return {field: getattr(self, f"{prefix}_{field}") for field in ADDRESS_FIELDS}


ADDRESS_FIELDS = ["name", "line1", "line2", "city", "region", "postal_code", "country"]
REQUIRED_ADDRESS_FIELDS = ["name", "line1", "city", "postal_code", "country"]


class OrderLine(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    line_total = models.DecimalField(max_digits=14, decimal_places=2)
    price_override_reason = models.CharField(max_length=200, blank=True)
    # What a channel charged for the line: {"unit_price", "discounts": [...], "taxes": [...], "taxes_included"}.
    charged = models.JSONField(default=dict, blank=True)
    # A copy of the order's created_at (which never changes), so the list finds the newest orders holding a
    # SKU in the (account, sku, order_created_at, order) index without looking every such order up.
    order_created_at = models.DateTimeField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "sku", "-order_created_at", "-order"], name="order_line_account_sku_newest")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class OrderEvent(models.Model):
    """The history of an order: who did what, when, and what changed."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.message


# History kinds that change what an order was created with (orders/services/actions.py writes them), in words.
ORDER_EDIT_KINDS = {"address": "shipping address changed", "contact": "contact details changed", "notes": "notes changed"}


class CloneRecord(models.Model):
    """How long an agent took from opening the clone form to creating the order, and rejected submits."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="clone_record")
    source = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    purpose = models.CharField(max_length=12, choices=Order.ClonePurpose.choices)
    seconds = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rejected_submits = models.PositiveIntegerField(default=0)
    door = models.CharField(max_length=10, default="page", help_text="page, cli or api")
    # The suggestion kinds shown beside the form and those the agent applied: {"offered": [...], "taken": [...]}.
    suggestions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="clone_record_recent")]


class ReorderHabit(models.Model):
    """A customer's ordering habit, recomputed set-based for a whole account (orders/services/reorders.py): their
    usual interval (median gap between their last orders, at least three) and when the next order is expected.
    The re-orders due page reads these rows, so it costs the same however many orders the account has."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="reorder_habit")
    last_order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+", db_index=False)
    orders = models.PositiveIntegerField(help_text="Orders the interval was taken from")
    last_at = models.DateTimeField()
    usual_seconds = models.FloatField()
    expected_at = models.DateTimeField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "expected_at"], name="reorder_habit_due")]


class OrderRule(models.Model):
    """One rule of an account's ordered list: when every condition holds, apply every action.

    Conditions and actions are lists of typed entries (see orders/rules.py for the types). Entries that point
    at other rows (channel, variant, user, warehouse, shipping method) hold the row's id and are resolved when
    the rules run, so a rule whose reference has gone is skipped and logged instead of breaking an order.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="order_rules")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    conditions = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    needs_review = models.BooleanField(default=False, help_text="Copied with references to check; inactive until saved")
    review_note = models.CharField(max_length=500, blank=True)
    last_skipped_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["account", "position"], name="order_rule_account_position")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(needs_review=True, is_active=True), name="order_rule_review_before_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Shipment(models.Model):
    """What left a warehouse for a sales order: carrier, service, tracking and the lines shipped."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    external_id = models.CharField(max_length=100, blank=True)
    carrier_code = models.CharField(max_length=30, blank=True)
    service_code = models.CharField(max_length=30, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Warnings accepted at intake")
    shipped_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], condition=~models.Q(external_id=""),
                name="shipment_external_unique_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Shipment {self.pk} of {self.order_id}"


class ShipmentLine(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="shipment_line_quantity_positive")]


class Receipt(models.Model):
    """Goods received against a purchase order; each line adds stock through the ledger."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    purchase_order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="receipts")
    warehouse = models.ForeignKey("accounts.Warehouse", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=100, blank=True)
    carrier_code = models.CharField(max_length=30, blank=True)
    service_code = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Warnings accepted at intake")
    received_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"], condition=~models.Q(external_id=""),
                name="receipt_external_unique_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.pk} of {self.purchase_order_id}"


class ReceiptLine(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="receipt_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="receipt_line_quantity_positive")]


class SavedView(models.Model):
    """A user's named filter and sort of one account's order list ("On hold, oldest first"); only its owner
    sees it, and only on that account."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True, help_text="The list's query string: filters and sort")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user", "name"], name="saved_view_name_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class BulkAction(models.Model):
    """One bulk action on the order list: the orders it covers, its progress and what was done or refused.
    Small selections run at once; larger ones in a Celery task whose progress the page polls."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20)
    params = models.JSONField(default=dict, blank=True)
    order_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list, blank=True, help_text='[{"number", "reason"}]')
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
