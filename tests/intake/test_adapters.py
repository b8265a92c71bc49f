"""Each adapter reads its own format's sample of one order (tests/intake/samples/) into the same normalized
order, tells an unreadable shape from an odd value, and gives the same order when submitted."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from intake.adapters import format_choices, normalize
from intake.models import IntakeFailure, Source
from intake.normalized import PayloadUnreadable
from intake.services import intake_submit
from intake.validation import order_check
from orders.models import Order, ShippingMethod
from tests import factories

SAMPLES = Path(__file__).parent / "samples"
FORMATS = ["oms", "sandbox", "shopify", "amazon"]
ADDRESS = {
    "name": "Jane Doe", "line1": "123 Main Street", "line2": "Apt 4B", "city": "Boston", "region": "MA",
    "postal_code": "02110", "country": "US",
}
# What each sample gives that not every format carries.
EXTERNAL_IDS = {"oms": "450789469", "sandbox": "SBX-1001", "shopify": "450789469", "amazon": "902-3159896-1390916"}
CARRIER = {"oms": "UPS", "sandbox": "UPS", "shopify": "UPS", "amazon": ""}  # Amazon names no carrier
SERVICE = {"oms": "GROUND", "sandbox": "GROUND", "shopify": "GROUND", "amazon": "STANDARD"}  # its service level
PLACED_AT = {  # the OMS format has only an order date
    "oms": None, "sandbox": "2026-11-23T15:04:05Z", "shopify": "2026-11-23T10:04:05-05:00",
    "amazon": "2026-11-23T15:04:05Z",
}
HAS_BILLING = {"oms": True, "sandbox": False, "shopify": True, "amazon": False}  # else: same as shipping
LINE_NAMES = {"oms": ["", ""], "sandbox": ["", ""], "shopify": ["Enamel mug", "Logo tee"],
              "amazon": ["Enamel mug, blue", "Logo tee, M"]}
NOTES = {"oms": "Leave at the front desk.", "sandbox": "Leave at the front desk.",
         "shopify": "Leave at the front desk.", "amazon": ""}  # Amazon has no buyer note


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def test_every_format_has_an_adapter_and_a_sample():
    assert set(FORMATS) <= {name for name, _ in format_choices()}
    assert sorted(p.stem for p in SAMPLES.glob("*.json")) == sorted(FORMATS)


@pytest.mark.parametrize("name", FORMATS)
def test_each_sample_normalizes_to_the_same_order(name):
    order = normalize(name, sample(name))

    # Carried by every format.
    assert [(line.sku, int(line.quantity), Decimal(line.unit_price)) for line in order.lines] == [
        ("MUG-BLUE", 2, Decimal("9.50")),  # Amazon gives 19.00 for both units: the adapter divides
        ("TEE-M", 1, Decimal("18.00")),
    ]
    assert (order.customer_name, order.customer_email, order.customer_phone) == (
        "Jane Doe", "jane.doe@example.com", "+1 617 555 0134",
    )
    assert order.shipping == ADDRESS
    assert order.currency == "USD"
    assert order.order_date == "2026-11-23"
    assert order.discount_codes == [] and order.warehouse == "" and order.shipping_method == ""

    # Carried by some formats only.
    assert order.external_id == EXTERNAL_IDS[name]
    assert (order.carrier_code, order.service_code) == (CARRIER[name], SERVICE[name])
    assert order.placed_at == PLACED_AT[name]
    assert order.billing == (ADDRESS if HAS_BILLING[name] else None)
    assert [line.name for line in order.lines] == LINE_NAMES[name]
    assert order.notes == NOTES[name]


def test_the_api_and_shopify_samples_share_one_external_id():
    assert normalize("oms", sample("oms")).external_id == normalize("shopify", sample("shopify")).external_id


@pytest.mark.parametrize(
    "name, change, field",
    [
        ("oms", {"lines": {"sku": "MUG-BLUE"}}, "lines"),
        ("oms", {"lines": ["MUG-BLUE"]}, "lines[0]"),
        ("oms", {"customer": "Jane Doe"}, "customer"),
        ("oms", {"shipping_address": ["123 Main Street"]}, "shipping_address"),
        ("sandbox", {"items": "MUG-BLUE x2"}, "items"),
        ("sandbox", {"ship_to": "123 Main Street"}, "ship_to"),
        ("shopify", {"line_items": {"0": {"sku": "MUG-BLUE"}}}, "line_items"),
        ("shopify", {"shipping_lines": [42]}, "shipping_lines[0]"),
        ("amazon", {"OrderItems": 3}, "OrderItems"),
        ("amazon", {"OrderItems": [{"SellerSKU": "MUG-BLUE", "ItemPrice": "19.00"}]}, "OrderItems[0].ItemPrice"),
    ],
)
def test_an_unreadable_shape_names_the_field(name, change, field):
    with pytest.raises(PayloadUnreadable) as raised:
        normalize(name, {**sample(name), **change})
    assert raised.value.field == field
    assert field.split("[")[0] in raised.value.message and "must be" in raised.value.message


@pytest.mark.parametrize("body", [[sample("oms")], "an order", None, 42])
def test_a_payload_that_is_not_an_object_is_unreadable(body):
    with pytest.raises(PayloadUnreadable) as raised:
        normalize("oms", body)
    assert raised.value.field == ""  # the whole body, as intake/services/documents.py names it
    assert raised.value.message == "The order must be a JSON object."


def test_an_unknown_format_is_unreadable():
    with pytest.raises(PayloadUnreadable) as raised:
        normalize("ebay", sample("oms"))
    assert raised.value.field == "format" and "ebay" in raised.value.message


def test_odd_but_readable_values_normalize(world):
    factories.VariantFactory(account=world.store, sku="MUG-BLUE")
    body = sample("oms")
    body["lines"] = [{"sku": "  MUG-BLUE ", "quantity": " 2 ", "unit_price": " 9.50 "}]
    body["customer"] = {"name": "  Jane   Doe ", "email": " Jane.Doe@Example.COM "}
    body["shipping_address"] = dict(ADDRESS, line1="123  Main\tStreet ", country=" us ")
    body["currency"] = " usd "
    body["carrier_code"], body["service_code"] = "ups", " ground"

    order = normalize("oms", body)
    assert order.lines[0].sku == "MUG-BLUE"
    assert (order.customer_name, order.customer_email) == ("Jane Doe", "jane.doe@example.com")
    assert order.shipping["line1"] == "123 Main Street" and order.shipping["country"] == "US"
    assert (order.currency, order.carrier_code, order.service_code) == ("USD", "UPS", "GROUND")

    checked = order_check(account=world.store, order=order, source=Source.API)
    assert checked.errors == []
    assert [(line.variant.sku, line.quantity, line.fixed_unit_price) for line in checked.lines] == [
        ("MUG-BLUE", 2, Decimal("9.50")),
    ]


def test_amazon_quantity_as_text_still_gives_a_unit_price():
    body = sample("amazon")
    body["OrderItems"][0]["QuantityOrdered"] = "2"
    assert normalize("amazon", body).lines[0].unit_price == "9.50"


def test_amazon_currency_falls_back_to_the_item_price():
    body = sample("amazon")
    del body["OrderTotal"]
    assert normalize("amazon", body).currency == "USD"


def test_a_shopify_order_without_customer_takes_the_shipping_name():
    body = sample("shopify")
    del body["customer"]
    body["shipping_address"].pop("name")
    assert normalize("shopify", body).customer_name == "Jane Doe"


@pytest.fixture
def catalog(world):
    account = world.store
    product = factories.ProductFactory(account=account, name="Mug and tee")
    for sku, price in (("MUG-BLUE", "12.00"), ("TEE-M", "25.00")):  # list prices differ from the payloads'
        variant = factories.VariantFactory(product=product, sku=sku, price=Decimal(price))
        factories.stock(variant, account.default_warehouse, 20)
    ShippingMethod.objects.create(account=account, code="UPS-GROUND", name="UPS Ground", price=Decimal("0"),
                                  carrier_code="UPS", service_code="GROUND")
    return account


@pytest.mark.parametrize("name", FORMATS)
def test_each_sample_submitted_through_its_channel_gives_the_same_order(catalog, name):
    channel = factories.ChannelFactory(account=catalog, name=f"{name} store", order_format=name)

    result = intake_submit(account=catalog, payload=sample(name), channel=channel)

    assert result.accepted, result.problems
    order = Order.objects.get(pk=result.order.pk)
    assert order.source == Order.Source.SALES_CHANNEL and order.channel == channel
    assert order.external_id == EXTERNAL_IDS[name]
    assert order.status == Order.Status.ALLOCATED
    assert list(order.lines.values_list("sku", "quantity", "unit_price", "line_total")) == [
        ("MUG-BLUE", 2, Decimal("9.50"), Decimal("19.00")),
        ("TEE-M", 1, Decimal("18.00"), Decimal("18.00")),
    ]
    assert (order.subtotal, order.total, order.currency) == (Decimal("37.00"), Decimal("37.00"), "USD")
    assert order.address("shipping") == ADDRESS and order.address("billing") == ADDRESS
    assert (order.customer_name, order.customer_email) == ("Jane Doe", "jane.doe@example.com")
    assert (order.carrier_code, order.service_code) == (CARRIER[name], SERVICE[name])
    # The account's rules are Warning: what Amazon lacks is flagged, not refused.
    if name == "amazon":
        assert any("no carrier code" in flag for flag in order.flags)
        assert any("STANDARD" in flag for flag in order.flags)
    else:
        assert order.flags == []
    assert not IntakeFailure.objects.filter(account=catalog).exists()


def test_an_amazon_line_total_that_does_not_divide_still_comes_to_itself(catalog):
    body = sample("amazon")
    body["OrderItems"] = [dict(body["OrderItems"][0], QuantityOrdered=3, ItemPrice={"CurrencyCode": "USD", "Amount": "10.00"})]

    channel = factories.ChannelFactory(account=catalog, name="amazon store", order_format="amazon")

    result = intake_submit(account=catalog, payload=body, channel=channel)

    assert result.accepted, result.problems
    line = result.order.lines.get()
    assert (line.unit_price, line.line_discount, line.line_total) == (Decimal("3.34"), Decimal("0.02"), Decimal("10.00"))
