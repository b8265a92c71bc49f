"""The clone form: prefilled from the source; turns what the agent sent into `order_clone` arguments."""

import datetime as dt

from django import forms
from django.core import signing
from django.utils import timezone

from accounts.models import Warehouse
from oms.forms import ColumnIntegerField, DayField
from orders.models import ADDRESS_FIELDS, CloneRecord, Order, ShippingMethod, TaxJurisdiction
from orders.services.clone import CloneLine, Destination

OPENED_SALT = "orders.clone.opened"
TAMPERED = "The page's hidden submit count is not a valid number: reload the page and clone again."
MAX_DESTINATIONS = 10
MAX_ADDED_LINES = 20  # lines of SKUs the source did not have
PRICING_CHOICES = [
    ("keep", "Keep the source prices"),
    ("reprice", "Re-price with the promotions valid today"),
    ("manual", "Set unit prices by hand"),
]
SPLIT_SHIPPING_CHOICES = [
    ("divide", "Divide the source's shipping across the new orders"),
    ("first", "Charge the source's shipping on the first order only"),
    ("per_order", "Charge each order its shipping method's price"),
]
ADDRESS_LABELS = {
    "name": "Name",
    "line1": "Address line 1",
    "line2": "Address line 2",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country (2 letters)",
}


class CloneForm(forms.Form):
    purpose = forms.ChoiceField(choices=Order.ClonePurpose.choices, widget=forms.RadioSelect, initial="standard")
    cancel_source = forms.BooleanField(required=False, label="Cancel the source order in the same step")
    pricing = forms.ChoiceField(choices=PRICING_CHOICES, widget=forms.RadioSelect, initial="keep")
    customer_name = forms.CharField(max_length=200, required=False)
    customer_email = forms.EmailField(required=False)
    customer_phone = forms.CharField(max_length=40, required=False)
    discount_codes = forms.CharField(required=False, help_text="Separate codes with commas")
    shipping_method = forms.ModelChoiceField(queryset=ShippingMethod.objects.none(), required=False)
    tax_jurisdiction = forms.ModelChoiceField(queryset=TaxJurisdiction.objects.none(), required=False)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), required=False)
    split_shipping = forms.ChoiceField(choices=SPLIT_SHIPPING_CHOICES, widget=forms.RadioSelect, initial="divide",
                                       required=False, label="Shipping charge")
    destination_count = forms.IntegerField(min_value=2, max_value=MAX_DESTINATIONS, initial=2, required=False,
                                           label="Destinations")
    opened = forms.CharField(widget=forms.HiddenInput, required=False)
    # Submits refused so far (kept by the page between tries); one less than the column's limit so +1 fits.
    rejected = ColumnIntegerField(
        column=(CloneRecord, "rejected_submits"), widget=forms.HiddenInput, required=False, max_value=2**31 - 2,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), TAMPERED),
    )

    def __init__(self, *args, source: Order, **kwargs):
        self.source = source
        initial = {
            "customer_name": source.customer_name,
            "customer_email": source.customer_email,
            "customer_phone": source.customer_phone,
            "discount_codes": ", ".join(source.discount_codes),
            "shipping_method": source.shipping_method_id,
            "tax_jurisdiction": source.tax_jurisdiction_id,
            "warehouse": source.warehouse_id,
            "opened": signing.dumps(timezone.now().timestamp(), salt=OPENED_SALT),
            "rejected": 0,
            **{f"billing_{k}": getattr(source, f"billing_{k}") for k in ADDRESS_FIELDS},
            **{f"shipping_{k}": getattr(source, f"shipping_{k}") for k in ADDRESS_FIELDS},
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        account = source.account
        self.fields["shipping_method"].queryset = ShippingMethod.objects.filter(account=account, is_active=True)
        self.fields["tax_jurisdiction"].queryset = TaxJurisdiction.objects.filter(account=account)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(account=account, is_active=True)
        for prefix in ("billing", "shipping"):
            for key in ADDRESS_FIELDS:
                self.fields[f"{prefix}_{key}"] = forms.CharField(
                    label=ADDRESS_LABELS[key], required=False, max_length=200
                )
        self.source_lines = list(source.lines.all())
        from orders.widgets import SkuInput

        for index in range(self.added_total()):
            self.fields[f"add_sku_{index}"] = forms.CharField(
                required=False, max_length=64, label=f"SKU of new line {index + 1}",
                widget=SkuInput(account=account, warehouse_field="id_warehouse",
                                attrs={"aria-label": f"SKU of new line {index + 1}"}),
            )
            self.fields[f"add_qty_{index}"] = forms.CharField(
                required=False, max_length=12, label=f"Quantity of new line {index + 1}",
                widget=forms.NumberInput(attrs={"min": 1, "class": "qty", "aria-label": f"Quantity of new line {index + 1}"}),
            )

    def added_total(self) -> int:
        """How many "new line" rows the form has: as posted (`add_count`), one more after "Add a line"."""
        if not self.is_bound:
            return 0
        raw = str(self.data.get("add_count", ""))
        count = int(raw) if raw.isdecimal() and len(raw) < 4 else 0
        return min(MAX_ADDED_LINES, count + (1 if "_add_line" in self.data else 0))

    def added_rows(self):
        return [{"sku": self[f"add_sku_{i}"], "quantity": self[f"add_qty_{i}"]} for i in range(self.added_total())]

    # What the template draws -------------------------------------------------------------------------

    def _keyed(self, pairs):
        """[{"field": bound field, "key": the service's error key}] for the template."""
        return [{"field": self[name], "key": key} for name, key in pairs]

    def address_sections(self):
        return [
            (title, prefix, self._keyed((f"{prefix}_{k}", f"{prefix}.{k}") for k in ADDRESS_FIELDS))
            for title, prefix in (("Billing address", "billing"), ("Shipping address", "shipping"))
        ]

    def customer_fields(self):
        return self._keyed((name, name) for name in ("customer_name", "customer_email", "customer_phone"))

    def error_items(self) -> list[dict]:
        """The form's errors for the summary at the top, each named by its label in words (an address field by
        its address too) with the id of its input: [{"label", "message", "id"}]."""
        items = [{"label": "", "message": message, "id": ""} for message in self.non_field_errors()]
        for field in self:
            label = field.label
            for prefix, title in (("billing_", "Billing address"), ("shipping_", "Shipping address")):
                if field.name.startswith(prefix) and field.name.removeprefix(prefix) in ADDRESS_FIELDS:
                    label = f"{title}, {label.lower()}"
            for message in field.errors:
                items.append({"label": "" if field.is_hidden else label, "message": message,
                              "id": "" if field.is_hidden else field.id_for_label})
        return items

    def override_fields(self):
        return self._keyed(
            (name, name) for name in ("discount_codes", "shipping_method", "tax_jurisdiction", "warehouse")
        )

    def _value(self, name: str, default):
        if self.is_bound:
            return self.data.get(name, "" if default is not None else None)
        return default

    def line_rows(self):
        rows = []
        for line in self.source_lines:
            key = line.sku
            picked = (f"line_{key}" in self.data) if self.is_bound else True
            rows.append(
                {
                    "line": line,
                    "key": key,
                    "picked": picked,
                    "quantity": self._value(f"qty_{key}", line.quantity),
                    "unit_price": self._value(f"price_{key}", line.unit_price),
                    "reason": self._value(f"reason_{key}", ""),
                }
            )
        return rows

    def destination_total(self) -> int:
        try:
            count = int(self.data.get("destination_count") or 2) if self.is_bound else 2
        except ValueError:
            count = 2
        return max(2, min(MAX_DESTINATIONS, count))

    def destination_rows(self):
        rows = []
        for index in range(self.destination_total()):
            address = []
            for key in ADDRESS_FIELDS:
                name = f"dest{index}_{key}"
                default = getattr(self.source, f"shipping_{key}")
                address.append({"name": name, "key": key, "label": ADDRESS_LABELS[key],
                                "value": self._value(name, default)})
            quantities = []
            for line in self.source_lines:
                name = f"dest{index}_qty_{line.sku}"
                default = line.quantity if index == 0 else 0
                quantities.append({"name": name, "sku": line.sku, "value": self._value(name, default)})
            rows.append({"index": index, "address": address, "quantities": quantities})
        return rows

    # What the service gets -----------------------------------------------------------------------------

    def opened_at(self):
        try:
            stamp = signing.loads(self.data.get("opened", ""), salt=OPENED_SALT, max_age=24 * 3600)
        except signing.BadSignature:
            return None
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)

    def rejected_submits(self) -> int:
        """The hidden count, as the form parsed it (0 when missing or invalid: the form shows the error)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get("rejected") or 0

    def service_arguments(self) -> dict:
        """The `order_clone` arguments; call after is_valid()."""
        data, cleaned = self.data, self.cleaned_data
        purpose = cleaned["purpose"]
        lines = [
            CloneLine(
                sku=line.sku,
                quantity=data.get(f"qty_{line.sku}", ""),
                unit_price=data.get(f"price_{line.sku}") or None,
                reason=data.get(f"reason_{line.sku}", ""),
            )
            for line in self.source_lines
            if f"line_{line.sku}" in data
        ]
        for index in range(self.added_total()):
            sku = " ".join(str(data.get(f"add_sku_{index}", "")).split())
            if sku:
                lines.append(CloneLine(sku=sku, quantity=data.get(f"add_qty_{index}", "")))
        overrides = {
            "customer_name": cleaned["customer_name"].strip(),
            "customer_email": cleaned["customer_email"].strip(),
            "customer_phone": cleaned["customer_phone"].strip(),
            "shipping_method": cleaned["shipping_method"],
            "tax_jurisdiction": cleaned["tax_jurisdiction"],
            "warehouse": cleaned["warehouse"],
            "billing": {k: cleaned[f"billing_{k}"] for k in ADDRESS_FIELDS},
            "shipping": {k: cleaned[f"shipping_{k}"] for k in ADDRESS_FIELDS},
        }
        codes = sorted({c.strip().upper() for c in cleaned["discount_codes"].replace(";", ",").split(",") if c.strip()})
        if codes != sorted(self.source.discount_codes):
            overrides["discount_codes"] = codes  # only a change of codes is checked against the new date
        destinations = None
        if purpose == Order.ClonePurpose.SPLIT:
            destinations = [
                Destination(
                    shipping={k: data.get(f"dest{i}_{k}", "") for k in ADDRESS_FIELDS},
                    quantities={l.sku: data.get(f"dest{i}_qty_{l.sku}", "0") or "0" for l in self.source_lines},
                )
                for i in range(self.destination_total())
            ]
        return {
            "lines": lines,
            "overrides": overrides,
            "pricing": cleaned["pricing"],
            "purpose": purpose,
            "cancel_source": cleaned["cancel_source"],
            "destinations": destinations,
            "split_shipping": cleaned["split_shipping"] or "divide",
        }


class OrderRuleForm(forms.Form):
    """One field per condition and action type; blank means the rule does not use it."""

    name = forms.CharField(max_length=120)
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    cond_channel = forms.ModelChoiceField(queryset=None, required=False, label="Sales channel is")
    cond_country = forms.CharField(required=False, max_length=2, label="Destination country is")
    cond_region = forms.CharField(required=False, max_length=100, label="Destination region is")
    cond_sku = forms.CharField(required=False, max_length=64, label="Contains SKU")
    cond_total_min = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Order total at least")
    cond_total_max = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Order total at most")
    cond_tag = forms.CharField(required=False, max_length=40, label="Has tag")
    act_warehouse = forms.ModelChoiceField(queryset=None, required=False, label="Assign warehouse")
    act_fulfillment_channel = forms.ModelChoiceField(queryset=None, required=False, label="Assign fulfillment channel")
    act_shipping_method = forms.ModelChoiceField(queryset=None, required=False, label="Set shipping method")
    act_carrier = forms.CharField(required=False, max_length=30, label="Set carrier code")
    act_service = forms.CharField(required=False, max_length=30, label="Set service code")
    act_user = forms.ModelChoiceField(queryset=None, required=False, label="Assign to user")
    act_tag = forms.CharField(required=False, max_length=40, label="Add tag")
    act_hold = forms.BooleanField(required=False, label="Put on hold")

    CONDITION_FIELDS = ["cond_channel", "cond_country", "cond_region", "cond_sku", "cond_total_min", "cond_total_max", "cond_tag"]
    ACTION_FIELDS = ["act_warehouse", "act_fulfillment_channel", "act_shipping_method", "act_carrier", "act_service",
                     "act_user", "act_tag", "act_hold"]

    def __init__(self, *args, account, rule=None, **kwargs):
        from django.db import connection

        from accounts.selectors import organization_users
        from channels.models import Channel
        from orders.models import Variant

        self.account, self.rule = account, rule
        if rule is not None:
            kwargs.setdefault("initial", self._initial(rule))
        super().__init__(*args, **kwargs)
        channels = Channel.objects.filter(account=account, is_active=True)
        self.fields["cond_channel"].queryset = channels.filter(kind=Channel.Kind.SALES)
        self.fields["act_fulfillment_channel"].queryset = channels.filter(kind=Channel.Kind.FULFILLMENT)
        self.fields["act_warehouse"].queryset = Warehouse.objects.filter(account=account, is_active=True)
        self.fields["act_shipping_method"].queryset = ShippingMethod.objects.filter(account=account, is_active=True)
        self.fields["act_user"].queryset = organization_users(organization=connection.tenant).filter(is_active=True)
        self._variants = Variant.objects.filter(account=account)

    @staticmethod
    def _initial(rule) -> dict:
        initial = {"name": rule.name, "is_active": rule.is_active or rule.needs_review}
        by_type = {e["type"]: e for e in rule.conditions} | {e["type"]: e for e in rule.actions}
        refs = {"channel": "cond_channel", "assign_warehouse": "act_warehouse",
                "assign_fulfillment_channel": "act_fulfillment_channel", "set_shipping_method": "act_shipping_method",
                "assign_user": "act_user"}
        for kind, name in refs.items():
            if kind in by_type:
                initial[name] = by_type[kind].get("id")
        for kind, name in (("country", "cond_country"), ("region", "cond_region"), ("tag", "cond_tag"),
                           ("add_tag", "act_tag")):
            if kind in by_type:
                initial[name] = by_type[kind].get("value", "")
        if "total" in by_type:
            initial["cond_total_min"] = by_type["total"].get("min") or None
            initial["cond_total_max"] = by_type["total"].get("max") or None
        if "set_carrier_service" in by_type:
            initial["act_carrier"] = by_type["set_carrier_service"].get("carrier", "")
            initial["act_service"] = by_type["set_carrier_service"].get("service", "")
        if "variant" in by_type and by_type["variant"].get("id"):
            from orders.models import Variant

            initial["cond_sku"] = Variant.objects.filter(pk=by_type["variant"]["id"]).values_list("sku", flat=True).first()
        initial["act_hold"] = "hold" in by_type
        return initial

    def clean_cond_sku(self):
        sku = self.cleaned_data["cond_sku"].strip()
        if sku and not self._variants.filter(sku=sku).exists():
            raise forms.ValidationError(f"This account has no SKU {sku}.")
        return sku

    def entries(self) -> tuple[list[dict], list[dict]]:
        data = self.cleaned_data
        conditions, actions = [], []
        if data["cond_channel"]:
            conditions.append({"type": "channel", "id": data["cond_channel"].pk})
        if data["cond_country"]:
            conditions.append({"type": "country", "value": data["cond_country"]})
        if data["cond_region"]:
            conditions.append({"type": "region", "value": data["cond_region"]})
        if data["cond_sku"]:
            conditions.append({"type": "variant", "id": self._variants.get(sku=data["cond_sku"]).pk})
        if data["cond_total_min"] is not None or data["cond_total_max"] is not None:
            conditions.append({"type": "total", "min": str(data["cond_total_min"] or ""),
                               "max": str(data["cond_total_max"] or "")})
        if data["cond_tag"]:
            conditions.append({"type": "tag", "value": data["cond_tag"]})
        for name, kind in (("act_warehouse", "assign_warehouse"), ("act_fulfillment_channel", "assign_fulfillment_channel"),
                           ("act_shipping_method", "set_shipping_method"), ("act_user", "assign_user")):
            if data[name]:
                actions.append({"type": kind, "id": data[name].pk})
        if data["act_carrier"] or data["act_service"]:
            actions.append({"type": "set_carrier_service", "carrier": data["act_carrier"], "service": data["act_service"]})
        if data["act_tag"]:
            actions.append({"type": "add_tag", "value": data["act_tag"]})
        if data["act_hold"]:
            actions.append({"type": "hold"})
        return conditions, actions

    def condition_fields(self):
        return [self[name] for name in self.CONDITION_FIELDS]

    def action_fields(self):
        return [self[name] for name in self.ACTION_FIELDS]


class ClonePeriodForm(forms.Form):
    """The clone metrics' period: days in the account's timezone, both included (default: the last 30 days)."""

    created_from = DayField(required=False, label="From")
    created_to = DayField(required=False, label="To")
    DEFAULT_DAYS = 30

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            raise forms.ValidationError("The period ends before it starts: choose a From date on or before To.")
        return cleaned

    def period(self, account) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
        """(first day, last day, start, end) of the chosen period; the default where a date is missing or wrong."""
        today = account.today()
        data = self.cleaned_data if self.is_valid() else {}
        last = data.get("created_to") or today
        first = data.get("created_from") or last - dt.timedelta(days=self.DEFAULT_DAYS - 1)
        zone = account.zone
        start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return first, last, start, end
