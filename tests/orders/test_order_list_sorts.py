"""Sorting the order list by a column: keyset pages in that sort, forward and back, with ties broken by id;
the count of matching orders; the new columns."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from orders.selectors import COUNT_EXACT_UP_TO, SORTS, OrderCursor, order_page
from tests.factories import ProductFactory, VariantFactory, make_orders, order_draft
from tests.orders.test_order_list import link, list_url, numbers_in

BASE = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
STATUSES = [Order.Status.OPEN, Order.Status.ON_HOLD, Order.Status.SHIPPED, Order.Status.CANCELLED]


@pytest.fixture
def sortable(world):
    """75 orders with many ties in every sortable column: 5 names, 3 prices x 1-2 units, 4 statuses, 25 times."""
    product = ProductFactory(account=world.store, name="Mug")
    variants = [VariantFactory(product=product, sku=f"MUG-{i}", price=Decimal(p)) for i, p in enumerate(["5", "7"])]
    drafts = [
        order_draft(world.store, [(variants[n % 2], 1 + n % 2)] + ([(variants[0], 1)] if n % 3 == 0 else []),
                    customer_name=f"Customer {n % 5}", created_at=BASE + dt.timedelta(minutes=n // 3))
        for n in range(75)
    ]
    orders = make_orders(world.store, drafts)
    for i, order in enumerate(orders):
        Order.objects.filter(pk=order.pk).update(status=STATUSES[i % 4])
    return list(Order.objects.filter(account=world.store))


def expected(orders, sort: str) -> list[str]:
    """The sort done in Python: each key in its direction, the id last."""
    rows = list(orders)
    for field, desc in reversed(SORTS[sort].keys):
        rows.sort(key=lambda o: getattr(o, field), reverse=desc)
    return [o.number for o in rows]


@pytest.mark.parametrize("sort", list(SORTS))
def test_each_sort_pages_forward_and_back_without_gaps_or_repeats(world, sortable, sort):
    pages, after = [], None
    while True:
        page = order_page(account=world.store, sort=sort, after=after, size=8)
        pages.append(page)
        if page.older is None:
            break
        after = page.older
    forward = [o.number for page in pages for o in page.orders]
    assert forward == expected(sortable, sort)
    assert len(pages) == 10

    back, page = [], pages[-1]
    while page.newer is not None:
        page = order_page(account=world.store, sort=sort, before=page.newer, size=8)
        back.append([o.number for o in page.orders])
    assert back == [[o.number for o in p.orders] for p in reversed(pages[:-1])]


@pytest.mark.parametrize("sort", ["customer", "-total", "status"])
def test_the_page_links_keep_the_sort_and_the_filters(world, sortable, sort):
    client = world.client_for(world.viewer)
    seen, url = [], list_url(world, sort=sort, q="customer")
    response = client.get(url)
    while True:
        seen += numbers_in(response)
        older = link(response, "next")
        if older is None:
            break
        assert f"sort={sort}" in older and "q=customer" in older
        response = client.get(older)
    assert seen == expected(sortable, sort)

    back = []
    while (newer := link(response, "prev")) is not None:
        response = client.get(newer)
        back = numbers_in(response) + back
    assert back == seen[:len(back)] and len(back) == 50


def test_headings_sort_and_a_second_click_reverses(world, sortable):
    client = world.client_for(world.viewer)
    body = client.get(list_url(world, status="open")).content.decode()
    total_link = re.search(r'<a href="([^"]+)" hx-get="[^"]+" data-sort="-total">Total', body).group(1)
    assert "status=open" in total_link

    by_total = client.get(total_link.replace("&amp;", "&"))
    shown = numbers_in(by_total)
    assert shown == expected([o for o in sortable if o.status == "open"], "-total")
    assert 'aria-sort="descending"' in by_total.content.decode()
    again = re.search(r'<a href="([^"]+)" hx-get="[^"]+" data-sort="total">Total', by_total.content.decode())
    assert again, "the current sort's heading links to its reverse"
    assert numbers_in(client.get(again.group(1).replace("&amp;", "&"))) == list(reversed(shown))


def test_a_cursor_of_another_sort_or_a_forged_one_shows_the_first_page(world, sortable):
    client = world.client_for(world.viewer)
    first = numbers_in(client.get(list_url(world, sort="customer")))
    page = order_page(account=world.store, sort="-total", size=8)
    forged = page.older.encode()

    assert numbers_in(client.get(list_url(world, sort="customer", after=forged))) == first
    for token in ["x", "W10", "WyIxIiwiMiJd", "e30", "!!!", "WyJhIiwiMSJd" * 200]:
        assert client.get(list_url(world, sort="-total", after=token)).status_code == 200
    assert OrderCursor.decode("WyJ4IiwiMSJd", "-total") is None  # ["x","1"]: not a total
    assert client.get(list_url(world, sort="sideways")).status_code == 200


def test_the_count_is_exact_and_follows_the_filters(world, sortable):
    client = world.client_for(world.viewer)

    assert "75 orders" in client.get(list_url(world)).content.decode()
    on_hold = client.get(list_url(world, status="on_hold")).content.decode()
    assert re.search(r'id="order-count"[^>]*>19 orders match', on_hold)
    one = client.get(list_url(world, q=sortable[0].number)).content.decode()
    assert re.search(r'id="order-count"[^>]*>1 order matches', one)


def test_the_count_says_more_than_past_its_limit(world, sortable, monkeypatch):
    import orders.selectors as selectors

    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 20)
    body = world.client_for(world.viewer).get(list_url(world)).content.decode()

    assert "More than 20 orders" in body
    assert COUNT_EXACT_UP_TO == 1_000


def test_the_list_shows_items_channel_order_id_country_warehouse_and_shipped(world):
    from tests.factories import WarehouseFactory

    product = ProductFactory(account=world.store)
    variant = VariantFactory(product=product, sku="TEE-1", price=Decimal("9.00"))
    warehouse = WarehouseFactory(account=world.store, name="Leeds Depot", code="LDS")
    [order] = make_orders(world.store, [order_draft(
        world.store, [(variant, 3), (variant, 2)], external_id="AMZ-771", warehouse=warehouse, status="shipped",
        shipping={"name": "Ada", "line1": "1 Way", "city": "Paris", "postal_code": "75001", "country": "FR"},
    )])
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)
    body = world.client_for(world.viewer).get(list_url(world)).content.decode()
    row = body[body.index(f">{order.number}<"):]
    row = row[:row.index("</tr>")]

    for text in ["AMZ-771", "France", "Leeds Depot", ">5<", "Shipped"]:
        assert text in row
    assert reverse("order_list", args=[world.store.pk])
