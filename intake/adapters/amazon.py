"""Amazon-style orders: the Selling Partner API's Order with its OrderItems in one object.

    {"AmazonOrderId": "902-3159896-1390916", "PurchaseDate": "2026-11-23T10:00:00Z",
     "OrderTotal": {"CurrencyCode": "USD", "Amount": "19.00"},
     "BuyerInfo": {"BuyerEmail": "...", "BuyerName": "..."},
     "ShippingAddress": {"Name", "AddressLine1", "AddressLine2", "AddressLine3", "City", "StateOrRegion",
                         "PostalCode", "CountryCode", "Phone"},
     "ShipmentServiceLevelCategory": "Standard",
     "OrderItems": [{"SellerSKU": "SBX-MUG", "QuantityOrdered": 2, "ItemPrice": {"CurrencyCode": "USD",
                     "Amount": "19.00"}, "Title": "...", "ItemTax": {...}, "PromotionDiscount": {...},
                     "PromotionDiscountTax": {...}, "ShippingPrice": {...}, "ShippingTax": {...},
                     "ShippingDiscount": {...}, "ShippingDiscountTax": {...}, "PromotionIds": ["..."]}]}

`ItemPrice` is the price of all units of the line, as Amazon gives it; it is kept as the line's total (a
total that does not divide evenly, 10.00 for 3, becomes 3.34 a unit less 0.02, so the line still comes to
10.00), with the unit price it works out to. Amazon names no carrier, so the account's carrier-code rule
decides what a missing carrier means.

Money is kept as charged: per item its tax (`ItemTax` less `PromotionDiscountTax`, the tax the promotion took
back), its promotion discount, and its shipping (`ShippingPrice`, `ShippingTax` less `ShippingDiscountTax`,
`ShippingDiscount`) as a shipping line; `OrderTotal` is the channel's total. Amazon does not say whether prices
include tax (they do in its European marketplaces): they are read as including it when `OrderTotal` is what
the items come to with their tax inside and not what they come to with it added.
"""

from decimal import Decimal, InvalidOperation

from intake.adapters.registry import register
from intake.normalized import NormalizedLine, NormalizedOrder, address, as_list, as_object, text


def _unit_price(item_price: dict, quantity):
    amount = item_price.get("Amount")
    if amount in (None, ""):
        return None
    try:
        units = int(quantity)
        total = Decimal(str(amount))
        return str((total / units).quantize(Decimal("0.01"))) if units > 0 and total.is_finite() else amount
    except (InvalidOperation, TypeError, ValueError, ArithmeticError):
        return amount  # validation names the bad value


def _amount(value: dict, *, field_name: str):
    return as_object(value, field_name=field_name).get("Amount")


def _number(value) -> Decimal | None:
    try:
        number = Decimal(str(value).strip()) if value not in (None, "") else Decimal(0)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _less(amount, taken) -> object:
    """`amount` less `taken` as text when both are amounts; else the bad value, for validation to name."""
    a, b = _number(amount), _number(taken)
    if a is None:
        return amount
    if b is None:
        return taken
    return str(a - b) if b else amount


def _entries(title: str, amount) -> list[dict]:
    """One charged entry, none when the channel charged nothing."""
    return [] if amount in (None, "") or _number(amount) == 0 else [{"title": title, "amount": amount}]


def _taxes_included(total, items: list[dict]) -> bool:
    """Whether `total` is what the items come to with their tax inside (and not with it added)."""
    parts = [(_number(i["price"]), _number(i["tax"]), _number(i["discount"]), _number(i["ship"]), _number(i["ship_tax"]),
              _number(i["ship_discount"])) for i in items]
    total = _number(total) if total not in (None, "") else None
    if total is None or not items or any(None in p for p in parts):
        return False
    inside = sum(p[0] - p[2] + p[3] - p[5] for p in parts)
    added = inside + sum(p[1] + p[4] for p in parts)
    return total == inside and total != added


@register("amazon", "Amazon-style order JSON (SP-API)")
def read(payload: dict) -> NormalizedOrder:
    buyer = as_object(payload.get("BuyerInfo"), field_name="BuyerInfo")
    ship = as_object(payload.get("ShippingAddress"), field_name="ShippingAddress")
    total = as_object(payload.get("OrderTotal"), field_name="OrderTotal")
    lines, charged, shipping_lines = [], [], []
    currency = text(total.get("CurrencyCode"))
    for index, item in enumerate(as_list(payload.get("OrderItems"), field_name="OrderItems")):
        item = as_object(item, field_name=f"OrderItems[{index}]")
        quantity = item.get("QuantityOrdered")
        price = as_object(item.get("ItemPrice"), field_name=f"OrderItems[{index}].ItemPrice")
        currency = currency or text(price.get("CurrencyCode"))  # OrderTotal is absent on some orders
        where = f"OrderItems[{index}]"
        money = {
            name: _amount(item.get(key), field_name=f"{where}.{key}") for name, key in (
                ("price", "ItemPrice"), ("tax", "ItemTax"), ("discount", "PromotionDiscount"),
                ("discount_tax", "PromotionDiscountTax"), ("ship", "ShippingPrice"), ("ship_tax", "ShippingTax"),
                ("ship_discount", "ShippingDiscount"), ("ship_discount_tax", "ShippingDiscountTax"),
            )
        }
        money["tax"] = _less(money["tax"], money["discount_tax"])
        money["ship_tax"] = _less(money["ship_tax"], money["ship_discount_tax"])
        charged.append(money)
        promotions = ", ".join(text(p) for p in as_list(item.get("PromotionIds"), field_name=f"{where}.PromotionIds"))
        sku = text(item.get("SellerSKU"))
        lines.append(
            NormalizedLine(
                sku=sku, quantity=quantity, unit_price=_unit_price(price, quantity),
                name=text(item.get("Title")), line_total=price.get("Amount"),
                charged_discounts=_entries(promotions or "Promotion", money["discount"]),
                charged_taxes=_entries("Item tax", money["tax"]),
            )
        )
        if any(_number(money[k]) != 0 for k in ("ship", "ship_tax", "ship_discount")):
            shipping_lines.append({
                "title": f"Shipping of {sku}" if sku else "Shipping", "price": money["ship"] or "0",
                "discounts": _entries("Shipping discount", money["ship_discount"]),
                "taxes": _entries("Shipping tax", money["ship_tax"]),
            })
    line2 = text(f"{text(ship.get('AddressLine2'))} {text(ship.get('AddressLine3'))}")
    purchased = text(payload.get("PurchaseDate"))
    return NormalizedOrder(
        external_id=text(payload.get("AmazonOrderId")),
        lines=lines,
        order_date=purchased[:10] or None,
        placed_at=purchased or None,
        currency=currency.upper(),
        customer_name=text(buyer.get("BuyerName")) or text(ship.get("Name")),
        customer_email=text(buyer.get("BuyerEmail")).lower(),
        customer_phone=text(ship.get("Phone")),
        shipping=address(
            {
                "name": ship.get("Name"), "line1": ship.get("AddressLine1"), "line2": line2,
                "city": ship.get("City"), "region": ship.get("StateOrRegion"),
                "postal_code": ship.get("PostalCode"), "country": ship.get("CountryCode"),
            }
        ),
        service_code=text(payload.get("ShipmentServiceLevelCategory")).upper(),
        shipping_lines=shipping_lines,
        charged_total=total.get("Amount"),
        taxes_included=_taxes_included(total.get("Amount"), charged),
    )
