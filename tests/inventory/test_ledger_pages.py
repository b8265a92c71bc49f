"""The ledger of a SKU: keyset pages with the running balance of each warehouse right across page boundaries,
each entry linked to its order, times in the account's timezone, a CSV export of every entry, and access."""

import csv
import importlib
import io
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.services import purchase_order_submit, receipt_submit, shipment_submit
from inventory.models import StockMovement
from inventory.selectors import stock_ledger_page
from inventory.services import stock_adjust
from orders.models import Order
from orders.services.create import order_transition
from tests.factories import VariantFactory, WarehouseFactory, make_order, stock
from tests.inventory.conftest import receive

ENTRY = re.compile(r'data-entry="(\d+)"')
CODES = {"carrier_code": "UPS", "service_code": "GROUND"}


@pytest.fixture
def busy(world):
    """A SKU with 122 entries in two warehouses, interleaved."""
    account = world.store
    main, east = account.default_warehouse, WarehouseFactory(account=account, code="EAST")
    variant = VariantFactory(product__account=account, sku="BUSY-1", name="Busy")
    stock(variant, main, 100)
    stock(variant, east, 100)
    for i in range(120):
        warehouse = main if i % 3 else east
        stock_adjust(account=account, warehouse=warehouse, variant=variant, delta=(i % 5) - 2 or 7, by=world.agent,
                     reason=f"count {i}")
    return variant, main, east


def _expected(variant) -> dict[int, tuple[int, int]]:
    balances, after = {}, {}
    for entry in StockMovement.objects.filter(variant=variant).order_by("id"):
        on_hand, allocated = balances.get(entry.warehouse_id, (0, 0))
        balances[entry.warehouse_id] = (on_hand + entry.on_hand_delta, allocated + entry.allocated_delta)
        after[entry.pk] = balances[entry.warehouse_id]
    return after


def test_running_balance_is_right_on_every_page_forward_and_back(world, busy):
    variant, main, east = busy
    expected = _expected(variant)
    assert len(expected) == 122
    for warehouse_id in (None, east.pk):
        pages, page = [], stock_ledger_page(account=world.store, variant=variant, warehouse_id=warehouse_id)
        while True:
            pages.append(page.rows)
            if page.older is None:
                break
            page = stock_ledger_page(account=world.store, variant=variant, warehouse_id=warehouse_id, after=page.older)
        entries = [e for rows in pages for e in rows]
        ids = [e.pk for e in entries]
        wanted = sorted((pk for pk in expected if warehouse_id is None or
                         StockMovement.objects.get(pk=pk).warehouse_id == warehouse_id), reverse=True)
        assert ids == wanted  # newest first, each once
        assert {e.pk: (e.on_hand_after, e.allocated_after) for e in entries} == {pk: expected[pk] for pk in ids}
        back = [pages[-1]]
        while page.newer is not None:
            page = stock_ledger_page(account=world.store, variant=variant, warehouse_id=warehouse_id, before=page.newer)
            back.append(page.rows)
        assert [[e.pk for e in rows] for rows in back] == [[e.pk for e in rows] for rows in reversed(pages)]
    # the last balance of each warehouse is its level
    newest = stock_ledger_page(account=world.store, variant=variant, warehouse_id=main.pk).rows[0]
    assert newest.on_hand_after == variant.stock_levels.get(warehouse=main).on_hand


def test_ledger_page_two_shows_the_balance_carried_over_the_boundary(world, busy):
    variant, main, east = busy
    expected = _expected(variant)
    client = world.client_for(world.viewer)
    url = reverse("inventory_ledger", args=[world.store.pk, variant.sku])
    first = client.get(url).content.decode()
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).content.decode()
    top = int(ENTRY.findall(second)[0])
    row = re.search(rf'data-entry="{top}">(.*?)</tr>', second, re.S).group(1)
    numbers = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert int(numbers[1]) == expected[top][0] and int(numbers[3]) == expected[top][1]
    assert top < min(int(pk) for pk in ENTRY.findall(first))


def test_entries_link_to_their_order_receipt_or_adjustment(world):
    account, warehouse = world.store, world.store.default_warehouse
    mug = VariantFactory(product__account=account, sku="MUG-1")
    receive(mug, warehouse, 5)
    order = make_order(account, [(mug, 2)], warehouse=warehouse)
    shipped = make_order(account, [(mug, 1)], warehouse=warehouse)
    assert shipment_submit(account=account, payload={
        "order": shipped.number, "lines": [{"sku": "MUG-1", "quantity": 1}], **CODES}).accepted
    order_transition(order=order, to=Order.Status.CANCELLED, by=world.admin)
    po = purchase_order_submit(account=account, payload={
        "supplier": "Acme", "warehouse": "MAIN", "lines": [{"sku": "MUG-1", "quantity": 4}], **CODES}).obj
    assert receipt_submit(account=account, payload={
        "purchase_order": po.number, "lines": [{"sku": "MUG-1", "quantity": 4}], **CODES}).accepted

    links = {(e.kind, e.order_id) for e in StockMovement.objects.filter(variant=mug)}
    assert links == {("receipt", None), ("allocation", order.pk), ("allocation", shipped.pk),
                     ("shipment", shipped.pk), ("release", order.pk), ("receipt", po.pk)}
    page = world.client_for(world.viewer).get(reverse("inventory_ledger", args=[account.pk, "MUG-1"])).content.decode()
    for linked in (order, shipped, po):
        assert f'href="{reverse("order_detail", args=[account.pk, linked.number])}"' in page
    assert f"Purchase order {po.number}" in page and f"Sales order {shipped.number}" in page
    manual = StockMovement.objects.get(variant=mug, order=None)
    assert f'href="#entry-{manual.pk}"' in page and f'id="entry-{manual.pk}"' in page


def test_entries_written_before_the_link_existed_are_linked_by_their_reason(world):
    migration = importlib.import_module("inventory.migrations.0005_ledger_order_and_reorder_point")
    account, warehouse = world.store, world.store.default_warehouse
    mug = VariantFactory(product__account=account, sku="MUG-1")
    receive(mug, warehouse, 5)
    order = make_order(account, [(mug, 2)], warehouse=warehouse)
    entry = StockMovement.objects.create(account=account, variant=mug, warehouse=warehouse, kind="shipment",
                                         reason=f"Shipment 1 of {order.number}")
    other = StockMovement.objects.create(account=world.outlet, variant=mug, warehouse=warehouse, kind="shipment",
                                         reason=f"Shipment 2 of {order.number}")  # another account's: no link
    with connection.cursor() as cursor:
        cursor.execute(migration.LINK_ORDERS)
    entry.refresh_from_db()
    other.refresh_from_db()
    assert entry.order_id == order.pk and other.order_id is None


def test_times_are_in_the_accounts_timezone_with_the_zone_shown(world):
    account = world.store
    account.timezone = "America/New_York"
    account.save(update_fields=["timezone"])
    mug = VariantFactory(product__account=account, sku="MUG-1")
    receive(mug, account.default_warehouse, 5)
    entry = StockMovement.objects.get(variant=mug)
    local = entry.created_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    page = world.client_for(world.viewer).get(reverse("inventory_ledger", args=[account.pk, "MUG-1"])).content.decode()
    assert "Times are in America/New_York" in page
    assert local.strftime("%Y-%m-%d %H:%M:%S ") + local.tzname() in page


def test_csv_export_has_every_entry_with_its_balance_and_escapes_formulas(world, busy):
    variant, main, east = busy
    world.store.timezone = "Europe/Berlin"
    world.store.save(update_fields=["timezone"])
    stock_adjust(account=world.store, warehouse=main, variant=variant, delta=1, by=None, reason="=1+2")
    expected = _expected(variant)
    client = world.client_for(world.viewer)
    response = client.get(reverse("inventory_ledger_export", args=[world.store.pk, variant.sku]))
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:2] == ["entry", "when (Europe/Berlin)"] and len(rows) == 1 + 123
    assert {int(r[0]): (int(r[6]), int(r[7])) for r in rows[1:]} == expected
    newest = rows[1]
    assert newest[3] == "Manual adjustment" and newest[4] == "1" and newest[-1] == "'=1+2" and newest[-2] == "system"
    assert newest[1].endswith("+01:00")
    only_east = client.get(reverse("inventory_ledger_export", args=[world.store.pk, variant.sku]), {"warehouse": east.pk})
    rows = list(csv.reader(io.StringIO(b"".join(only_east.streaming_content).decode())))
    assert len(rows) == 1 + 41 and {r[2] for r in rows[1:]} == {"EAST"}


def test_ledger_page_runs_the_same_queries_for_few_or_many_entries(world, django_assert_max_num_queries):
    account, warehouse = world.store, world.store.default_warehouse
    few = VariantFactory(product__account=account, sku="FEW-1")
    many = VariantFactory(product__account=account, sku="MANY-1")
    receive(few, warehouse, 1)
    for _ in range(60):
        receive(many, warehouse, 1)
    client = world.client_for(world.viewer)
    client.get(reverse("inventory_levels", args=[account.pk]))  # the first visit remembers the account

    def count(sku, **params):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("inventory_ledger", args=[account.pk, sku]), params).status_code == 200
        return len(captured)

    assert count("FEW-1") == count("MANY-1")
    older = stock_ledger_page(account=account, variant=many).older
    with django_assert_max_num_queries(count("MANY-1")):
        client.get(reverse("inventory_ledger", args=[account.pk, "MANY-1"]), {"after": older})
    with django_assert_max_num_queries(16):
        client.get(reverse("inventory_ledger", args=[account.pk, "MANY-1"]))


def test_ledger_and_its_export_are_404_for_other_accounts_and_organizations(world, other_world):
    mug = VariantFactory(product__account=world.store, sku="MUG-1")
    receive(mug, world.store.default_warehouse, 1)
    for name in ("inventory_ledger", "inventory_ledger_export"):
        assert world.client_for(world.viewer).get(reverse(name, args=[world.store.pk, "MUG-1"])).status_code == 200
        assert world.client_for(world.viewer).get(reverse(name, args=[world.outlet.pk, "MUG-1"])).status_code == 404
        assert world.client_for(world.outsider).get(reverse(name, args=[world.store.pk, "MUG-1"])).status_code == 404
        assert world.client_for(world.admin).get(reverse(name, args=[other_world.store.pk, "MUG-1"])).status_code == 404
