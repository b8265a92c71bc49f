from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower


class Channel(models.Model):
    """A sales channel (where orders come from) or a fulfillment channel (who ships them)."""

    class Kind(models.TextChoices):
        SALES = "sales", "Sales channel"
        FULFILLMENT = "fulfillment", "Fulfillment channel"

    class Connector(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox marketplace"
        HTTP_JSON = "http_json", "Generic HTTP/JSON"
        MANUAL = "manual", "Manual (no connection)"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    connector_type = models.CharField(max_length=20, choices=Connector.choices, default=Connector.MANUAL)
    supports_product_import = models.BooleanField(default=False)
    supports_order_import = models.BooleanField(default=False)
    supports_inventory_updates = models.BooleanField(default=False)
    supports_shipments = models.BooleanField(default=False)
    pii_retention_days = models.PositiveIntegerField(
        "PII retention days (overrides the account's)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    warehouses = models.ManyToManyField(
        "accounts.Warehouse", blank=True, related_name="channels", help_text="Warehouses whose stock it may sell"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="channel_name_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
