from django import template

from oms.addresses import address_lines as _address_lines
from oms.addresses import country_name as _country_name

register = template.Library()


@register.filter
def address_lines(address) -> list[str]:
    """{% for line in address|address_lines %}: the address as its country writes it (oms/addresses.py)."""
    return _address_lines(address or {})


@register.filter
def country_name(code) -> str:
    return _country_name(code or "")


@register.filter
def address_inline(address) -> str:
    """The address on one line: "1 Main St, Boston, MA 02110, United States"."""
    if hasattr(address, "address_line1"):  # a warehouse
        address = {"line1": address.address_line1, "city": address.city, "postal_code": address.postal_code,
                   "country": address.country}
    return ", ".join(_address_lines(address or {}))
