"""The CSV import asks only for the columns an order needs; a template (every column, one example row) is linked
from the import page and imports as it is."""

import csv
import io
from html import unescape

import pytest
from django.urls import reverse

from intake.csv_import import REQUIRED_COLUMNS, csv_template, orders_import_csv
from intake.models import IntakeFailure
from oms.exceptions import DomainError
from orders.models import Order, ShippingMethod
from tests.intake.failure_helpers import mug


@pytest.fixture
def shop(world):
    mug(world.store, sku="MUG-1")
    ShippingMethod.objects.create(account=world.store, code="GROUND", name="Ground", price="4.00",
                                  carrier_code="UPS", service_code="GROUND")
    return world


def template_url(world):
    return reverse("intake_csv_template", args=[world.store.pk])


def test_the_import_page_links_the_template_and_says_which_columns_are_required(shop):
    page = unescape(shop.client_for(shop.agent).get(reverse("intake_csv_import", args=[shop.store.pk])).content.decode())

    assert f'href="{template_url(shop)}"' in page and "Download a template" in page
    assert "<td><code>quantity</code></td><td>Required</td>" in page
    assert "<td><code>order_date</code></td><td>Optional</td>" in page


def test_the_template_downloads_and_its_example_row_imports(shop):
    response = shop.client_for(shop.agent).get(template_url(shop))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    header, example = list(csv.reader(io.StringIO(text)))
    assert set(REQUIRED_COLUMNS) <= set(header) and example[header.index("sku")] == "MUG-1"

    result = orders_import_csv(account=shop.store, text=text, by=shop.agent)

    assert len(result.created) == 1 and not result.rejected, [r.reasons for r in result.rejected]
    order = result.created[0]
    assert (order.external_id, order.order_date) == ("EXAMPLE-1", shop.store.today())


def test_a_viewer_cannot_download_the_template(shop):
    assert shop.client_for(shop.viewer).get(template_url(shop)).status_code == 403


def test_a_file_with_only_the_required_columns_imports_dated_today(shop):
    text = ",".join(REQUIRED_COLUMNS) + "\n" + "MIN-1,MUG-1,2,Ada Lovelace,1 Analytical St,Boston,02110,US\n"

    result = orders_import_csv(account=shop.store, text=text, by=shop.agent)

    assert len(result.created) == 1, [r.reasons for r in result.rejected]
    order = result.created[0]
    assert order.order_date == shop.store.today() and order.customer_name in ("", "Ada Lovelace")
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG-1", 2)]


def test_a_missing_required_column_is_refused_with_one_message_naming_it(shop):
    columns = [c for c in REQUIRED_COLUMNS if c != "quantity"]
    text = ",".join(columns) + "\n" + "MIN-2,MUG-1,Ada Lovelace,1 Analytical St,Boston,02110,US\n"

    with pytest.raises(DomainError) as refused:
        orders_import_csv(account=shop.store, text=text)

    assert refused.value.message.startswith("Nothing was imported: the header has missing column quantity.")
    assert not Order.objects.exists() and not IntakeFailure.objects.exists()


def test_an_unknown_column_is_refused_rather_than_its_data_lost(shop):
    text = ",".join([*REQUIRED_COLUMNS, "order_dat"]) + "\n" + "MIN-3,MUG-1,1,Ada,1 St,Boston,02110,US,2026-01-01\n"

    with pytest.raises(DomainError, match=r"unknown column order_dat"):
        orders_import_csv(account=shop.store, text=text)


def test_the_template_without_skus_says_where_the_sku_goes(world):
    header, example = list(csv.reader(io.StringIO(csv_template(account=world.store))))
    assert example[header.index("sku")] == "YOUR-SKU"
