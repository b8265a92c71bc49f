import json
import re

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


AMAZON_SECRET_FIELDS = ("amazon_client_id", "amazon_client_secret", "amazon_refresh_token")
GENERIC_FIELDS = ("auth_header", "secret", "products_path", "orders_path", "inventory_path")
AMAZON_FIELDS = ("token_url", "seller_id", "marketplace_ids", *AMAZON_SECRET_FIELDS)


class ConnectionForm(forms.ModelForm):
    amazon_client_id = forms.CharField(label="Amazon: LWA client id", required=False, max_length=200)
    amazon_client_secret = forms.CharField(
        label="Amazon: LWA client secret", required=False, widget=forms.PasswordInput, max_length=500,
    )
    amazon_refresh_token = forms.CharField(
        label="Amazon: refresh token", required=False, widget=forms.PasswordInput, max_length=2000,
        help_text="The three are stored encrypted and sent only to the token URL's scheme, host and port. Leave "
                  "them empty to keep the current ones.",
    )
    base_url = forms.URLField(
        label="Base URL", required=False, assume_scheme="http",
        help_text="Shopify: the shop's address, https://your-shop.myshopify.com. Amazon: the Selling Partner API "
                  "endpoint, e.g. https://sellingpartnerapi-na.amazon.com.",
    )
    token_url = forms.URLField(
        label="Amazon: token URL", required=False, assume_scheme="https",
        help_text="The Login with Amazon token endpoint, e.g. https://api.amazon.com/auth/o2/token",
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
        fields = [
            "base_url", "auth_header", "products_path", "orders_path", "inventory_path", "timeout_seconds",
            "token_url", "seller_id", "marketplace_ids",
        ]
        labels = {"base_url": "Base URL", "token_url": "Amazon: token URL", "seller_id": "Amazon: seller id",
                  "marketplace_ids": "Amazon: marketplace ids"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="conn", **kwargs)
        for name in AMAZON_FIELDS:
            self.fields[name].widget.attrs["data-connectors"] = "amazon"
        for name in GENERIC_FIELDS:
            self.fields[name].widget.attrs["data-connectors"] = "sandbox http_json"

    def clean_marketplace_ids(self) -> str:
        ids = [m.strip().upper() for m in self.cleaned_data["marketplace_ids"].split(",") if m.strip()]
        bad = [m for m in ids if not re.fullmatch(r"[A-Z0-9]{1,20}", m)]
        if bad:
            raise forms.ValidationError(f"Not a marketplace id: {bad[0][:40]}. Separate ids with commas.")
        return ",".join(ids)

    def clean_seller_id(self) -> str:
        seller = self.cleaned_data["seller_id"].strip()
        if seller and not re.fullmatch(r"[A-Za-z0-9]{1,40}", seller):
            raise forms.ValidationError("A seller id is letters and digits (Seller Central: merchant token).")
        return seller

    def clean(self):
        cleaned = super().clean()
        given = [name for name in AMAZON_SECRET_FIELDS if cleaned.get(name)]
        if given and len(given) < len(AMAZON_SECRET_FIELDS):
            self.add_error(None, "Enter the Amazon client id, client secret and refresh token together.")
        return cleaned

    def secret_value(self) -> str:
        """The secret to store: Amazon's three credentials as one JSON value when entered, else the auth header's."""
        if all(self.cleaned_data.get(name) for name in AMAZON_SECRET_FIELDS):
            return json.dumps({
                "client_id": self.cleaned_data["amazon_client_id"].strip(),
                "client_secret": self.cleaned_data["amazon_client_secret"].strip(),
                "refresh_token": self.cleaned_data["amazon_refresh_token"].strip(),
            })
        return self.cleaned_data["secret"]
