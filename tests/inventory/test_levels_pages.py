"""The inventory page reaches every stock level: keyset pages forward and back, a count, filters (warehouse,
search, low and out of stock), the by-SKU view, the CSV export of the filter, and who may see it."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import StockLevel
from tests.factories import WarehouseFactory, stock_grid

LEVEL = re.compile(r'data-level="(\d+)"')
SKU_ROW = re.compile(r'data-sku="([^"]+)"')
NEXT = re.compile(r'href="([^"]+)"[^>]*rel="next"')
PREV = re.compile(r'href="([^"]+)"[^>]*rel="prev"')


@pytest.fixture
def grid(world):
    """200 SKUs in 3 warehouses: 600 levels, more than the 576 of the demo's Northwind account."""
    account = world.store
    warehouses = [account.default_warehouse, WarehouseFactory(account=account, code="EAST"),
                  WarehouseFactory(account=account, code="WEST")]
    variants = stock_grid(account, skus=200, warehouses=warehouses)
    return account, warehouses, variants


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode().replace("&amp;", "&")


def _walk(client, url, pattern, link=NEXT, max_pages=100):
    """Follow `link` from `url` to its end: the ids seen page by page, and the last page's HTML."""
    pages, html = [], _html(client.get(url))
    while True:
        pages.append(pattern.findall(html))
        found = link.search(html)
        if not found:
            return pages, html
        assert len(pages) < max_pages
        html = _html(client.get(found.group(1)))


def test_paging_reaches_every_level_once_forward_and_back(world, grid):
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[world.store.pk])
    forward, last_html = _walk(client, url, LEVEL)
    seen = [int(pk) for page in forward for pk in page]
    expected = list(
        StockLevel.objects.filter(account=world.store)
        .order_by("variant__sku", "warehouse__code", "id").values_list("id", flat=True)
    )
    assert len(expected) == 600 and seen == expected  # each exactly once, in SKU then warehouse order
    assert [len(p) for p in forward] == [50] * 12
    assert "600 stock levels" in last_html

    back = [forward[-1]]
    html = last_html
    while found := PREV.search(html):
        html = _html(client.get(found.group(1)))
        back.append(LEVEL.findall(html))
    assert back == list(reversed(forward))


def test_another_accounts_or_a_broken_cursor_shows_the_first_page(world, grid):
    foreign = stock_grid(world.outlet, skus=1, warehouses=[world.outlet.default_warehouse], prefix="O")
    foreign_level = StockLevel.objects.get(variant=foreign[0])
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[world.store.pk])
    first = LEVEL.findall(_html(client.get(url)))
    for cursor in [str(foreign_level.pk), "abc", "-1", str(2**63), "9" * 30]:
        assert LEVEL.findall(_html(client.get(url, {"after": cursor}))) == first
        assert LEVEL.findall(_html(client.get(url, {"before": cursor}))) == first


def test_filters_by_warehouse_search_low_and_out_of_stock_with_their_count(world, grid):
    account, (main, east, west), variants = grid
    StockLevel.objects.filter(variant=variants[3], warehouse=east).update(reorder_point=5)  # 3 on hand: low
    StockLevel.objects.filter(variant=variants[10], warehouse=west).update(allocated=3)  # 3 on hand, 0 free
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[account.pk])

    def levels(**params):
        pages, html = _walk(client, url + "?" + "&".join(f"{k}={v}" for k, v in params.items()), LEVEL)
        return {int(pk) for page in pages for pk in page}, html

    ids, html = levels(warehouse=east.pk)
    assert ids == set(StockLevel.objects.filter(warehouse=east).values_list("id", flat=True)) and len(ids) == 200
    assert "200 stock levels match these filters" in html

    ids, html = levels(q="widget 19")  # the name: Widget 19, 190..199
    assert len(ids) == 33 and "33 stock levels match" in html
    assert levels(q="g-0007")[0] == set(StockLevel.objects.filter(variant=variants[7]).values_list("id", flat=True))

    out = set(StockLevel.objects.filter(on_hand=0).values_list("id", flat=True)) | {
        StockLevel.objects.get(variant=variants[10], warehouse=west).pk
    }
    assert levels(stock="out")[0] == out
    # low: available at or below the level's reorder point (0 by default, so out of stock is low too)
    assert levels(stock="low")[0] == out | {StockLevel.objects.get(variant=variants[3], warehouse=east).pk}
    ids, html = levels(stock="out", warehouse=west.pk, q="G-0010")
    assert ids == {StockLevel.objects.get(variant=variants[10], warehouse=west).pk}
    assert "1 stock level matches these filters" in html


def test_another_accounts_warehouse_or_a_bad_filter_filters_nothing_and_says_so(world, grid):
    other = WarehouseFactory(account=world.outlet, code="ELSEWHERE")
    client = world.client_for(world.viewer)
    html = _html(client.get(reverse("inventory_levels", args=[world.store.pk]), {"warehouse": other.pk, "stock": "x"}))
    assert "600 stock levels" in html and "Select a valid choice" in html


def test_by_sku_view_has_a_column_per_warehouse_and_pages_by_sku(world, grid):
    account, (main, east, west), variants = grid
    StockLevel.objects.filter(variant=variants[1], warehouse=east).update(allocated=1)
    StockLevel.objects.filter(variant=variants[1], warehouse=west).delete()
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[account.pk]) + "?view=sku"
    pages, html = _walk(client, url, SKU_ROW)
    assert [sku for page in pages for sku in page] == [v.sku for v in variants]
    assert [len(p) for p in pages] == [50] * 4 and "200 SKUs" in html
    first = _html(client.get(url))
    row = re.search(r'<tr data-sku="G-0001">(.*?)</tr>', first, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    # columns EAST, MAIN, WEST (by code): on hand / available; G-0001 has 1 on hand everywhere, no WEST level
    assert cells == ["1", "0", "1", "1", "—", "—"]
    assert first.index(">EAST<") < first.index(">MAIN<") < first.index(">WEST<")

    only_west = _html(client.get(url + f"&warehouse={west.pk}"))
    assert ">EAST<" not in only_west and "199 SKUs match" in only_west
    html = _html(client.get(NEXT.findall(_html(client.get(url)))[0]))  # page 2, then back to 1
    assert SKU_ROW.findall(_html(client.get(PREV.search(html).group(1)))) == pages[0]


def test_levels_and_by_sku_pages_run_the_same_queries_for_6_or_600_levels(world, django_assert_max_num_queries):
    account = world.store
    east = WarehouseFactory(account=account, code="EAST")
    stock_grid(account, skus=3, warehouses=[account.default_warehouse, east], prefix="S")
    client = world.client_for(world.viewer)
    url = reverse("inventory_levels", args=[account.pk])
    cases = ["", "?view=sku", "?stock=low&q=w", "?view=sku&stock=out"]

    def counts():
        result = []
        for query in cases:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url + query).status_code == 200
            result.append(len(captured))
        return result

    counts()  # the first visit remembers the account in the session
    small = counts()
    stock_grid(account, skus=300, warehouses=[account.default_warehouse, east])
    html = _html(client.get(url))
    cursor = NEXT.search(html).group(1)
    assert counts() == small
    with django_assert_max_num_queries(17):
        client.get(cursor)
    with django_assert_max_num_queries(17):
        client.get(url + "?view=sku")


def test_csv_export_returns_every_matching_level_with_formulas_escaped(world, grid):
    account, (main, east, west), variants = grid
    variants[0].name = '=HYPERLINK("http://evil")'
    variants[0].save(update_fields=["name"])
    client = world.client_for(world.viewer)
    response = client.get(reverse("inventory_levels_export", args=[account.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["sku", "name", "warehouse", "on_hand", "allocated", "available", "reorder_point"]
    assert len(rows) == 601
    assert rows[1] == ["G-0000", "'=HYPERLINK(\"http://evil\")", "EAST", "0", "0", "0", "0"]
    filtered = client.get(reverse("inventory_levels_export", args=[account.pk]), {"warehouse": west.pk, "q": "G-01"})
    rows = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode())))
    assert len(rows) == 1 + 100 and {r[2] for r in rows[1:]} == {"WEST"}


@pytest.mark.parametrize("name", ["inventory_levels", "inventory_levels_export"])
def test_a_viewer_may_read_and_other_accounts_and_organizations_are_404(world, other_world, grid, name):
    assert world.client_for(world.viewer).get(reverse(name, args=[world.store.pk])).status_code == 200
    assert world.client_for(world.outsider).get(reverse(name, args=[world.store.pk])).status_code == 404
    assert world.client_for(world.viewer).get(reverse(name, args=[world.outlet.pk])).status_code == 404
    assert world.client_for(world.admin).get(reverse(name, args=[other_world.store.pk])).status_code == 404
    assert world.client_for(None).get(reverse(name, args=[world.store.pk])).status_code == 302  # to sign in
