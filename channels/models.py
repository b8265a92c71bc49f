import secrets

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.choices import ValidationLevel


def webhook_token_new() -> str:
    """The unguessable part of a channel's webhook address."""
    return secrets.token_urlsafe(24)


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
    order_format = models.CharField(
        max_length=30, default="oms", help_text="How its order payloads look: the intake adapter that reads them"
    )
    sales_order_carrier_rule = models.CharField(
        "sales orders: carrier code", max_length=10, choices=ValidationLevel.choices, blank=True,
        help_text="Blank: the account's rule",
    )
    sales_order_service_rule = models.CharField(
        "sales orders: service code", max_length=10, choices=ValidationLevel.choices, blank=True,
        help_text="Blank: the account's rule",
    )
    warehouses = models.ManyToManyField(
        "accounts.Warehouse", blank=True, related_name="channels", help_text="Warehouses whose stock it may sell"
    )
    is_active = models.BooleanField(default=True)
    webhook_token = models.CharField(
        max_length=64, unique=True, default=webhook_token_new, editable=False,
        help_text="Names the channel in its webhook address (/hooks/<token>/orders)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="channel_name_unique_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ChannelConnection(models.Model):
    """How to reach a channel: base URL, paths and an auth header whose value is stored encrypted.

    Kept out of `Channel` so the secret is read only by the connector (channels/connectors.py).
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="connection")
    base_url = models.URLField(blank=True)
    auth_header = models.CharField(max_length=80, blank=True, default="Authorization")
    secret_encrypted = models.TextField(
        blank=True, help_text="Fernet token of the auth header's value and of the origin it may be sent to"
    )
    webhook_secret_encrypted = models.TextField(
        blank=True, help_text="Fernet token of the secret the channel signs its webhooks with"
    )
    products_path = models.CharField(max_length=200, blank=True, default="/products")
    orders_path = models.CharField(max_length=200, blank=True, default="/orders")
    inventory_path = models.CharField(max_length=200, blank=True, default="/inventory")
    timeout_seconds = models.PositiveIntegerField(default=5, validators=[MinValueValidator(1)])

    def __str__(self) -> str:
        return f"Connection of channel {self.channel_id}"
