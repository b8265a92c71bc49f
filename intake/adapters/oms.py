"""The OMS's own order format: what the public API accepts and what CSV rows are grouped into.

Money a channel charged may come with it (all optional): per line `discounts` [{"title", "amount"}] and
`taxes` [{"title", "rate", "amount"}]; per order `shipping_lines` [{"title", "price", "discounts", "taxes"}],
`order_discounts` [{"title", "amount"}], `total` (the channel's) and `taxes_included`.
"""

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, amounts, as_list, as_object, text


def shipping_lines(raw, *, field_name: str) -> list[dict]:
    result = []
    for index, item in enumerate(as_list(raw, field_name=field_name)):
        where = f"{field_name}[{index}]"
        item = as_object(item, field_name=where)
        result.append({
            "title": text(item.get("title")), "price": item.get("price"),
            "discounts": amounts(item.get("discounts"), field_name=f"{where}.discounts"),
            "taxes": amounts(item.get("taxes"), field_name=f"{where}.taxes", rate="rate"),
        })
    return result


@register("oms", "OMS JSON (the public API's format)")
def read(payload: dict) -> NormalizedOrder:
    customer = as_object(payload.get("customer"), field_name="customer")
    lines = []
    for index, line in enumerate(as_list(payload.get("lines"), field_name="lines")):
        line = as_object(line, field_name=f"lines[{index}]")
        lines.append(
            NormalizedLine(
                sku=text(line.get("sku")), quantity=line.get("quantity"), unit_price=line.get("unit_price"),
                charged_discounts=amounts(line.get("discounts"), field_name=f"lines[{index}].discounts"),
                charged_taxes=amounts(line.get("taxes"), field_name=f"lines[{index}].taxes", rate="rate"),
            )
        )
    billing = payload.get("billing_address")
    return NormalizedOrder(
        external_id=text(payload.get("external_id")),
        lines=lines,
        order_date=payload.get("order_date"),
        currency=text(payload.get("currency")).upper(),
        customer_name=text(customer.get("name")),
        customer_email=text(customer.get("email")).lower(),
        customer_phone=text(customer.get("phone")),
        shipping=address(as_object(payload.get("shipping_address"), field_name="shipping_address")),
        billing=address(as_object(billing, field_name="billing_address")) if billing else None,
        carrier_code=text(payload.get("carrier_code")).upper(),
        service_code=text(payload.get("service_code")).upper(),
        shipping_method=text(payload.get("shipping_method")),
        warehouse=text(payload.get("warehouse")),
        discount_codes=[text(c).upper() for c in as_list(payload.get("discount_codes"), field_name="discount_codes") if text(c)],
        notes=str(payload.get("notes") or "").strip(),
        shipping_lines=shipping_lines(payload.get("shipping_lines"), field_name="shipping_lines"),
        order_discounts=amounts(payload.get("order_discounts"), field_name="order_discounts"),
        charged_total=payload.get("total"),
        taxes_included=payload.get("taxes_included") in (True, "true", "yes", "1"),
    )
