"""Form fields shared by every app: integers bounded by the column that stores them."""

from django import forms
from django.db import connection, models

INT32 = (-(2**31), 2**31 - 1)  # PostgreSQL integer, the column of a plain models.IntegerField
BIGINT_MAX = 2**63 - 1  # the largest id


def column_range(model: type[models.Model], name: str) -> tuple[int, int]:
    """The smallest and largest value the column of `model.name` holds."""
    field = model._meta.get_field(name)
    return connection.ops.integer_field_range(field.get_internal_type())


class DayField(forms.DateField):
    """A day between 1900 and 9000, so arithmetic on it (a day on, a month back) stays inside the calendar."""

    YEARS = (1900, 9000)

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not self.YEARS[0] <= value.year <= self.YEARS[1]:
            raise forms.ValidationError("Choose a date between %d and %d." % self.YEARS)


class ColumnIntegerField(forms.IntegerField):
    """An integer that fits its column, `column=(Model, "field")` (a 32-bit integer when not given), so a value
    past the column's range is a form error, never a database error. A narrower min_value/max_value still applies."""

    def __init__(self, *, column: tuple[type[models.Model], str] | None = None, min_value=None, max_value=None, **kwargs):
        low, high = column_range(*column) if column else INT32
        super().__init__(
            min_value=low if min_value is None else max(low, min_value),
            max_value=high if max_value is None else min(high, max_value),
            **kwargs,
        )


class IdListField(forms.Field):
    """Ids sent as a repeated field (ticked boxes): each a whole number that fits a bigint id column."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "“%(value)s” is not an id."}

    def to_python(self, value) -> list[int]:
        ids = []
        for item in value or []:
            text = str(item).strip()
            if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= BIGINT_MAX:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": text[:20]})
            ids.append(int(text))
        return ids


def bounded_formfield(model_field: models.Field, **kwargs) -> forms.Field | None:
    """`formfield_callback` for fields_for_model / model forms: integer fields get their column's range."""
    if isinstance(model_field, models.IntegerField) and not model_field.choices:
        low, high = connection.ops.integer_field_range(model_field.get_internal_type())
        kwargs.setdefault("min_value", low)
        kwargs.setdefault("max_value", high)
    return model_field.formfield(**kwargs)
