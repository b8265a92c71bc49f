"""Money from outside is kept as charged: each adapter's documented example imports with the OMS's total, tax,
discount and shipping equal to the channel's to the cent; tax-inclusive prices are held as net plus tax; parts
that do not add up to the channel's total are flagged with both figures (or refused, by the account's rule)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.choices import ValidationLevel
from intake.csv_import import COLUMNS, orders_import_csv
from intake.models import IntakeFailure, Source
from intake.services import intake_submit
from orders.models import Order
from tests import factories

CHARGED = Path(__file__).parent / "samples" / "charged"
SKUS = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK", "SCARF-GREY", "CBA_OTF_1", "CBA_OTF_5", "SBX-MUG",
        "SBX-TEE-M", "MUG-BLUE", "TEE-M"]


def charged(name: str) -> dict:
    return json.loads((CHARGED / f"{name}.json").read_text())


@pytest.fixture
def shop(world):
    account = world.store
    product = factories.ProductFactory(account=account, name="Catalog")
    for sku in SKUS:  # list prices the channels' differ from: nothing may be re-priced
        variant = factories.VariantFactory(product=product, sku=sku, price=Decimal("1.00"))
        factories.stock(variant, account.default_warehouse, 50)
    return account


def money_of(order: Order) -> tuple:
    return order.subtotal, order.discount_total, order.tax_total, order.shipping_total, order.total


def submit(account, name: str, payload: dict):
    if name == "oms":
        return intake_submit(account=account, payload=payload, source=Source.API)
    channel = factories.ChannelFactory(account=account, name=f"{name} store", order_format=name)
    return intake_submit(account=account, payload=payload, channel=channel)


@pytest.mark.parametrize(
    "fmt, sample, expected",
    [
        # (subtotal, discounts, tax, shipping, total): the channel's own figures.
        ("shopify", "shopify_450789469", ("597.00", "10.00", "11.94", "0.00", "598.94")),
        ("amazon", "amazon_902-3159896-1390916", ("10.00", "1.00", "1.01", "1.00", "11.01")),
        ("amazon", "amazon_903-1671087-0812628", ("43.94", "0.00", "0.00", "1.26", "45.20")),
        ("sandbox", "sandbox_SBX-1002", ("38.00", "1.90", "2.57", "5.00", "43.67")),
        ("oms", "oms_charged", ("46.50", "2.85", "2.73", "0.00", "46.38")),
    ],
)
def test_each_documented_example_keeps_the_channels_money_to_the_cent(shop, fmt, sample, expected):
    result = submit(shop, fmt, charged(sample))

    assert result.accepted, result.problems
    order = Order.objects.get(pk=result.order.pk)
    assert money_of(order) == tuple(Decimal(v) for v in expected)
    assert order.charged["total"] == expected[-1]
    assert not any("total is" in flag for flag in order.flags)


def test_shopify_order_450789469_keeps_each_discount_allocation_and_tax_line(shop):
    order = submit(shop, "shopify", charged("shopify_450789469")).order

    lines = list(order.lines.order_by("position"))
    assert [(l.sku, l.unit_price, l.line_discount, l.tax_amount, l.line_total) for l in lines] == [
        ("IPOD2008GREEN", Decimal("199.00"), Decimal("3.34"), Decimal("3.98"), Decimal("199.64")),
        ("IPOD2008RED", Decimal("199.00"), Decimal("3.33"), Decimal("3.98"), Decimal("199.65")),
        ("IPOD2008BLACK", Decimal("199.00"), Decimal("3.33"), Decimal("3.98"), Decimal("199.65")),
    ]
    assert lines[0].charged["discounts"] == [{"title": "TENOFF", "amount": "3.34"}]
    assert lines[0].charged["taxes"] == [{"title": "State Tax", "amount": "3.98", "rate": "0.06"}]
    assert order.discount_codes == ["TENOFF"]
    assert order.charged["discounts"] == [{"title": "TENOFF", "amount": "10.00"}]
    assert order.charged["shipping_lines"] == [
        {"title": "Free Shipping", "price": "0.00", "discounts": [], "taxes": []}
    ]


def test_tax_inclusive_prices_are_held_as_net_plus_tax_and_come_to_what_was_charged(shop):
    result = submit(shop, "shopify", charged("shopify_taxes_included"))

    assert result.accepted, result.problems
    order = result.order
    # 2 × 24.00 with VAT inside, 4.80 off, 7.20 VAT; shipping 3.95 with 0.66 VAT inside.
    line = order.lines.get()
    assert (line.unit_price, line.line_discount, line.tax_amount, line.line_total) == (
        Decimal("20.40"), Decimal("4.80"), Decimal("7.20"), Decimal("43.20"),
    )
    assert line.charged["unit_price"] == "24.00" and line.charged["taxes_included"] is True
    assert (order.currency, order.tax_total, order.shipping_total, order.total) == (
        "GBP", Decimal("7.86"), Decimal("3.29"), Decimal("47.15"),
    )
    assert order.charged["taxes_included"] is True


def test_amazon_tax_inside_the_order_total_is_read_as_tax_inclusive(shop):
    body = charged("amazon_902-3159896-1390916")
    item = body["OrderItems"][0]
    for name in ("PromotionDiscount", "PromotionDiscountTax", "ShippingPrice", "ShippingTax", "ShippingDiscount",
                 "ShippingDiscountTax"):
        item.pop(name)
    item["ItemPrice"]["Amount"], item["ItemTax"]["Amount"] = "11.90", "1.90"  # a European 19 % VAT, inside
    body["OrderTotal"]["Amount"] = "11.90"

    order = submit(shop, "amazon", body).order

    assert (order.subtotal, order.tax_total, order.total) == (Decimal("10.00"), Decimal("1.90"), Decimal("11.90"))


def test_parts_that_do_not_add_up_are_taken_and_flagged_with_both_figures(shop):
    body = charged("shopify_450789469")
    body["total_price"] = "602.94"  # the channel says 4.00 more than its lines, shipping and taxes

    result = submit(shop, "shopify", body)

    assert result.accepted
    order = result.order
    assert order.total == Decimal("598.94")
    [flag] = [f for f in order.flags if "total" in f]
    assert "602.94" in flag and "598.94" in flag
    assert [p.code for p in result.problems if p.severity == "warning" and p.code == "total_mismatch"] == [
        "total_mismatch"
    ]


def test_the_accounts_rule_can_refuse_parts_that_do_not_add_up(shop):
    shop.sales_order_total_rule = ValidationLevel.ERROR
    shop.save(update_fields=["sales_order_total_rule"])
    body = charged("amazon_903-1671087-0812628")
    body["OrderTotal"]["Amount"] = "43.94"

    result = submit(shop, "amazon", body)

    assert not result.accepted
    assert not Order.objects.filter(account=shop, external_id="903-1671087-0812628").exists()
    failure = IntakeFailure.objects.get(account=shop)
    [reason] = [r for r in failure.reasons if r["code"] == "total_mismatch"]
    assert "43.94" in reason["message"] and "45.20" in reason["message"]


def test_a_charged_amount_that_is_not_an_amount_is_refused_naming_it(shop):
    body = charged("oms_charged")
    body["lines"][0]["taxes"][0]["amount"] = "1,60"

    result = submit(shop, "oms", body)

    assert not result.accepted
    assert [(p.code, p.field) for p in result.errors] == [("invalid_amount", "lines[0].taxes[0].amount")]
    assert not Order.objects.filter(account=shop).exists()


def test_csv_rows_carry_the_channels_discount_tax_shipping_and_total(shop):
    header = COLUMNS + ["line_discount", "line_tax", "shipping_price", "shipping_tax", "order_total"]
    base = ["WEB-7", "2026-11-23", "Jane Doe", "jane.doe@example.com", "", "Jane Doe", "123 Main Street", "",
            "Boston", "MA", "02110", "US"]
    rows = [
        base + ["MUG-BLUE", "3", "9.50", "UPS", "GROUND", "2.85", "1.60", "6.00", "0.38", "52.76"],
        base + ["TEE-M", "1", "18.00", "UPS", "GROUND", "", "1.13", "", "", ""],
    ]
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"

    result = orders_import_csv(account=shop, text=text)

    assert [r.reasons for r in result.rejected] == []
    [order] = result.created
    assert money_of(order) == (Decimal("46.50"), Decimal("2.85"), Decimal("3.11"), Decimal("6.00"), Decimal("52.76"))
    assert order.charged["total"] == "52.76" and not any("total is" in flag for flag in order.flags)
    assert order.lines.get(sku="MUG-BLUE").charged["taxes"] == [{"title": "Tax", "amount": "1.60"}]


def test_the_order_page_shows_the_charged_taxes_and_discounts_line_by_line(shop, world):
    from django.urls import reverse

    order = submit(shop, "shopify", charged("shopify_taxes_included")).order

    response = world.client_for(world.agent).get(reverse("order_detail", args=[shop.pk, order.number]))

    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "WINTER10 −4.80" in page and "GB VAT (rate 0.2) 7.20" in page
    assert "charged 24.00 a unit, tax included" in page
    assert "Royal Mail Tracked 48" in page and "GB VAT (rate 0.2) 0.66" in page
    assert 'id="charged-total">47.15 GBP' in page


@pytest.mark.parametrize("sample", ["shopify_450789469", "shopify_taxes_included", "amazon_902-3159896-1390916"])
def test_a_keep_prices_clone_keeps_the_charged_prices_discounts_and_taxes_exactly(shop, world, sample):
    from orders.services.clone import order_clone

    fmt = sample.split("_")[0]
    source = submit(shop, fmt, charged(sample)).order

    [clone] = order_clone(source=source, by=world.agent, pricing="keep")

    assert money_of(clone) == money_of(source)
    columns = ("sku", "quantity", "unit_price", "line_discount", "tax_amount", "line_total", "charged")
    assert list(clone.lines.values_list(*columns)) == list(source.lines.values_list(*columns))
    assert clone.charged["shipping_lines"] == source.charged["shipping_lines"]


def test_a_split_of_a_channel_order_keeps_its_taxes_and_shipping_tax_shared_out(shop, world):
    from orders.services.clone import Destination, order_clone

    source = submit(shop, "sandbox", charged("sandbox_SBX-1002")).order  # tax 1.07 + 1.19 on lines, 0.31 on shipping
    there = {**source.address("shipping"), "name": "Jane Doe (office)"}
    halves = [Destination(shipping=source.address("shipping"), quantities={"SBX-MUG": 1, "SBX-TEE-M": 1}),
              Destination(shipping=there, quantities={"SBX-MUG": 1})]

    first, second = order_clone(source=source, by=world.agent, pricing="keep", purpose="split", destinations=halves)

    assert [o.shipping_total for o in (first, second)] == [Decimal("2.50"), Decimal("2.50")]
    assert first.lines.get(sku="SBX-MUG").tax_amount == Decimal("0.54")  # 1.07 for 2: its share, not 0
    assert second.lines.get(sku="SBX-MUG").tax_amount == Decimal("0.54")
    shipping_tax = [o.tax_total - sum(line.tax_amount for line in o.lines.all()) for o in (first, second)]
    assert shipping_tax == [Decimal("0.16"), Decimal("0.15")]  # 0.31 divided, the rest cent on the first
    assert abs(first.total + second.total - source.total) <= Decimal("0.01")  # one line's tax rounded in halves
    assert first.charged == {} and second.charged == {}  # the channel's order-level detail is not theirs


def test_a_partial_keep_prices_clone_of_a_channel_order_keeps_the_tax_share_and_not_the_orders_detail(shop, world):
    from orders.services.clone import CloneLine, order_clone

    source = submit(shop, "sandbox", charged("sandbox_SBX-1002")).order

    [clone] = order_clone(source=source, by=world.agent, pricing="keep", lines=[CloneLine("SBX-MUG", 1)])

    assert clone.lines.get().tax_amount == Decimal("0.54")
    assert clone.charged == {} and clone.lines.get().charged == {}
