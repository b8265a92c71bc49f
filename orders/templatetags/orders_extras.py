from django import template

from oms.codes import country_name

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ errors|get_item:"lines.SKU-1.quantity" }}: a dict lookup with a computed key."""
    if not mapping:
        return None
    return mapping.get(str(key))


@register.simple_tag
def key(*parts) -> str:
    """{% key "lines" row.key "quantity" as k %} -> "lines.SKU-1.quantity"."""
    return ".".join(str(p) for p in parts)


@register.filter
def country(code: str) -> str:
    """A country code in words: {{ order.shipping_country|country }} → "United States"."""
    return country_name(code) if code else ""
