"""Searching by SKU, newest first, reads the SKU's lines' index in order: the same orders as the plain query
for every filter, paging forward and back, with ties on created_at, orders holding the SKU twice and
simulations hidden by default; every way of creating lines copies the order's created_at onto them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F, Q

from intake.models import Source
from intake.services import intake_submit
from orders.models import Order, OrderLine
from orders.selectors import OrderFilters, _filter_lookups, order_page
from orders.services.clone import order_clone
from tests.factories import ProductFactory, VariantFactory, make_orders, order_draft

BASE = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def mixed(world):
    """40 orders of world's store: the SKU FAST-1 on most (twice on some), ties on created_at, every status
    and source in turn, simulations, a customer named after the SKU, and the SKU in the other account."""
    product = ProductFactory(account=world.store)
    fast = VariantFactory(product=product, sku="FAST-1", price=Decimal("4.00"))
    other = VariantFactory(product=product, sku="OTHER-1", price=Decimal("2.00"))
    statuses = [Order.Status.OPEN, Order.Status.DRAFT, Order.Status.ON_HOLD, Order.Status.CANCELLED]
    sources = [Order.Source.MANUAL, Order.Source.API, Order.Source.IMPORT]
    drafts = []
    for n in range(40):
        items = [(other, 1)] if n % 5 == 4 else [(fast, 1), (other, 2), (fast, 3)] if n % 3 == 0 else [(fast, 1)]
        drafts.append(order_draft(
            world.store, items,
            created_at=BASE + dt.timedelta(days=n // 4),  # four orders a day at the same instant: ties
            status=statuses[n % 4],
            source=sources[n % 3],
            is_simulation=n % 7 == 0,
            customer_name="Fast-1 Fan" if n == 9 else "Ada Lovelace",
        ))
    made = make_orders(world.store, drafts)
    outlet = VariantFactory(product=ProductFactory(account=world.outlet), sku="FAST-1")
    make_orders(world.outlet, [order_draft(world.outlet, [(outlet, 1)], created_at=BASE + dt.timedelta(days=30))])
    return made


def plain(account, filters: OrderFilters) -> list[str]:
    """The plain query: the filters, then the number, name, email or a line's SKU, newest first."""
    q = filters.q.strip()
    found = (
        Order.objects.filter(account=account, **_filter_lookups(account=account, filters=filters))
        .filter(Q(lines__sku__in={q, q.upper()}) | Q(customer_name__icontains=q) | Q(customer_email__icontains=q))
        .distinct()
        .order_by("-created_at", "-id")
    )
    return list(found.values_list("number", flat=True))


def walk(account, filters: OrderFilters, size: int) -> tuple[list[str], list[str], list[str], set[int]]:
    """Every page forward through the older links, then back through the newer links: (numbers forward,
    numbers back in list order, the counts the pages gave)."""
    pages, counts, after = [], set(), None
    while True:
        page = order_page(account=account, filters=filters, after=after, size=size, count=True)
        pages.append(page)
        counts.add(page.count)
        if page.older is None:
            break
        after = page.older
    forward = [o.number for p in pages for o in p.orders]
    back, before = [], pages[-1].newer
    while before is not None:
        page = order_page(account=account, filters=filters, before=before, size=size)
        back = [o.number for o in page.orders] + back
        before = page.newer
    return forward, ([o.number for o in pages[-1].orders] if len(pages) > 1 else []), back, counts


COMBINATIONS = [
    {},
    {"q": "fast-1"},
    {"status": "open"},
    {"status": "cancelled"},
    {"source": "api"},
    {"simulations": "include"},
    {"simulations": "only"},
    {"created_from": dt.date(2025, 3, 3), "created_to": dt.date(2025, 3, 7)},
    {"status": "on_hold", "source": "manual", "simulations": "include"},
    {"kind": "purchase"},
]


@pytest.mark.parametrize("size", [3, 50])
@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: ",".join(c) or "none")
def test_the_sku_search_newest_first_lists_what_the_plain_query_does(world, mixed, combination, size):
    filters = OrderFilters(**{"q": "FAST-1", **combination})
    wanted = plain(world.store, filters)
    forward, last, back, counts = walk(world.store, filters, size)
    assert forward == wanted
    if len(wanted) > size:  # back from the last page to the first: every page before it, in order
        assert back + last == wanted
    assert counts == {len(wanted)}


def test_the_search_finds_orders_with_two_lines_of_the_sku_once_and_hides_simulations(world, mixed):
    numbers = [o.number for o in order_page(account=world.store, filters=OrderFilters(q="FAST-1")).orders]
    assert len(numbers) == len(set(numbers))
    twice = {o.number for o in mixed if o.lines.filter(sku="FAST-1").count() == 2 and not o.is_simulation}
    assert twice and twice <= set(numbers)
    assert not {o.number for o in mixed if o.is_simulation} & set(numbers)
    assert "Fast-1 Fan" in {o.customer_name for o in Order.objects.filter(number__in=numbers)}


def test_a_page_of_a_sku_search_is_one_query_and_its_count_one_more(world, mixed, django_assert_num_queries):
    first = order_page(account=world.store, filters=OrderFilters(q="FAST-1"), size=3)
    with django_assert_num_queries(2):
        page = order_page(account=world.store, filters=OrderFilters(q="FAST-1"), after=first.older, size=3, count=True)
    assert len(page.orders) == 3
    with django_assert_num_queries(1):
        order_page(account=world.store, filters=OrderFilters(q="fast-1", status="open"), after=page.older, size=3)


def lines_match_their_orders() -> tuple[int, int]:
    return OrderLine.objects.count(), OrderLine.objects.exclude(order_created_at=F("order__created_at")).count()


def test_every_way_of_creating_lines_copies_the_orders_created_at(world, shop):
    mug = VariantFactory(product=ProductFactory(account=world.store), sku="MUG-1", price=Decimal("3.00"))
    made = make_orders(world.store, [
        order_draft(world.store, [(mug, 1)], created_at=BASE),  # a given created_at
        order_draft(world.store, [(mug, 2), (mug, 1)]),  # now
    ])
    source = shop.order  # make_order: three lines
    [clone] = order_clone(source=source, by=world.agent)
    result = intake_submit(account=world.store, source=Source.API, payload={
        "external_id": "CREATED-1", "placed_at": "2024-06-01T10:00:00Z",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "shipping_address": {"name": "Ada", "line1": "1 St", "city": "Boston", "postal_code": "02110", "country": "US"},
        "lines": [{"sku": "MUG-1", "quantity": 1}],
    })
    assert result.order is not None
    assert OrderLine.objects.filter(order__in=[*made, source, clone, result.order]).count() == 10
    total, different = lines_match_their_orders()
    assert total >= 10 and different == 0
    assert made[0].lines.get().order_created_at == BASE
