from django.conf import settings
from django.db import models
from django.db.models import F, Q


class StockLevel(models.Model):
    """On hand and allocated per variant and warehouse; available = on hand - allocated.

    The database refuses to allocate more than is on hand, so no code path can oversell.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey("accounts.Warehouse", on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    reorder_point = models.PositiveIntegerField(
        default=0, help_text="Low stock when available is at or below this (0: only when out of stock)"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(condition=Q(allocated__lte=F("on_hand")), name="stock_never_oversold"),
        ]
        indexes = [models.Index(fields=["account", "warehouse"], name="stock_account_warehouse")]

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand}/{self.allocated}"


class StockMovement(models.Model):
    """One ledger entry: every change to a stock level is one of these, written in the same transaction.

    A level's on hand and allocated always equal the sums of its entries' deltas (`manage.py inventory_check`).
    """

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment", "Manual adjustment"
        RECEIPT = "receipt", "Receipt"
        CHANNEL_UPDATE = "channel_update", "Channel update"
        IMPORT = "import", "CSV import"
        ALLOCATION = "allocation", "Order allocation"
        RELEASE = "release", "Release on cancel"
        SHIPMENT = "shipment", "Shipment"
        OPENING = "opening", "Opening balance"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="stock_movements")
    warehouse = models.ForeignKey("accounts.Warehouse", on_delete=models.CASCADE, related_name="stock_movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    allocated_delta = models.IntegerField(default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="The sales or purchase order the change was for (allocation, release, shipment, receipt)",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["variant", "warehouse", "id"], name="movement_level"),
            models.Index(fields=["variant", "id"], name="movement_variant"),  # a SKU's ledger, newest first
            models.Index(fields=["order"], condition=Q(order__isnull=False), name="movement_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant_id}@{self.warehouse_id} {self.on_hand_delta:+}/{self.allocated_delta:+}"


class InventoryPush(models.Model):
    """Outbox: a (channel, variant) whose available quantity changed and must reach the channel.

    Written in the same transaction as the ledger entry, so a committed change is never lost; the push task
    marks every undelivered row of the pair delivered once it has sent the value current at send time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Failed (dead letter)"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="inventory_pushes")
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    sent_quantity = models.IntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="A dead letter: when the sweeper tries again")

    class Meta:
        indexes = [
            models.Index(fields=["channel", "variant", "status"], name="push_pair_status"),
            models.Index(fields=["status", "created_at"], name="push_status_created"),
        ]


class PushCircuit(models.Model):
    """Whether stock pushes to a channel go out (closed) or wait because the channel itself is failing (open).

    Made the first time a push to the channel fails; inventory/push.py explains the states.
    """

    class State(models.TextChoices):
        CLOSED = "closed", "Working"
        OPEN = "open", "Failing"
        HALF_OPEN = "half_open", "Checking"

    channel = models.OneToOneField("channels.Channel", on_delete=models.CASCADE, related_name="push_circuit")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CLOSED)
    failures = models.PositiveIntegerField(default=0, help_text="Consecutive failures of the channel itself")
    probes = models.PositiveIntegerField(default=0, help_text="Failed probes since it opened")
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="push_circuit_due")]

    def __str__(self) -> str:
        return f"Push circuit of channel {self.channel_id}: {self.state}"
