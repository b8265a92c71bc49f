"""Amazon-style orders: the Selling Partner API's Order with its OrderItems in one object.

    {"AmazonOrderId": "902-3159896-1390916", "PurchaseDate": "2026-11-23T10:00:00Z",
     "OrderTotal": {"CurrencyCode": "USD", "Amount": "19.00"},
     "BuyerInfo": {"BuyerEmail": "...", "BuyerName": "..."},
     "ShippingAddress": {"Name", "AddressLine1", "AddressLine2", "AddressLine3", "City", "StateOrRegion",
                         "PostalCode", "CountryCode", "Phone"},
     "ShipmentServiceLevelCategory": "Standard",
     "OrderItems": [{"SellerSKU": "SBX-MUG", "QuantityOrdered": 2, "ItemPrice": {"CurrencyCode": "USD",
                     "Amount": "19.00"}, "Title": "..."}]}

`ItemPrice` is the price of all units of the line, as Amazon gives it; it is kept as the line's total (a
total that does not divide evenly, 10.00 for 3, becomes 3.34 a unit less 0.02, so the line still comes to
10.00), with the unit price it works out to. Amazon names no carrier, so the account's carrier-code rule
decides what a missing carrier means.
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


@register("amazon", "Amazon-style order JSON (SP-API)")
def read(payload: dict) -> NormalizedOrder:
    buyer = as_object(payload.get("BuyerInfo"), field_name="BuyerInfo")
    ship = as_object(payload.get("ShippingAddress"), field_name="ShippingAddress")
    total = as_object(payload.get("OrderTotal"), field_name="OrderTotal")
    lines = []
    currency = text(total.get("CurrencyCode"))
    for index, item in enumerate(as_list(payload.get("OrderItems"), field_name="OrderItems")):
        item = as_object(item, field_name=f"OrderItems[{index}]")
        quantity = item.get("QuantityOrdered")
        price = as_object(item.get("ItemPrice"), field_name=f"OrderItems[{index}].ItemPrice")
        currency = currency or text(price.get("CurrencyCode"))  # OrderTotal is absent on some orders
        lines.append(
            NormalizedLine(
                sku=text(item.get("SellerSKU")), quantity=quantity, unit_price=_unit_price(price, quantity),
                name=text(item.get("Title")), line_total=price.get("Amount"),
            )
        )
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
    )
