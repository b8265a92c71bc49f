"""The `<id:...>` path converter: a database id that fits a bigint column. Digits past that range (or
anything else) do not match the pattern, so they are a 404 and never reach a query."""

from django.urls import register_converter

from oms.forms import BIGINT_MAX


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("past the bigint range")  # no match: a 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
