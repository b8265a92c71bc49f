"""Forms of the intake pages. They parse input only; intake/validation.py judges orders, and the manual order
form shows its problems next to the fields they name (`ManualOrderForm.add_problems`)."""

from __future__ import annotations

import re

from django import forms

from intake.models import Source
from oms.forms import IdListField
from orders.widgets import SkuInput

STATUS_CHOICES = [
    ("open", "Open (retrying or needing attention)"),
    ("retrying", "Retrying"),
    ("dead", "Needs attention"),
    ("replayed", "Replayed"),
    ("discarded", "Discarded"),
    ("all", "All"),
]


class FailureFilterForm(forms.Form):
    source = forms.ChoiceField(required=False, choices=[("", "Every source"), *Source.choices])
    channel = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Channel")
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES, initial="open")

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "Every channel"), *[(c.pk, c.name) for c in channels]]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "source": data.get("source") or "",
            "channel_id": data.get("channel"),
            "status": data.get("status") or "open",
        }

    def querystring(self) -> str:
        from urllib.parse import urlencode

        data = self.cleaned_data if self.is_valid() else {}
        return urlencode({k: v for k, v in data.items() if v not in (None, "")})


class ReplayForm(forms.Form):
    """"Replay selected" (the ticked `ids`) or "Replay all shown" (`shown`, every failure of the page)."""

    scope = forms.ChoiceField(required=False, choices=[("selected", "Selected"), ("all", "All shown")])
    ids = IdListField(required=False)
    shown = IdListField(required=False)
    back = forms.CharField(required=False, strip=False)

    def failure_ids(self) -> list[int]:
        return self.cleaned_data["shown" if self.cleaned_data["scope"] == "all" else "ids"]


class SkuMapForm(forms.Form):
    external_sku = forms.ChoiceField(label="Their SKU")
    sku = forms.CharField(label="Our SKU", max_length=64, help_text="One of the account's SKUs: type its start or a name")

    def __init__(self, *args, unknown: list[str], account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["external_sku"].choices = [(s, s) for s in unknown]
        self.fields["sku"].widget = SkuInput(account=account)


CSV_MAX_BYTES = 5 * 1024 * 1024


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma-separated, with a header row; at most 5 MB")

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                f"Nothing was imported: the file is larger than 5 MB ({file.size / 1024 / 1024:.2f} MB). "
                "Split it into smaller files."
            )
        return file


class ManualOrderForm(forms.Form):
    """The order's header; the lines are a LineFormSet. Nothing here is required: intake says what is missing."""

    reference = forms.CharField(
        required=False, max_length=100, help_text="Optional: your order id. An order with the same id is not made twice."
    )
    customer_name = forms.CharField(label="Customer name", required=False, max_length=200)
    customer_email = forms.CharField(label="Customer email", required=False, max_length=254)
    customer_phone = forms.CharField(label="Customer phone", required=False, max_length=40)
    ship_name = forms.CharField(label="Ship to: name", required=False, max_length=200)
    ship_line1 = forms.CharField(label="Address", required=False, max_length=200)
    ship_line2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    ship_city = forms.CharField(label="City", required=False, max_length=200)
    ship_region = forms.CharField(label="Region / state", required=False, max_length=200)
    ship_postal_code = forms.CharField(label="Postal code", required=False, max_length=200)
    ship_country = forms.CharField(label="Country", required=False, max_length=200, help_text="Two letters, e.g. US")
    shipping_method = forms.ChoiceField(label="Shipping method", required=False)
    carrier_code = forms.CharField(label="Carrier code", required=False, max_length=30, help_text="Or choose a shipping method")
    service_code = forms.CharField(label="Service code", required=False, max_length=30)
    warehouse = forms.ChoiceField(required=False, help_text="Blank: the account's default warehouse")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    FIELD_OF = {
        "customer.name": "customer_name", "customer.email": "customer_email", "customer.phone": "customer_phone",
        "customer": "customer_name", "external_id": "reference", "shipping_method": "shipping_method",
        "carrier_code": "carrier_code", "service_code": "service_code", "warehouse": "warehouse", "notes": "notes",
    }

    def __init__(self, *args, shipping_methods, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = [("", "—"), *shipping_methods]
        self.fields["warehouse"].choices = [("", "Default"), *warehouses]

    def payload(self, lines: list[dict]) -> dict:
        data = self.cleaned_data
        return {
            "external_id": data["reference"],
            "customer": {"name": data["customer_name"], "email": data["customer_email"], "phone": data["customer_phone"]},
            "shipping_address": {
                name: data[f"ship_{name}"] for name in ("name", "line1", "line2", "city", "region", "postal_code", "country")
            },
            "lines": lines,
            "shipping_method": data["shipping_method"],
            "carrier_code": data["carrier_code"],
            "service_code": data["service_code"],
            "warehouse": data["warehouse"],
            "notes": data["notes"],
        }

    def groups(self) -> dict[str, list]:
        """The fields by fieldset of the page."""
        return {
            "customer_fields": [self[n] for n in ("reference", "customer_name", "customer_email", "customer_phone")],
            "ship_fields": [self[f"ship_{n}"] for n in ("name", "line1", "line2", "city", "region", "postal_code", "country")],
            "shipping_fields": [self[n] for n in ("shipping_method", "carrier_code", "service_code", "warehouse", "notes")],
        }

    def field_for(self, problem_field: str) -> str | None:
        if problem_field.startswith("shipping_address."):
            return "ship_" + problem_field.split(".", 1)[1]
        return self.FIELD_OF.get(problem_field)


class LineForm(forms.Form):
    sku = forms.CharField(label="SKU", required=False, max_length=64)
    quantity = forms.CharField(
        label="Quantity", required=False, max_length=12,
        widget=forms.TextInput(attrs={"aria-label": "Quantity", "inputmode": "numeric", "size": 6}),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sku"].widget = SkuInput(
            account=account, warehouse_field="id_warehouse", default_warehouse=True, attrs={"aria-label": "SKU"}
        )


MAX_LINES = 50
LineFormSet = forms.formset_factory(LineForm, extra=1, max_num=MAX_LINES, absolute_max=MAX_LINES)
LINES_PREFIX = "lines"


def line_total(data) -> int:
    """How many rows the posted form has (1 when the count is missing or not a number), at most MAX_LINES."""
    raw = str(data.get(f"{LINES_PREFIX}-TOTAL_FORMS", ""))
    return max(1, min(MAX_LINES, int(raw))) if raw.isdecimal() and len(raw) < 4 else 1


def lines_data_with_row(data):
    """The posted form with one more empty row (at most MAX_LINES): "Add a line" without JavaScript."""
    data = data.copy()
    data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(min(MAX_LINES, line_total(data) + 1))
    return data


def lines_data_without_row(data, index: str):
    """The posted form without row `index`, the rows below moving up (one empty row at least): "Remove"."""
    total = line_total(data)
    data = data.copy()
    if not index.isdecimal() or int(index) >= total:
        return data
    for row in range(int(index), total - 1):
        for name in LineForm.base_fields:
            data[f"{LINES_PREFIX}-{row}-{name}"] = data.get(f"{LINES_PREFIX}-{row + 1}-{name}", "")
    for name in LineForm.base_fields:
        data.pop(f"{LINES_PREFIX}-{total - 1}-{name}", None)
    data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(max(1, total - 1))
    return data
LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(sku|quantity|unit_price)$")


def manual_lines(formset) -> tuple[list[dict], list[int]]:
    """The filled-in lines as payload lines, and for each the index of its row in the formset."""
    lines, rows = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        sku, quantity = (data.get("sku") or "").strip(), (data.get("quantity") or "").strip()
        if sku or quantity:
            lines.append({"sku": sku, "quantity": quantity})
            rows.append(index)
    return lines, rows


def show_problems(form: ManualOrderForm, formset, rows: list[int], problems) -> None:
    """Each error next to the field it names; what names no field goes above the form."""
    for problem in problems:
        if problem.severity != "error":
            continue
        line = LINE_FIELD.match(problem.field)
        if line and int(line.group(1)) < len(rows):
            field = "quantity" if line.group(2) == "quantity" else "sku"
            formset.forms[rows[int(line.group(1))]].add_error(field, problem.message)
            continue
        name = form.field_for(problem.field)
        form.add_error(name if name in form.fields else None, problem.message)
