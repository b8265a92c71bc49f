"""CSV order import: rows grouped into orders by external_id; good orders created, bad ones kept as failures
with their reasons, repeats skipped; a wrong header refuses the whole file."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake.csv_import import COLUMNS, orders_import_csv
from intake.models import IntakeFailure, Source
from oms.exceptions import DomainError
from orders.models import Order
from orders.services.clone import MAX_LINE_QUANTITY
from tests.intake.failure_helpers import mug

HEADER = ",".join(COLUMNS)


def row(external_id, sku="MUG-1", quantity="1", unit_price="", **changes):
    values = {
        "external_id": external_id, "order_date": "2026-11-20", "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com", "customer_phone": "", "ship_name": "Ada Lovelace",
        "ship_line1": "1 Analytical St", "ship_line2": "", "ship_city": "Boston", "ship_region": "MA",
        "ship_postal_code": "02110", "ship_country": "US", "sku": sku, "quantity": quantity,
        "unit_price": unit_price, "carrier_code": "UPS", "service_code": "GROUND",
    }
    values.update(changes)
    return ",".join(f'"{values[c]}"' if "," in values[c] else values[c] for c in COLUMNS)


def csv_text(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def skus(world):
    return mug(world.store, sku="MUG-1", price="12.00"), mug(world.store, sku="TEE-M", price="20.00")


def test_a_good_file_makes_one_order_per_external_id(world, skus):
    text = csv_text(
        row("CSV-1", "MUG-1", "2", "9.50"),
        row("CSV-2", "TEE-M", "1", ship_line2="Flat 2, rear"),
        row("CSV-1", "TEE-M", "3"),  # the same order, further down the file
    )

    result = orders_import_csv(account=world.store, text=text, by=world.agent)

    assert (len(result.created), len(result.rejected), len(result.duplicates)) == (2, 0, 0)
    first, second = sorted(result.created, key=lambda o: o.external_id)
    assert [(l.sku, l.quantity, l.unit_price) for l in first.lines.order_by("sku")] == [
        ("MUG-1", 2, 9.50), ("TEE-M", 3, 20)]
    assert first.source == Order.Source.IMPORT and str(first.order_date) == "2026-11-20"
    assert second.shipping_line2 == "Flat 2, rear" and second.customer_email == "ada@example.com"

    again = orders_import_csv(account=world.store, text=text)
    assert (len(again.created), len(again.duplicates)) == (0, 2)
    assert Order.objects.filter(account=world.store).count() == 2


def test_a_mixed_file_creates_the_good_orders_and_keeps_the_bad_ones_with_their_reasons(world, skus):
    text = csv_text(
        row("GOOD-1"),
        row("BAD-1", "NOT-OURS", "2", "5.00"),
        row("BAD-1", "MUG-1", "zero"),
        row("BAD-2", ship_country="", ship_city=""),
        row("GOOD-2", "TEE-M", "4"),
    )

    result = orders_import_csv(account=world.store, text=text)

    assert sorted(o.external_id for o in result.created) == ["GOOD-1", "GOOD-2"]
    rejected = {r.external_id: r for r in result.rejected}
    assert list(rejected) == ["BAD-1", "BAD-2"]
    assert rejected["BAD-1"].rows == [3, 4]
    assert rejected["BAD-1"].reasons == [
        "Line 1: SKU “NOT-OURS” is not a product of Acme Corporation Store. Map it to one of its SKUs or add the product.",
        f"Line 2: quantity “zero” is not a whole number from 1 to {MAX_LINE_QUANTITY:,}.",
    ]
    assert {"The shipping address has no city.", "The shipping address has no country."} <= set(rejected["BAD-2"].reasons)
    kept = IntakeFailure.objects.get(external_id="BAD-1")
    assert (kept.source, kept.status, kept.payload_format, kept.line_count) == (
        Source.CSV, IntakeFailure.Status.DEAD, "oms", 2)
    assert [line["sku"] for line in kept.payload["lines"]] == ["NOT-OURS", "MUG-1"]


@pytest.mark.parametrize(
    "header, message",
    [
        (HEADER.replace(",sku,", ",item,"), "missing column(s) sku; unknown column(s) item"),
        (HEADER.replace("carrier_code,service_code", "carrier_code"), "missing column(s) service_code"),
        (HEADER + ",sku", "repeated column(s) sku"),
        ("", "The file is empty"),
    ],
)
def test_a_wrong_header_refuses_the_whole_file(world, skus, header, message):
    text = "\n".join([header, row("CSV-1")]) if header else ""

    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        orders_import_csv(account=world.store, text=text)

    assert not Order.objects.exists() and not IntakeFailure.objects.exists()


def test_the_upload_page_reports_created_rejected_and_duplicates(world, skus):
    client = world.client_for(world.agent)
    url = reverse("intake_csv_import", args=[world.store.pk])
    text = csv_text(row("UP-1"), row("UP-BAD", "NOT-OURS"))
    orders_import_csv(account=world.store, text=csv_text(row("UP-0")))

    def upload(content: str, name="orders.csv"):
        return client.post(url, {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")})

    response = upload(text + row("UP-0") + "\n")
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "1 order(s) created, 1 rejected, 1 already imported." in html
    order = Order.objects.get(external_id="UP-1")
    assert reverse("order_detail", args=[world.store.pk, order.number]) in html
    failure = IntakeFailure.objects.get(external_id="UP-BAD")
    assert reverse("intake_failure", args=[world.store.pk, failure.pk]) in html
    assert "SKU “NOT-OURS” is not a product" in html

    refused = upload(HEADER.replace("quantity", "qty") + "\n" + row("UP-2") + "\n")
    assert refused.status_code == 400
    assert "Nothing was imported: the header has missing column(s) quantity; unknown column(s) qty." in unescape(
        refused.content.decode())
    not_text = client.post(url, {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad", content_type="text/csv")})
    assert not_text.status_code == 400 and "not UTF-8" in not_text.content.decode()
    assert not Order.objects.filter(external_id="UP-2").exists()


def test_a_viewer_cannot_import(world):
    response = world.client_for(world.viewer).get(reverse("intake_csv_import", args=[world.store.pk]))
    assert response.status_code == 403
