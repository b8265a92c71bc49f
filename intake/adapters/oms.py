"""The OMS's own order format: what the public API accepts and what CSV rows are grouped into."""

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, as_list, as_object, text


@register("oms", "OMS JSON (the public API's format)")
def read(payload: dict) -> NormalizedOrder:
    customer = as_object(payload.get("customer"), field_name="customer")
    lines = []
    for index, line in enumerate(as_list(payload.get("lines"), field_name="lines")):
        line = as_object(line, field_name=f"lines[{index}]")
        lines.append(
            NormalizedLine(sku=text(line.get("sku")), quantity=line.get("quantity"), unit_price=line.get("unit_price"))
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
    )
