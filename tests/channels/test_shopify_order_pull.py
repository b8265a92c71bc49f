"""Orders in from Shopify: cursor-paged GraphQL pulls by updated_at, paced by the cost bucket Shopify reports,
surviving a THROTTLED answer mid-way without losing or repeating a page; each order imported once, money as
charged."""

from decimal import Decimal

from channels.selectors import channel_state_of
from intake.importing import orders_import
from orders.models import Order
from tests.channels.shopify_helpers import sample_order, shopify_channel
from tests.intake.failure_helpers import mug


def _orders(count: int, *, start: int = 1000, day: int = 20) -> list[dict]:
    return [sample_order(start + n, name=f"#{start + n}", quantity=1,
                         updated_at=f"2026-11-{day}T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z")
            for n in range(count)]


def test_a_multi_page_pull_survives_a_throttle_answer_mid_way_and_imports_each_order_once(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=1000)
    channel = shopify_channel(world.store, shopify)
    shopify.seed_orders(_orders(120))  # twelve pages of 10
    # Another app empties the bucket after our first request; it refills at 2000 points a second.
    shopify.throttle(maximumAvailable=1000, currentlyAvailable=1000, restoreRate=5000, drain_after=1)

    counts = orders_import(channel=channel)

    assert counts.created == 120 and counts.fetched == 120 and counts.errors == 0
    assert Order.objects.filter(channel=channel).count() == 120
    asked = shopify.requests("orders")
    assert [r["throttled"] for r in asked] == [False, True] + [False] * 11
    # The throttled page was asked again with the same cursor: nothing skipped, nothing read twice.
    assert asked[1]["variables"]["after"] == asked[2]["variables"]["after"] is not None
    state = channel_state_of(channel)
    assert state.orders_cursor == "2026-11-20T00:01:59Z" and state.orders_pulled_at is not None
    assert state.throttle["restoreRate"] == 5000

    # The next run starts at the cursor: only what changed since, and the order at the cursor is not doubled.
    shopify.seed_orders(_orders(2, start=5000, day=21), append=True)
    again = orders_import(channel=channel)
    assert again.created == 2 and again.duplicates == 1
    assert shopify.requests("orders")[-1]["variables"]["query"] == "updated_at:>='2026-11-20T00:01:59Z'"
    assert Order.objects.filter(channel=channel).count() == 122


def test_the_connector_waits_for_the_points_it_needs_instead_of_being_throttled(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=1000)
    channel = shopify_channel(world.store, shopify)
    shopify.seed_orders(_orders(150))
    # Enough for one page (682 points) at a time; 5000 points a second come back.
    shopify.throttle(maximumAvailable=1000, currentlyAvailable=700, restoreRate=5000)

    counts = orders_import(channel=channel)

    assert counts.created == 150
    assert [r["throttled"] for r in shopify.requests("orders")] == [False] * 15


def test_a_pulled_order_keeps_the_money_as_charged(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=10)
    channel = shopify_channel(world.store, shopify)
    shopify.seed_orders([sample_order(450789469, quantity=2, price="9.50")])

    orders_import(channel=channel)

    order = Order.objects.get(channel=channel)
    assert order.external_id == "450789469"
    line = order.lines.get()
    assert Decimal(line.charged["unit_price"]) == Decimal("9.50")
    assert [Decimal(d["amount"]) for d in line.charged["discounts"]] == [Decimal("1.90")]
    assert [Decimal(t["amount"]) for t in line.charged["taxes"]] == [Decimal("1.03")]
    assert Decimal(order.charged["total"]) == Decimal("23.43")
    assert [Decimal(s["price"]) for s in order.charged["shipping_lines"]] == [Decimal("5.00")]


def test_an_order_with_more_lines_than_a_page_holds_comes_in_whole(world, shopify):
    skus = [f"L-{n:02d}" for n in range(60)]
    for sku in skus:
        mug(world.store, sku=sku, on_hand=5)
    channel = shopify_channel(world.store, shopify)
    order = sample_order(777)
    line = order["lineItems"]["nodes"][0]
    order["lineItems"]["nodes"] = [{**line, "sku": sku, "quantity": 1} for sku in skus]
    shopify.seed_orders([order])

    assert orders_import(channel=channel).created == 1

    assert sorted(Order.objects.get(channel=channel).lines.values_list("sku", flat=True)) == skus
    assert [r["variables"]["first"] for r in shopify.requests("order")] == [250]
