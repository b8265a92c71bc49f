"""The inventory pages' filters: a GET form parsed into `StockFilters` for the selectors."""

from urllib.parse import urlencode

from django import forms

from inventory.selectors import StockFilters

VIEWS = [("level", "By level"), ("sku", "By SKU")]
STOCK = [("", "Any stock"), ("low", "Low stock (at or below reorder point)"), ("out", "Out of stock")]


class StockFilterForm(forms.Form):
    q = forms.CharField(
        label="SKU or name", required=False, max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "SKU or product name"}),
    )
    warehouse = forms.TypedChoiceField(label="Warehouse", required=False, coerce=int, empty_value=None)
    stock = forms.ChoiceField(label="Stock", required=False, choices=STOCK)
    view = forms.ChoiceField(label="Show", required=False, choices=VIEWS)

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [("", "Every warehouse")] + [(w.pk, f"{w.code} · {w.name}") for w in warehouses]

    def _data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filters(self) -> StockFilters:
        """The valid part of the input (an invalid field filters nothing; its error is shown)."""
        data = self._data()
        return StockFilters(
            q=(data.get("q") or "").strip(), warehouse_id=data.get("warehouse"), stock=data.get("stock") or "",
        )

    def by_sku(self) -> bool:
        return self._data().get("view") == "sku"

    def querystring(self) -> str:
        """The valid filters as given, for links to other pages of the same list ('' without any)."""
        data = self._data()
        return urlencode([(name, self.data.get(name)) for name in self.fields if data.get(name)])
