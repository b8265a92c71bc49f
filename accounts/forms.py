"""Forms parse input; every rule that spans fields or objects is checked by the services."""

from django import forms
from django.forms.models import fields_for_model, model_to_dict

from accounts.choices import API_RULE_FIELDS, MasterProductSource, timezone_choices
from accounts.models import Account, RecurringJob, Warehouse
from accounts.roles import AccountRole
from accounts.selectors import account_has_catalog_or_orders
from accounts.services import WAREHOUSE_FIELDS
from accounts.tenancy.models import Membership
from channels.models import Channel
from oms.exceptions import DomainError
from oms.forms import ColumnIntegerField, bounded_formfield

YES_NO = [(True, "Yes"), (False, "No")]


class DomainErrorFormMixin:
    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ModelFieldsForm(DomainErrorFormMixin, forms.Form):
    """A plain form whose fields are taken from a model; the model's cross-field rules stay in the service."""

    model = Account
    field_names: list[str] = []

    def __init__(self, *args, instance, **kwargs):
        kwargs.setdefault("initial", model_to_dict(instance, fields=self.field_names))
        super().__init__(*args, **kwargs)
        self.instance = instance
        generated = fields_for_model(self.model, fields=self.field_names, formfield_callback=bounded_formfield)
        extra = {name: field for name, field in self.fields.items() if name not in self.field_names}
        self.fields = {name: self.fields.get(name) or generated[name] for name in self.field_names} | extra

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.field_names}


class MainForm(ModelFieldsForm):
    field_names = ["name", "code", "timezone", "currency", "license_type", "size_unit", "volume_unit", "weight_unit"]
    timezone = forms.ChoiceField(choices=timezone_choices, help_text="Dates are shown in this timezone.")


class WorkflowForm(ModelFieldsForm):
    field_names = [
        "master_product_source",
        "master_product_channel",
        "default_warehouse",
        "auto_sales_order_workflow",
        "auto_purchase_order_workflow",
        "inventory_realtime_updates",
    ]
    auto_sales_order_workflow = forms.BooleanField(
        label="Enable automatic sales order workflow", required=False, widget=forms.Select(choices=YES_NO)
    )
    auto_purchase_order_workflow = forms.BooleanField(
        label="Enable automatic purchase order workflow", required=False, widget=forms.Select(choices=YES_NO)
    )
    inventory_realtime_updates = forms.BooleanField(
        label="Enable inventory real-time updates",
        required=False,
        widget=forms.Select(choices=YES_NO),
        help_text="Push every stock change to the sales channels at once, within their warehouse mappings. "
        "With one sales channel, No is enough: the recurring inventory job keeps it in step.",
    )
    confirm_source_change = forms.BooleanField(
        required=False, label="I understand that changing the master product source can duplicate products"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data.get("master_product_source") if self.is_bound else self.initial.get("master_product_source")
        source = source or self.instance.master_product_source
        channels = Channel.objects.filter(account=self.instance, supports_product_import=True, is_active=True)
        if source == MasterProductSource.SALES_CHANNEL:
            channels = channels.filter(kind=Channel.Kind.SALES)
        elif source == MasterProductSource.FULFILLMENT_CHANNEL:
            channels = channels.filter(kind=Channel.Kind.FULFILLMENT)
        self.show_channel = source != MasterProductSource.OMS
        self.asks_confirmation = source != self.instance.master_product_source and account_has_catalog_or_orders(
            account=self.instance
        )
        channel_field = self.fields["master_product_channel"]
        channel_field.queryset = channels
        channel_field.required = False
        channel_field.help_text = "Only channels that can import products are offered. Required when the source is a channel."
        warehouse_field = self.fields["default_warehouse"]
        warehouse_field.queryset = Warehouse.objects.filter(account=self.instance, is_active=True)
        self.fields["master_product_source"].help_text = (
            "Changing this on a live account can duplicate products: SKUs must be unique."
        )


    def channel_fields(self):
        return [self["master_product_channel"]]

    def rest_fields(self):
        return [self[name] for name in self.field_names[2:]]


class ApiRulesForm(ModelFieldsForm):
    field_names = API_RULE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.RadioSelect(choices=field.choices)

    def rows(self):
        """(document label, carrier field, service field) for the rules table."""
        from accounts.choices import VALIDATED_DOCUMENTS

        return [(label, self[f"{doc}_carrier_rule"], self[f"{doc}_service_rule"]) for doc, label in VALIDATED_DOCUMENTS]


class PrivacyForm(DomainErrorFormMixin, forms.Form):
    pii_retention_days = ColumnIntegerField(
        column=(Account, "pii_retention_days"),
        label="PII retention days for non-sales channels (API, manual and imported orders)",
        min_value=1,
        required=False,
        help_text="Blank keeps personal data. Days count from the order's creation.",
    )

    def __init__(self, *args, account: Account, channels, **kwargs):
        kwargs.setdefault("initial", {"pii_retention_days": account.pii_retention_days})
        super().__init__(*args, **kwargs)
        self.channels = list(channels)
        for channel in self.channels:
            self.fields[f"channel_{channel.pk}"] = ColumnIntegerField(
                column=(Channel, "pii_retention_days"), label=channel.name, min_value=1, required=False,
                initial=channel.pii_retention_days,
            )

    def channel_fields(self):
        return [(channel, self[f"channel_{channel.pk}"]) for channel in self.channels]

    def channel_overrides(self) -> dict[int, int | None]:
        return {channel.pk: self.cleaned_data[f"channel_{channel.pk}"] for channel in self.channels}


class WarehouseForm(DomainErrorFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Warehouse, fields=WAREHOUSE_FIELDS, formfield_callback=bounded_formfield))


class RecurringJobForm(DomainErrorFormMixin, forms.Form):
    job_type = forms.ChoiceField(choices=RecurringJob.JobType.choices)
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), required=False)
    interval_minutes = ColumnIntegerField(
        column=(RecurringJob, "interval_minutes"), label="Every N minutes", min_value=1, required=False
    )
    cron = forms.CharField(label="or cron", required=False, max_length=100, help_text="e.g. 0 */2 * * *")
    is_enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(account=account, is_active=True)


class GrantRoleForm(DomainErrorFormMixin, forms.Form):
    email = forms.EmailField(
        max_length=254, help_text="A member of the organization gets the role at once; anyone else is invited."
    )
    role = forms.ChoiceField(choices=AccountRole.choices, initial=AccountRole.VIEWER)  # the least powerful


class AccountCreateForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    code = forms.CharField(max_length=30, required=False, help_text="Leave blank to derive it from the name")
    timezone = forms.ChoiceField(choices=timezone_choices, initial="UTC")


class MemberInviteForm(DomainErrorFormMixin, forms.Form):
    email = forms.EmailField(
        max_length=254, help_text="A member gets the role at once; anyone else is invited by email."
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)  # the least powerful


class InvitationAcceptForm(DomainErrorFormMixin, forms.Form):
    """An existing user confirms with their password; a new person also gives a name and repeats the password."""

    full_name = forms.CharField(required=False, max_length=150, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False, label="Password again")

    def __init__(self, *args, new_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_user = new_user
        if new_user:
            self.fields["password"].label = "Choose a password"
        else:
            self.fields["password"].label = "Your password"
            del self.fields["full_name"], self.fields["password_again"]

    def clean(self):
        data = super().clean()
        if self.new_user and data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class MemberAddForm(DomainErrorFormMixin, forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)  # the least powerful
    full_name = forms.CharField(required=False, max_length=150, help_text="For a new user")
    password = forms.CharField(required=False, widget=forms.PasswordInput, help_text="For a new user")


class OrganizationForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(
        label="Address name", max_length=42, help_text="The organization lives at http://<address name>.localhost"
    )
    admin_email = forms.EmailField(required=False, label="First administrator's email")
    admin_password = forms.CharField(required=False, widget=forms.PasswordInput, label="Their password")


class OrganizationEditForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    is_active = forms.BooleanField(required=False, label="Active")


class TwoFactorCodeForm(DomainErrorFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class TwoFactorConfirmForm(DomainErrorFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TwoFactorDisableForm(DomainErrorFormMixin, forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(
        label="Code", max_length=40, help_text="A code from your app, or a recovery code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class TwoFactorPolicyForm(forms.Form):
    require_two_factor_for_admins = forms.BooleanField(
        required=False,
        label="Require two-factor sign-in for administrators",
        help_text="Organization administrators, supervisors and account administrators must set up two-factor "
        "sign-in before they can use the organization.",
    )

    def required(self) -> bool:
        self.is_valid()  # one checkbox: always valid
        return self.cleaned_data["require_two_factor_for_admins"]

    @staticmethod
    def saved_message(required: bool) -> str:
        return f"Two-factor sign-in is {'now' if required else 'no longer'} required for administrators."
