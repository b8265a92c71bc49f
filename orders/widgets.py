"""The SKU input of every form where a SKU is typed: a plain text input (the server still checks the SKU) that
htmx and static/js/app.js turn into an ARIA combobox listing the account's matching SKUs as you type."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html


class SkuInput(forms.TextInput):
    def __init__(self, *, account, warehouse_field: str = "", default_warehouse: bool = False, attrs: dict | None = None):
        """`warehouse_field`: the id of the form's warehouse select, whose choice adds available stock;
        `default_warehouse`: a blank choice there means the account's default warehouse."""
        base = {
            "autocomplete": "off", "spellcheck": "false", "role": "combobox", "aria-autocomplete": "list",
            "aria-expanded": "false", "data-sku-lookup": "",
            "hx-get": reverse("sku_lookup", args=[account.pk]),
            "hx-trigger": "input changed delay:200ms", "hx-swap": "innerHTML", "hx-sync": "this:replace",
        }
        if warehouse_field:
            base["data-warehouse-field"] = warehouse_field
        if default_warehouse and account.default_warehouse_id:
            base["data-warehouse-default"] = str(account.default_warehouse_id)
        super().__init__(attrs={**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        listbox = f"{widget_attrs.get('id') or name}-options"
        widget_attrs.update({"aria-controls": listbox, "hx-target": f"#{listbox}"})
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        listbox = f"{(attrs or {}).get('id') or self.attrs.get('id') or name}-options"
        return format_html(
            '<span class="sku-combo">{}<ul class="sku-options" role="listbox" id="{}" aria-label="Matching SKUs" '
            "hidden></ul></span>",
            html, listbox,
        )
