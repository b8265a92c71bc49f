"""CSV export of the order list's filter: every matching row (more than a page), lines mode, the column choice,
dates in the account's timezone, plain decimals, and values a spreadsheet would run kept as text."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from oms.csvexport import csv_safe as safe
from tests.factories import ProductFactory, VariantFactory, make_orders, order_draft

BASE = dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC)


def export_url(world, params) -> str:
    from urllib.parse import urlencode

    return f"{reverse('order_export', args=[world.store.pk])}?{urlencode(params, doseq=True)}"


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def mugs(world):
    product = ProductFactory(account=world.store, name="Mug")
    return [VariantFactory(product=product, sku=f"MUG-{i}", name=f"Mug {i}", price=Decimal("4.25")) for i in range(2)]


@pytest.fixture
def many(world, mugs):
    """130 orders (more than two pages), every other one with a second line, customers A or B."""
    drafts = [
        order_draft(world.store, [(mugs[0], 1 + n % 3)] + ([(mugs[1], 2)] if n % 2 else []),
                    customer_name=f"Customer {'AB'[n % 2]}", created_at=BASE + dt.timedelta(minutes=n))
        for n in range(130)
    ]
    return make_orders(world.store, drafts)


def test_export_has_every_matching_order_not_just_a_page(world, many, monkeypatch):
    import orders.selectors

    monkeypatch.setattr(orders.selectors, "EXPORT_CHUNK", 40)  # several chunks
    rows = rows_of(world.client_for(world.viewer).get(export_url(world, {"columns": ["number", "total"]})))

    assert rows[0] == ["Number", "Total"]
    numbers = [r[0] for r in rows[1:]]
    assert numbers == [o.number for o in sorted(many, key=lambda o: o.created_at, reverse=True)]
    assert len(set(numbers)) == 130


def test_export_follows_the_filters_and_the_sort(world, many):
    rows = rows_of(world.client_for(world.viewer).get(
        export_url(world, {"q": "customer b", "sort": "created", "columns": ["number", "customer_name"]})
    ))

    assert {r[1] for r in rows[1:]} == {"Customer B"} and len(rows) == 66
    assert [r[0] for r in rows[1:]] == [o.number for o in many if o.customer_name == "Customer B"]


def test_one_row_per_line_with_sku_name_quantity_and_prices(world, many, monkeypatch):
    import orders.selectors

    monkeypatch.setattr(orders.selectors, "EXPORT_CHUNK", 40)
    rows = rows_of(world.client_for(world.viewer).get(export_url(world, {"columns": ["number"], "lines": "on"})))

    assert rows[0] == ["Number", "SKU", "Line name", "Quantity", "Unit price", "Line total"]
    assert len(rows) - 1 == sum(o.lines.count() for o in many) == 195
    second = many[1]
    assert [r[1:] for r in rows if r[0] == second.number] == [
        ["MUG-0", "Mug 0", "2", "4.25", "8.50"], ["MUG-1", "Mug 1", "2", "4.25", "8.50"],
    ]


def test_dates_in_the_account_timezone_and_money_as_plain_decimals(world, mugs):
    world.store.timezone = "Asia/Tokyo"
    world.store.save(update_fields=["timezone"])
    make_orders(world.store, [order_draft(world.store, [(mugs[0], 300)], created_at=BASE)])
    rows = rows_of(world.client_for(world.viewer).get(
        export_url(world, {"columns": ["created", "status", "shipped", "items", "ship_to_country", "total"]})
    ))

    assert rows[0] == ["Created", "Status", "Shipped", "Items", "Ship-to country", "Total"]
    created, status, shipped, items, country, total = rows[1]
    assert created == "2025-03-11 08:30:00"  # 23:30 UTC is 08:30 the next day in Tokyo
    assert (status, shipped, items) == ("Open", "No", "300")
    assert country == "United Kingdom" and total == "1275.00"  # no thousands separator, no currency sign


def test_values_that_a_spreadsheet_would_run_are_kept_as_text(world, mugs):
    make_orders(world.store, [
        order_draft(world.store, [(mugs[0], 1)], customer_name=name, customer_email=f"x{i}@example.com",
                    created_at=BASE + dt.timedelta(minutes=i))
        for i, name in enumerate(["=HYPERLINK(\"http://evil\")", "+1 555", "-2+3", "@SUM(A1)", "Plain Name"])
    ])
    rows = rows_of(world.client_for(world.viewer).get(export_url(world, {"columns": ["customer_name"], "sort": "created"})))

    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "'+1 555", "'-2+3", "'@SUM(A1)", "Plain Name"]
    assert safe("\tx") == "'\tx" and safe(Decimal("-1.50")) == Decimal("-1.50") and safe(None) == ""


def test_without_a_column_choice_the_form_is_shown_and_an_empty_choice_is_refused(world, many):
    client = world.client_for(world.viewer)

    form = client.get(export_url(world, {"q": "customer a"}))
    body = form.content.decode()
    assert form.status_code == 200 and "text/html" in form["Content-Type"]
    assert 'name="columns"' in body and 'value="customer a"' in body and 'name="lines"' in body

    refused = client.get(export_url(world, {"export": "1", "columns": ["nonsense"]}))
    assert refused.status_code == 400 and "is not one of the available choices" in refused.content.decode()
    empty = client.get(export_url(world, {"export": "1"}))
    assert empty.status_code == 400 and "Choose at least one column." in empty.content.decode()


def test_the_list_links_to_the_export_of_its_filter(world, many):
    body = world.client_for(world.viewer).get(reverse("order_list", args=[world.store.pk]) + "?q=b&sort=total")
    assert f'href="{reverse("order_export", args=[world.store.pk])}?q=b&amp;sort=total"' in body.content.decode()


def test_another_accounts_orders_are_never_exported(world, other_world):
    from tests.conftest import in_tenant

    in_tenant(world.org)
    outsider = world.client_for(world.viewer)
    assert outsider.get(reverse("order_export", args=[world.outlet.pk]) + "?columns=number").status_code == 404
    assert world.client_for(world.outsider).get(export_url(world, {"columns": ["number"]})).status_code == 404
