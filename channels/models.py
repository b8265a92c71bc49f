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
        SHOPIFY = "shopify", "Shopify (Admin GraphQL API)"
        AMAZON = "amazon", "Amazon (Selling Partner API)"
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

    Kept out of `Channel` so the secret is read only by the connectors (channels/connectors/).
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
    # Amazon: the Login with Amazon token endpoint (the secret is sealed for it), the seller and marketplaces.
    token_url = models.URLField(
        "Token URL", blank=True, help_text="Amazon: the Login with Amazon token endpoint, e.g. https://api.amazon.com/auth/o2/token"
    )
    seller_id = models.CharField("Seller id", max_length=40, blank=True, help_text="Amazon: the merchant token")
    marketplace_ids = models.CharField(
        "Marketplace ids", max_length=200, blank=True, help_text="Amazon: comma-separated, e.g. ATVPDKIKX0DER"
    )

    def __str__(self) -> str:
        return f"Connection of channel {self.channel_id}"

    @property
    def secret_url(self) -> str:
        """Where the secret is sent: the token endpoint when there is one (Amazon), else the base URL."""
        return self.token_url or self.base_url


class ChannelState(models.Model):
    """What a connector knows between runs: who it is connected as, where the last pull stopped, the throttle
    the channel reported, tokens it was given (encrypted) and its last error in the operator's words."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="state")
    connected_as = models.CharField(max_length=200, blank=True, help_text="The shop or seller the channel answered as")
    orders_cursor = models.CharField(max_length=200, blank=True, help_text="Where the next order pull starts")
    orders_pulled_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    throttle = models.JSONField(default=dict, blank=True, help_text="The channel's last reported rate limits")
    tokens_encrypted = models.TextField(blank=True, help_text="Fernet token of short-lived access tokens")
    error = models.CharField(max_length=500, blank=True)
    error_at = models.DateTimeField(null=True, blank=True)
    needs_reconnect = models.BooleanField(default=False)
    locations = models.JSONField(
        default=list, blank=True, help_text="The channel's locations as last imported: [{id, name}]"
    )

    def __str__(self) -> str:
        return f"State of channel {self.channel_id}"


class ChannelSkuMap(models.Model):
    """A variant of ours and its id in the channel (Shopify inventory item, Amazon seller SKU)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sku_maps")
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="+")
    remote_id = models.CharField(max_length=200)
    remote_sku = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "variant"], name="channel_sku_map_unique"),
            models.UniqueConstraint(fields=["channel", "remote_id"], name="channel_sku_map_remote_unique"),
        ]


class ChannelLocationMap(models.Model):
    """A warehouse of ours and the channel's location it stocks (Shopify location)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="location_maps")
    warehouse = models.ForeignKey("accounts.Warehouse", on_delete=models.CASCADE, related_name="+")
    remote_id = models.CharField(max_length=200)
    remote_name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "warehouse"], name="channel_location_map_unique"),
            models.UniqueConstraint(fields=["channel", "remote_id"], name="channel_location_map_remote_unique"),
        ]
