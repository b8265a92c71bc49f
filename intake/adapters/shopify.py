"""Shopify-style orders, as the REST Admin API's Order resource gives them (the fields intake reads):

    {"id": 450789469, "name": "#1001", "email": "...", "phone": "...", "created_at": "2026-11-23T10:00:00-05:00",
     "currency": "USD", "note": "...",
     "customer": {"first_name", "last_name", "email", "phone"},
     "line_items": [{"sku": "SBX-MUG", "quantity": 2, "price": "9.50", "title": "..."}],
     "shipping_address": {"first_name", "last_name", "name", "address1", "address2", "city", "province_code",
                          "province", "zip", "country_code", "phone"},
     "billing_address": {... same ...},
     "shipping_lines": [{"code": "GROUND", "carrier_identifier": "UPS", "source": "ups", "title": "..."}],
     "discount_codes": [{"code": "SPRING10", "amount": "1.00", "type": "percentage"}]}

The order's external id is Shopify's numeric `id` (its `name` is only unique per shop and can be changed).
"""

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, as_list, as_object, text


def _address(raw: dict) -> dict[str, str]:
    name = text(raw.get("name")) or text(f"{text(raw.get('first_name'))} {text(raw.get('last_name'))}")
    return address(
        {
            "name": name, "line1": raw.get("address1"), "line2": raw.get("address2"), "city": raw.get("city"),
            "region": raw.get("province_code") or raw.get("province"), "postal_code": raw.get("zip"),
            "country": raw.get("country_code"),
        }
    )


@register("shopify", "Shopify-style order JSON")
def read(payload: dict) -> NormalizedOrder:
    customer = as_object(payload.get("customer"), field_name="customer")
    shipping = _address(as_object(payload.get("shipping_address"), field_name="shipping_address"))
    billing_raw = payload.get("billing_address")
    lines = []
    for index, item in enumerate(as_list(payload.get("line_items"), field_name="line_items")):
        item = as_object(item, field_name=f"line_items[{index}]")
        lines.append(
            NormalizedLine(
                sku=text(item.get("sku")), quantity=item.get("quantity"), unit_price=item.get("price"),
                name=text(item.get("title")),
            )
        )
    shipping_lines = as_list(payload.get("shipping_lines"), field_name="shipping_lines")
    first_shipping = as_object(shipping_lines[0], field_name="shipping_lines[0]") if shipping_lines else {}
    created = text(payload.get("created_at"))
    customer_name = text(f"{text(customer.get('first_name'))} {text(customer.get('last_name'))}") or shipping["name"]
    return NormalizedOrder(
        external_id=text(payload.get("id")),
        lines=lines,
        order_date=created[:10] or None,
        placed_at=created or None,
        currency=text(payload.get("currency")).upper(),
        customer_name=customer_name,
        customer_email=(text(payload.get("email")) or text(customer.get("email"))).lower(),
        customer_phone=text(payload.get("phone")) or text(customer.get("phone")),
        shipping=shipping,
        billing=_address(as_object(billing_raw, field_name="billing_address")) if billing_raw else None,
        carrier_code=text(first_shipping.get("carrier_identifier") or first_shipping.get("source")).upper(),
        service_code=text(first_shipping.get("code")).upper(),
        discount_codes=[
            text(as_object(d, field_name="discount_codes[]").get("code")).upper()
            for d in as_list(payload.get("discount_codes"), field_name="discount_codes")
            if text(as_object(d, field_name="discount_codes[]").get("code"))
        ],
        notes=str(payload.get("note") or "").strip(),
    )
