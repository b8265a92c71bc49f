"""The sandbox marketplace (sandbox/server.py): GET /orders answers a list of these.

    {"id": "SBX-1001", "created": "2026-11-23T10:00:00Z", "currency": "USD",
     "buyer": {"name": "...", "email": "...", "phone": "..."},
     "ship_to": {"name", "street", "street2", "city", "state", "zip", "country"},
     "items": [{"sku": "SBX-MUG", "qty": 2, "price": "9.50", "discount": "1.00", "tax": "1.08"}],
     "shipping": {"carrier": "UPS", "service": "GROUND", "price": "5.00", "tax": "0.00"},
     "total": "24.08", "message": "..."}

Money is kept as charged: each item's `discount` and `tax` (amounts for the whole line), the shipping's `price`
and `tax`, and the order's `total`; prices exclude tax.
"""

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, as_list, as_object, text


def _address(raw: dict) -> dict[str, str]:
    return address(
        {
            "name": raw.get("name"), "line1": raw.get("street"), "line2": raw.get("street2"),
            "city": raw.get("city"), "region": raw.get("state"), "postal_code": raw.get("zip"),
            "country": raw.get("country"),
        }
    )


def _entries(title: str, amount) -> list[dict]:
    return [] if amount in (None, "") else [{"title": title, "amount": amount}]


@register("sandbox", "Sandbox marketplace")
def read(payload: dict) -> NormalizedOrder:
    buyer = as_object(payload.get("buyer"), field_name="buyer")
    shipping = as_object(payload.get("shipping"), field_name="shipping")
    lines = []
    for index, item in enumerate(as_list(payload.get("items"), field_name="items")):
        item = as_object(item, field_name=f"items[{index}]")
        lines.append(NormalizedLine(
            sku=text(item.get("sku")), quantity=item.get("qty"), unit_price=item.get("price"),
            charged_discounts=_entries("Discount", item.get("discount")), charged_taxes=_entries("Tax", item.get("tax")),
        ))
    created = text(payload.get("created"))
    return NormalizedOrder(
        external_id=text(payload.get("id")),
        lines=lines,
        order_date=created[:10] or None,
        placed_at=created or None,
        currency=text(payload.get("currency")).upper(),
        customer_name=text(buyer.get("name")),
        customer_email=text(buyer.get("email")).lower(),
        customer_phone=text(buyer.get("phone")),
        shipping=_address(as_object(payload.get("ship_to"), field_name="ship_to")),
        carrier_code=text(shipping.get("carrier")).upper(),
        service_code=text(shipping.get("service")).upper(),
        notes=str(payload.get("message") or "").strip(),
        shipping_lines=[
            {"title": text(f"{text(shipping.get('carrier'))} {text(shipping.get('service'))}") or "Shipping",
             "price": shipping.get("price"), "discounts": [], "taxes": _entries("Shipping tax", shipping.get("tax"))}
        ] if shipping.get("price") not in (None, "") or shipping.get("tax") not in (None, "") else [],
        charged_total=payload.get("total"),
    )
