"""Shopify-style orders, as the REST Admin API's Order resource gives them (the fields intake reads):

    {"id": 450789469, "name": "#1001", "email": "...", "phone": "...", "created_at": "2026-11-23T10:00:00-05:00",
     "currency": "USD", "note": "...",
     "customer": {"first_name", "last_name", "email", "phone"},
     "line_items": [{"sku": "SBX-MUG", "quantity": 2, "price": "9.50", "title": "...",
                     "discount_allocations": [{"amount": "1.00", "discount_application_index": 0}],
                     "tax_lines": [{"title": "State Tax", "rate": 0.06, "price": "1.08"}]}],
     "shipping_address": {"first_name", "last_name", "name", "address1", "address2", "city", "province_code",
                          "province", "zip", "country_code", "phone"},
     "billing_address": {... same ...},
     "shipping_lines": [{"code": "GROUND", "carrier_identifier": "UPS", "source": "ups", "title": "...",
                         "price": "5.00", "tax_lines": [...], "discount_allocations": [...]}],
     "discount_codes": [{"code": "SPRING10", "amount": "1.00", "type": "percentage"}],
     "discount_applications": [{"type": "discount_code", "code": "SPRING10", "title": "..."}],
     "total_price": "...", "taxes_included": false}

Money is kept as charged: each line's price, its `discount_allocations` (titled by the discount application they
point at) and `tax_lines`; each shipping line's price, tax lines and discount allocations; `discount_codes` with
their amounts; `total_price`; `taxes_included`.

The order's external id is Shopify's numeric `id` (its `name` is only unique per shop and can be changed).
"""

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, amounts, as_list, as_object, text


def _address(raw: dict) -> dict[str, str]:
    name = text(raw.get("name")) or text(f"{text(raw.get('first_name'))} {text(raw.get('last_name'))}")
    return address(
        {
            "name": name, "line1": raw.get("address1"), "line2": raw.get("address2"), "city": raw.get("city"),
            "region": raw.get("province_code") or raw.get("province"), "postal_code": raw.get("zip"),
            "country": raw.get("country_code"),
        }
    )


def _allocations(raw, *, field_name: str, applications: list) -> list[dict]:
    """Discount allocations titled by their discount application (its code, else its title)."""
    result = []
    for index, item in enumerate(as_list(raw, field_name=field_name)):
        item = as_object(item, field_name=f"{field_name}[{index}]")
        at = item.get("discount_application_index")
        application = applications[at] if isinstance(at, int) and 0 <= at < len(applications) else {}
        application = application if isinstance(application, dict) else {}
        title = text(application.get("code")) or text(application.get("title")) or "Discount"
        result.append({"title": title, "amount": item.get("amount")})
    return result


@register("shopify", "Shopify-style order JSON")
def read(payload: dict) -> NormalizedOrder:
    applications = as_list(payload.get("discount_applications"), field_name="discount_applications")
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
                charged_discounts=_allocations(
                    item.get("discount_allocations"), field_name=f"line_items[{index}].discount_allocations",
                    applications=applications,
                ),
                charged_taxes=amounts(
                    item.get("tax_lines"), field_name=f"line_items[{index}].tax_lines", amount="price", rate="rate"
                ),
            )
        )
    shipping_lines = as_list(payload.get("shipping_lines"), field_name="shipping_lines")
    charged_shipping = []
    for index, raw in enumerate(shipping_lines):
        raw = as_object(raw, field_name=f"shipping_lines[{index}]")
        charged_shipping.append({
            "title": text(raw.get("title")) or text(raw.get("code")), "price": raw.get("price"),
            "discounts": _allocations(
                raw.get("discount_allocations"), field_name=f"shipping_lines[{index}].discount_allocations",
                applications=applications,
            ),
            "taxes": amounts(raw.get("tax_lines"), field_name=f"shipping_lines[{index}].tax_lines", amount="price", rate="rate"),
        })
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
        shipping_lines=charged_shipping,
        order_discounts=amounts(payload.get("discount_codes"), field_name="discount_codes", title="code"),
        charged_total=payload.get("total_price"),
        taxes_included=payload.get("taxes_included") is True,
    )
