from django import forms

from accounts.models import Warehouse
from channels.models import Channel, ChannelConnection
from intake.adapters import format_choices


class ChannelForm(forms.ModelForm):
    order_format = forms.ChoiceField(
        label="Order format", initial="oms", required=False,
        help_text="How its order payloads look: the intake adapter that reads them",
    )

    class Meta:
        model = Channel
        fields = [
            "kind", "name", "connector_type", "supports_product_import", "supports_order_import",
            "supports_inventory_updates", "supports_shipments", "order_format", "sales_order_carrier_rule",
            "sales_order_service_rule", "warehouses", "pii_retention_days", "is_active",
        ]
        widgets = {"warehouses": forms.CheckboxSelectMultiple}

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_format"].choices = format_choices()
        self.fields["warehouses"].queryset = Warehouse.objects.filter(account=account).order_by("code")

    def clean_order_format(self) -> str:
        # Left out of the form: keep what the channel has ("oms" for a new one).
        return self.cleaned_data["order_format"] or self.instance.order_format or "oms"


class ConnectionForm(forms.ModelForm):
    base_url = forms.URLField(
        label="Base URL", required=False, assume_scheme="http",
        help_text="Shopify: the shop's address, https://your-shop.myshopify.com.",
    )
    secret = forms.CharField(
        label="Auth header value (secret)", required=False, widget=forms.PasswordInput,
        help_text="Shopify: the Admin API access token (shpat_...). Stored encrypted and sent only to the base "
                  "URL's scheme, host and port. Leave empty to keep the current one; a base URL with another "
                  "scheme, host or port needs it entered again.",
    )
    clear_secret = forms.BooleanField(label="Remove the stored secret", required=False)
    webhook_secret = forms.CharField(
        label="Webhook signing secret", required=False, widget=forms.PasswordInput, max_length=500,
        help_text="The secret the channel signs its webhooks with (Shopify: the app's client secret). Stored "
                  "encrypted; leave empty to keep the current one.",
    )
    clear_webhook_secret = forms.BooleanField(label="Remove the webhook signing secret", required=False)

    class Meta:
        model = ChannelConnection
        fields = ["base_url", "auth_header", "products_path", "orders_path", "inventory_path", "timeout_seconds"]
        labels = {"base_url": "Base URL"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="conn", **kwargs)
