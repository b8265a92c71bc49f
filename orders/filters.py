"""The order list's search box and filters: a GET form parsed into `OrderFilters` for the selector.

(A module of its own because `orders/forms.py` holds the clone form.)
"""

from urllib.parse import urlencode

from django import forms

from oms.forms import DayField
from orders.export import DEFAULT_COLUMNS, ORDER_COLUMNS
from orders.models import Order
from orders.selectors import DEFAULT_SORT, SORTS, OrderFilters


def _choices(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number, customer, email or SKU"}),
    )
    status = forms.ChoiceField(label="Status", required=False, choices=_choices("Any status", Order.Status.choices))
    source = forms.ChoiceField(label="Source", required=False, choices=_choices("Any source", Order.Source.choices))
    kind = forms.ChoiceField(label="Kind", required=False, choices=_choices("Any kind", Order.Kind.choices))
    simulations = forms.ChoiceField(
        label="Simulations",
        required=False,
        choices=[("", "Hidden"), ("include", "Shown too"), ("only", "Only simulations")],
    )
    created_from = DayField(label="Created from", required=False)
    created_to = DayField(label="Created to", required=False)
    sort = forms.ChoiceField(
        label="Sort", required=False, choices=[(key, sort.label) for key, sort in SORTS.items()], initial=DEFAULT_SORT
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        return data

    def filters(self) -> OrderFilters:
        """The valid part of the input (an invalid field filters nothing; its error is shown)."""
        if not self.is_bound:
            return OrderFilters()
        self.is_valid()
        data = {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "") and name != "sort"
        }
        if "q" in data:
            data["q"] = data["q"].strip()
        return OrderFilters(**data)

    def chosen_sort(self) -> str:
        """The chosen sort; the default for none or one that is not offered."""
        if not self.is_bound:
            return DEFAULT_SORT
        self.is_valid()
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def querystring(self, *, without: tuple[str, ...] = ()) -> str:
        """The filters as given, for links to other pages of the same list ('' without any)."""
        if not self.is_bound:
            return ""
        return urlencode(
            [(name, self.data.get(name, "")) for name in self.fields if self.data.get(name) and name not in without]
        )


class ExportForm(forms.Form):
    """The export's choice of columns; "one row per line" adds each line's SKU, name, quantity and prices."""

    columns = forms.MultipleChoiceField(
        label="Columns",
        choices=[(key, title) for key, (title, _) in ORDER_COLUMNS.items()],
        initial=DEFAULT_COLUMNS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one column."},
    )
    lines = forms.BooleanField(label="One row per line (SKU, name, quantity, unit price, line total)", required=False)
