"""The manual order form starts with one line row and grows as needed: "Add a line" appends a row (htmx: just
the row, and the form's new row count; without JavaScript: the form comes back with one more empty row, what
was typed kept, nothing created); "Remove" takes a row out; every filled row becomes a line."""

import re
from html import unescape

import pytest
from django.urls import reverse

from intake.forms import MAX_LINES
from orders.models import Order
from tests.intake.failure_helpers import mug
from tests.intake.test_manual_order import form_data


@pytest.fixture
def shop(world):
    for n in range(8):
        mug(world.store, sku=f"MUG-{n}", price="12.00")
    return world


def url(world):
    return reverse("intake_new_order", args=[world.store.pk])


def with_lines(lines, **changes):
    data = form_data(lines=(), **changes)
    for key in [k for k in data if k.startswith("lines-") and k[6].isdigit()]:
        del data[key]
    data["lines-TOTAL_FORMS"] = str(len(lines))
    for index, (sku, quantity) in enumerate(lines):
        data[f"lines-{index}-sku"], data[f"lines-{index}-quantity"] = sku, quantity
    return data


def row_names(html: str) -> list[str]:
    return re.findall(r'name="lines-(\d+)-sku"', html)


def test_more_than_five_lines_make_one_order_with_all_of_them(shop):
    lines = [(f"MUG-{n}", str(n + 1)) for n in range(8)]

    response = shop.client_for(shop.agent).post(url(shop), with_lines(lines))

    assert response.status_code == 302, unescape(response.content.decode())[:3000]
    order = Order.objects.get(account=shop.store)
    assert [(line.sku, line.quantity) for line in order.lines.order_by("position")] == [
        (sku, int(quantity)) for sku, quantity in lines
    ]


def test_add_a_line_without_javascript_posts_back_with_one_more_row(shop):
    data = with_lines([("MUG-1", "2"), ("MUG-2", "1")], add_line="1")

    response = shop.client_for(shop.agent).post(url(shop), data)

    html = response.content.decode()
    assert response.status_code == 200 and row_names(html) == ["0", "1", "2"]
    assert 'value="MUG-2"' in html and 'name="lines-TOTAL_FORMS" value="3"' in html
    assert "errorlist" not in html and not Order.objects.exists()


def test_add_a_line_with_htmx_returns_just_the_new_row_and_the_new_count(shop):
    data = with_lines([("MUG-1", "2")] * 6, add_line="1")

    response = shop.client_for(shop.agent).post(url(shop), data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert row_names(html) == ["6"] and 'data-sku-lookup' in html
    assert re.search(r'<input type="hidden" name="lines-TOTAL_FORMS" value="7" id="id_lines-TOTAL_FORMS" hx-swap-oob="true">', html)
    assert not Order.objects.exists()


def test_no_more_rows_than_the_limit(shop):
    data = with_lines([("", "")] * MAX_LINES, add_line="1")
    client = shop.client_for(shop.agent)

    assert f"At most {MAX_LINES} lines" in client.post(url(shop), data, HTTP_HX_REQUEST="true").content.decode()
    assert len(row_names(client.post(url(shop), data).content.decode())) == MAX_LINES


def test_remove_without_javascript_takes_the_row_out_and_keeps_the_others(shop):
    data = with_lines([("MUG-1", "1"), ("MUG-2", "2"), ("MUG-3", "3")], remove_line="1")

    html = shop.client_for(shop.agent).post(url(shop), data).content.decode()

    assert row_names(html) == ["0", "1"]
    assert re.search(r'name="lines-1-sku" value="MUG-3"', html) and "MUG-2" not in html
    assert not Order.objects.exists()


def test_a_tampered_row_count_is_not_a_crash(shop):
    for total in ("abc", "-1", str(2**63)):
        data = with_lines([("MUG-1", "1")], add_line="1")
        data["lines-TOTAL_FORMS"] = total
        assert shop.client_for(shop.agent).post(url(shop), data).status_code in (200, 400)
