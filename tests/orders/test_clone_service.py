"""order_clone: every option and purpose, and bad input that writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from inventory.models import StockLevel
from orders.models import CloneRecord, Order, OrderEvent, Promotion
from orders.services.clone import CloneInvalid, CloneLine, Destination, order_clone
from tests.factories import ADDRESS, VariantFactory, make_order, stock


def allocated(variant, warehouse) -> int:
    return StockLevel.objects.get(variant=variant, warehouse=warehouse).allocated


def order_count(account) -> int:
    return Order.objects.filter(account=account).count()


def test_standard_clone_copies_the_source_and_links_both_ways(shop, world):
    source = shop.order
    [clone] = order_clone(source=source, by=world.agent)
    assert clone.number != source.number and clone.cloned_from == source
    assert clone.status == Order.Status.ALLOCATED and clone.clone_purpose == "standard"
    for field in ("customer_name", "customer_email", "customer_phone", "notes", "discount_codes", "currency",
                  "shipping_method", "tax_jurisdiction", "warehouse", "carrier_code", "service_code",
                  "subtotal", "discount_total", "tax_total", "shipping_total", "total"):
        assert getattr(clone, field) == getattr(source, field), field
    assert clone.address("shipping") == source.address("shipping")
    src_lines = [(l.sku, l.quantity, l.unit_price, l.line_discount, l.line_total) for l in source.lines.all()]
    new_lines = [(l.sku, l.quantity, l.unit_price, l.line_discount, l.line_total) for l in clone.lines.all()]
    assert new_lines == src_lines
    assert allocated(shop.variants[0], shop.warehouse) == 4  # 2 for the source, 2 for the clone
    mine = OrderEvent.objects.get(order=clone, kind="created")
    theirs = OrderEvent.objects.get(order=source, kind="cloned")
    assert world.agent.email in mine.message and clone.number in theirs.message and mine.actor == world.agent
    assert mine.data["overridden"] == {} == theirs.data["overridden"]


def test_chosen_lines_with_edited_quantities(shop, world):
    [clone] = order_clone(source=shop.order, by=world.agent, lines=[CloneLine("TEE-0", 5), CloneLine("TEE-2", 1)])
    assert [(l.sku, l.quantity) for l in clone.lines.all()] == [("TEE-0", 5), ("TEE-2", 1)]
    event = OrderEvent.objects.get(order=clone, kind="created")
    assert event.data["overridden"]["lines.TEE-0.quantity"] == [2, 5]
    assert event.data["overridden"]["lines_not_copied"] == ["TEE-1"]


def test_address_fields_can_be_edited_and_optional_ones_cleared(shop, world):
    shipping = dict(ADDRESS, line1="1 New Road", line2="", city="Leeds")
    source = shop.order
    source.shipping_line2 = "Flat 3"
    source.save()
    [clone] = order_clone(source=source, by=world.agent, overrides={"shipping": shipping})
    assert (clone.shipping_line1, clone.shipping_line2, clone.shipping_city) == ("1 New Road", "", "Leeds")
    assert clone.billing_line1 == source.billing_line1
    overridden = OrderEvent.objects.get(order=source, kind="cloned").data["overridden"]
    assert overridden["shipping_line1"] == ["12 Analytical St", "1 New Road"]
    assert overridden["shipping_line2"] == ["Flat 3", ""]


def test_clearing_a_required_address_field_is_refused(shop, world):
    before = order_count(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, overrides={"billing": dict(ADDRESS, postal_code="")})
    assert "billing.postal_code" in error.value.errors
    assert order_count(shop.account) == before


def test_overrides_of_codes_shipping_tax_and_warehouse(shop, world):
    [clone] = order_clone(
        source=shop.order,
        by=world.agent,
        overrides={"discount_codes": [], "shipping_method": shop.express, "tax_jurisdiction": shop.ca_tax,
                   "warehouse": shop.other_warehouse},
        lines=[CloneLine("TEE-0", 1)],
    )
    assert clone.discount_codes == [] and clone.shipping_method == shop.express
    assert (clone.carrier_code, clone.service_code) == ("FEDEX", "2DAY")
    assert clone.tax_jurisdiction == shop.ca_tax and clone.warehouse == shop.other_warehouse
    assert clone.shipping_total == Decimal("25.00")
    assert allocated(shop.variants[0], shop.other_warehouse) == 1


def test_keep_pricing_keeps_unit_prices_and_discounts_even_after_a_price_change(shop, world):
    shop.variants[0].price = Decimal("99.00")
    shop.variants[0].save()
    [clone] = order_clone(source=shop.order, by=world.agent)
    line = clone.lines.get(sku="TEE-0")
    assert line.unit_price == Decimal("20.00") and line.line_discount == Decimal("4.00")
    assert clone.total == shop.order.total


def test_repricing_uses_list_prices_and_promotions_valid_on_the_new_date(shop, world):
    shop.variants[0].price = Decimal("30.00")
    shop.variants[0].save()
    Promotion.objects.create(account=shop.account, name="Tee-1 deal", kind="fixed", value=5, scope="variants",
                             valid_from=dt.date.today()).variants.add(shop.variants[1])
    [clone] = order_clone(source=shop.order, by=world.agent, pricing="reprice")
    lines = {l.sku: l for l in clone.lines.all()}
    assert lines["TEE-0"].unit_price == Decimal("30.00") and lines["TEE-0"].line_discount == Decimal("6.00")
    assert lines["TEE-1"].line_discount == Decimal("5.00")  # the larger discount wins, no stacking
    assert OrderEvent.objects.get(order=clone).data["overridden"]["pricing"] == ["keep", "reprice"]


def test_an_expired_code_is_refused_on_the_new_date(shop, world):
    Promotion.objects.filter(code="SPRING10").update(valid_to=dt.date.today() - dt.timedelta(days=1))
    before = order_count(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, pricing="reprice")
    assert "SPRING10 is not valid" in error.value.errors["discount_codes"][0]
    assert order_count(shop.account) == before


def test_manual_prices_need_a_reason_and_respect_the_floor(shop, world):
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, pricing="manual",
                    lines=[CloneLine("TEE-0", 2, unit_price="15.00"), CloneLine("TEE-1", 1, unit_price="10.00",
                                                                                    reason="x")])
    assert "lines.TEE-0.reason" in error.value.errors
    assert "below 17.75" in error.value.errors["lines.TEE-1.unit_price"][0]
    [clone] = order_clone(source=shop.order, by=world.agent, pricing="manual",
                          lines=[CloneLine("TEE-0", 2, unit_price="15.00", reason="Goodwill")])
    line = clone.lines.get()
    assert (line.unit_price, line.line_discount, line.price_override_reason) == (Decimal("15.00"), 0, "Goodwill")


def test_correction_can_cancel_the_source_and_release_its_stock(shop, world):
    [clone] = order_clone(source=shop.order, by=world.agent, purpose="correction", cancel_source=True,
                          lines=[CloneLine("TEE-0", 1)])
    shop.order.refresh_from_db()
    assert shop.order.status == Order.Status.CANCELLED
    assert allocated(shop.variants[0], shop.warehouse) == 1  # the source's 2 released, the clone's 1 taken
    assert allocated(shop.variants[2], shop.warehouse) == 0


def test_correction_of_a_shipped_order_cannot_cancel_it(shop, world):
    Order.objects.filter(pk=shop.order.pk).update(status=Order.Status.SHIPPED)
    shop.order.refresh_from_db()
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, purpose="correction", cancel_source=True)
    assert "cancel_source" in error.value.errors


def test_split_shipment_makes_one_order_per_destination(shop, world):
    east = dict(ADDRESS, name="Bob", city="Manchester")
    destinations = [Destination(ADDRESS, {"TEE-0": 1, "TEE-2": 3}), Destination(east, {"TEE-0": 1, "TEE-1": 1})]
    orders = order_clone(source=shop.order, by=world.agent, purpose="split", destinations=destinations)
    assert len(orders) == 2 and len({o.number for o in orders}) == 2
    first, second = orders
    assert [(l.sku, l.quantity) for l in first.lines.all()] == [("TEE-0", 1), ("TEE-2", 3)]
    assert [(l.sku, l.quantity) for l in second.lines.all()] == [("TEE-0", 1), ("TEE-1", 1)]
    assert second.shipping_city == "Manchester" and second.customer_email == shop.order.customer_email
    assert all(o.cloned_from == shop.order and o.clone_purpose == "split" for o in orders)
    assert CloneRecord.objects.filter(source=shop.order).count() == 1


@pytest.mark.parametrize(
    "quantities,key",
    [
        ([{"TEE-0": 2}, {"TEE-0": 1}], "lines.TEE-0.quantity"),  # 3 > 2 on the source
        ([{"TEE-0": 1}, {"TEE-0": 0}], "destinations.1"),  # a destination with nothing
        ([{"TEE-0": 1}, {"TEE-0": -1}], "destinations.1.TEE-0"),
    ],
)
def test_split_quantities_are_checked(shop, world, quantities, key):
    before = order_count(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, purpose="split",
                    destinations=[Destination(ADDRESS, q) for q in quantities])
    assert key in error.value.errors
    assert order_count(shop.account) == before


def test_simulation_is_flagged_and_never_allocates(shop, world):
    stock(shop.variants[0], shop.warehouse, 2)  # only the source's 2 on hand: nothing left
    [clone] = order_clone(source=shop.order, by=world.agent, purpose="simulation", lines=[CloneLine("TEE-0", 10)])
    assert clone.is_simulation and clone.status == Order.Status.DRAFT
    assert allocated(shop.variants[0], shop.warehouse) == 2


def test_not_enough_stock_names_the_line_and_writes_nothing(shop, world):
    before = order_count(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, lines=[CloneLine("TEE-0", 49), CloneLine("TEE-1", 1)])
    assert "Only 48 of TEE-0 available" in error.value.errors["lines.TEE-0.quantity"][0]
    assert order_count(shop.account) == before
    assert allocated(shop.variants[0], shop.warehouse) == 2


@pytest.mark.parametrize(
    "lines,key",
    [
        ([CloneLine("NOPE-1", 1)], "lines.NOPE-1"),
        ([CloneLine("TEE-0", 0)], "lines.TEE-0.quantity"),
        ([CloneLine("TEE-0", "two")], "lines.TEE-0.quantity"),
        ([CloneLine("TEE-0", "99999999999")], "lines.TEE-0.quantity"),  # would overflow the column
        ([CloneLine("TEE-0", 100_001)], "lines.TEE-0.quantity"),
        ([CloneLine("TEE-0", "²")], "lines.TEE-0.quantity"),  # a digit to isdigit(), not to int()
        ([CloneLine("TEE-0", "--3")], "lines.TEE-0.quantity"),
        ([], "lines"),
    ],
)
def test_bad_lines_give_a_clear_message_and_write_nothing(shop, world, lines, key):
    before = (order_count(shop.account), OrderEvent.objects.count(), CloneRecord.objects.count())
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, lines=lines)
    assert key in error.value.errors
    assert (order_count(shop.account), OrderEvent.objects.count(), CloneRecord.objects.count()) == before


def test_a_warehouse_of_another_account_is_refused(shop, world):
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, overrides={"warehouse": world.outlet.default_warehouse})
    assert "warehouse" in error.value.errors


def test_clone_records_time_and_rejected_submits(shop, world):
    from django.utils import timezone

    opened = timezone.now() - dt.timedelta(seconds=12)
    [clone] = order_clone(source=shop.order, by=world.agent, opened_at=opened, rejected_submits=2)
    record = clone.clone_record
    assert Decimal("11.5") < record.seconds < Decimal("20") and record.rejected_submits == 2
    assert record.agent == world.agent


def test_query_count_does_not_grow_with_the_number_of_lines(shop, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.selectors import order_get_for_user

    product = shop.variants[0].product
    many = [VariantFactory(product=product, sku=f"BULK-{i}", price=Decimal("3.00")) for i in range(40)]
    for variant in many:
        stock(variant, shop.warehouse, 10)
    small = make_order(shop.account, [(shop.variants[0], 1)], warehouse=shop.warehouse)
    big = make_order(shop.account, [(v, 1) for v in many], warehouse=shop.warehouse)
    for pricing in ("keep", "reprice"):
        counts = []
        for number in (small.number, big.number):
            source = order_get_for_user(user=world.agent, account=shop.account, number=number)
            with CaptureQueriesContext(connection) as queries:
                order_clone(source=source, by=world.agent, pricing=pricing)
            counts.append(len(queries))
        assert counts[0] == counts[1] <= 20, (pricing, counts)


def test_a_huge_simulated_quantity_is_refused_not_a_crash(shop, world):
    before = order_count(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=shop.order, by=world.agent, purpose="simulation", lines=[CloneLine("TEE-0", "99999999999")])
    assert "from 1 to 100,000" in error.value.errors["lines.TEE-0.quantity"][0]
    assert order_count(shop.account) == before


def test_a_hand_set_price_far_above_the_list_price_is_refused_not_a_crash(shop, world):
    before = order_count(shop.account)
    for price in ("200.01", "1e20"):
        with pytest.raises(CloneInvalid) as error:
            order_clone(source=shop.order, by=world.agent, pricing="manual",
                        lines=[CloneLine("TEE-0", 1, unit_price=price, reason="typo")])
        assert "above 200.00 (ten times" in error.value.errors["lines.TEE-0.unit_price"][0]
    assert order_count(shop.account) == before
