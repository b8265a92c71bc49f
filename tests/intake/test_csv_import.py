"""CSV order import: rows grouped into orders by external_id; good orders created, bad ones kept as failures
with their reasons, repeats skipped; a wrong header refuses the whole file at upload, a good file is stored
and imported in the background (csv_import_run, the task's body here; tests/intake/test_csv_import_worker.py
runs a real worker) while its page shows the progress, then the summary."""

from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from intake.csv_import import (
    COLUMNS,
    csv_import_request,
    csv_import_run,
    orders_import_csv,
)
from intake.models import CsvImport, IntakeFailure, Source
from oms.exceptions import DomainError
from orders.models import Order
from orders.models import MAX_LINE_QUANTITY
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
        (HEADER.replace(",sku,", ",item,"), "missing column sku; unknown column item"),
        (HEADER.replace("carrier_code,service_code", "carrier_code"), "missing column service_code"),
        (HEADER + ",sku", "repeated column sku"),
        ("", "The file is empty"),
    ],
)
def test_a_wrong_header_refuses_the_whole_file(world, skus, header, message):
    text = "\n".join([header, row("CSV-1")]) if header else ""

    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        orders_import_csv(account=world.store, text=text)

    assert not Order.objects.exists() and not IntakeFailure.objects.exists()


def test_a_viewer_cannot_import_but_sees_an_import(world):
    viewer = world.client_for(world.viewer)
    assert viewer.get(reverse("intake_csv_import", args=[world.store.pk])).status_code == 403
    started = csv_import_request(account=world.store, text=csv_text(row("V-1")), filename="v.csv", by=world.agent)
    assert viewer.get(status_url(world.store, started)).status_code == 200


# In the background -----------------------------------------------------------------------------------------


def status_url(account, csv_import):
    return reverse("intake_csv_status", args=[account.pk, csv_import.pk])


def upload(client, account, content: bytes | str, name="orders.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("intake_csv_import", args=[account.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (HEADER.replace(",sku,", ",item,") + "\n" + row("CSV-1"), "missing column sku; unknown column item"),
        ("", "The file is empty"),
        (HEADER + "\n", "The file has a header but no rows."),
        (csv_text(*[row(f"M-{i}") for i in range(3)]), "at most 2 rows a file"),
    ],
)
def test_a_wrong_file_is_refused_at_once_and_nothing_is_stored(world, skus, monkeypatch, text, message,
                                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr("intake.csv_import.MAX_ROWS", 2)

    with django_capture_on_commit_callbacks() as queued, pytest.raises(DomainError) as refused:
        csv_import_request(account=world.store, text=text, filename="bad.csv", by=world.agent)

    assert message in refused.value.message
    assert not queued and not CsvImport.objects.exists()
    assert not Order.objects.exists() and not IntakeFailure.objects.exists()


def test_a_good_file_is_stored_queued_and_its_task_sent_after_commit(world, skus, django_capture_on_commit_callbacks):
    text = csv_text(row("Q-1"), row("Q-2", "TEE-M"), row("Q-1", "TEE-M"), row("", "MUG-1"))

    with django_capture_on_commit_callbacks() as queued:
        started = csv_import_request(account=world.store, text=text, filename="week.csv", by=world.agent)

    stored = CsvImport.objects.get()
    assert stored == started and stored.status == CsvImport.Status.QUEUED
    assert (stored.account, stored.uploaded_by, stored.filename, stored.content) == (
        world.store, world.agent, "week.csv", text)
    assert (stored.total, stored.processed) == (3, 0)  # Q-1 (two rows), Q-2 and the row without an id
    assert len(queued) == 1 and not Order.objects.exists()  # nothing imported until the worker runs it


def test_the_run_imports_the_orders_once(world, skus, monkeypatch):
    monkeypatch.setattr("intake.csv_import.PROGRESS_EVERY", 1)
    orders_import_csv(account=world.store, text=csv_text(row("RUN-0")))
    text = csv_text(row("RUN-1"), row("RUN-BAD", "NOT-OURS"), row("RUN-0"), row("RUN-1", "TEE-M", "2"))
    started = csv_import_request(account=world.store, text=text, filename="run.csv", by=world.agent)

    done = csv_import_run(import_id=started.pk)

    assert done.status == CsvImport.Status.DONE and done.started_at and done.finished_at and not done.error
    assert (done.total, done.processed, done.created, done.rejected, done.duplicates) == (3, 3, 1, 1, 1)
    created, kept = Order.objects.get(external_id="RUN-1"), IntakeFailure.objects.get(external_id="RUN-BAD")
    assert created.lines.count() == 2
    assert done.result == {
        "created": [created.number],
        "rejected": [{"external_id": "RUN-BAD", "rows": [3], "failure_id": kept.pk, "reasons": [r["message"] for r in kept.reasons]}],
        "duplicates": [Order.objects.get(external_id="RUN-0").number],
    }
    assert kept.source == Source.CSV

    again = csv_import_run(import_id=started.pk)  # a redelivered task
    assert again.status == CsvImport.Status.DONE and again.result == done.result
    assert Order.objects.count() == 2 and IntakeFailure.objects.count() == 1


def test_a_run_left_by_a_dead_worker_is_taken_over_after_the_last_stored_order(world, skus):
    text = csv_text(row("D-1"), row("D-2"), row("D-3"))
    started = csv_import_request(account=world.store, text=text, filename="dead.csv", by=world.agent)
    first = orders_import_csv(account=world.store, text=csv_text(row("D-1")))  # what the dead run stored
    CsvImport.objects.filter(pk=started.pk).update(
        status=CsvImport.Status.RUNNING, processed=1, created=1, result={"created": [first.created[0].number]},
        updated_at=timezone.now() - timedelta(minutes=5),
    )

    assert csv_import_run(import_id=started.pk).status == CsvImport.Status.RUNNING  # still alive: left alone
    assert not Order.objects.filter(external_id__in=["D-2", "D-3"]).exists()

    CsvImport.objects.filter(pk=started.pk).update(updated_at=timezone.now() - timedelta(minutes=16))
    done = csv_import_run(import_id=started.pk)

    assert done.status == CsvImport.Status.DONE
    assert (done.processed, done.created, done.duplicates) == (3, 3, 0)
    assert done.result["created"] == list(
        Order.objects.filter(external_id__startswith="D-").order_by("external_id").values_list("number", flat=True))


def test_an_error_in_the_run_fails_the_import_and_keeps_what_was_imported(world, skus, monkeypatch):
    from intake import csv_import as module

    real, calls = module.intake_submit, []

    def breaks_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(module, "intake_submit", breaks_on_second)
    started = csv_import_request(account=world.store, text=csv_text(row("E-1"), row("E-2")), filename="e.csv", by=None)

    failed = csv_import_run(import_id=started.pk)

    assert failed.status == CsvImport.Status.FAILED and "database went away" in failed.error
    assert (failed.processed, failed.created) == (1, 1) and Order.objects.filter(external_id="E-1").exists()
    html = world.client_for(world.agent).get(status_url(world.store, failed)).content.decode()
    assert "The import stopped after 1 of 2 orders: RuntimeError: database went away" in html


def test_the_upload_goes_to_a_page_with_the_progress_then_the_summary(world, skus):
    client = world.client_for(world.agent)
    orders_import_csv(account=world.store, text=csv_text(row("UP-0")))

    response = upload(client, world.store, csv_text(row("UP-1"), row("UP-BAD", "NOT-OURS"), row("UP-0")), "mine.csv")

    started = CsvImport.objects.get(filename="mine.csv")
    assert response.status_code == 302 and response["Location"] == status_url(world.store, started)
    page = client.get(response["Location"]).content.decode()
    assert "Import of mine.csv" in page and str(world.agent) in page
    assert '<progress max="3" value="0"' in page and "0 of 3 orders" in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="csv-progress"') and "<html" not in fragment

    CsvImport.objects.filter(pk=started.pk).update(status=CsvImport.Status.RUNNING, processed=2, created=1)
    running = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="3" value="2"' in running and 'hx-trigger="every 1s"' in running
    CsvImport.objects.filter(pk=started.pk).update(status=CsvImport.Status.QUEUED, processed=0, created=0)

    csv_import_run(import_id=started.pk)
    html = unescape(client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode())
    assert "1 order created, 1 rejected, 1 already imported." in html and 'hx-trigger' not in html
    order = Order.objects.get(external_id="UP-1")
    assert reverse("order_detail", args=[world.store.pk, order.number]) in html
    failure = IntakeFailure.objects.get(external_id="UP-BAD")
    assert reverse("intake_failure", args=[world.store.pk, failure.pk]) in html
    assert "SKU “NOT-OURS” is not a product" in html and "row 3" in html
    duplicate = Order.objects.get(external_id="UP-0")
    assert reverse("order_detail", args=[world.store.pk, duplicate.number]) in html


def test_a_wrong_upload_is_refused_with_the_reason(world, skus, monkeypatch):
    client = world.client_for(world.agent)

    refused = upload(client, world.store, HEADER.replace("quantity", "qty") + "\n" + row("UP-2") + "\n")
    assert refused.status_code == 400
    assert "Nothing was imported: the header has missing column quantity; unknown column qty." in unescape(
        refused.content.decode())
    not_text = upload(client, world.store, b"\xff\xfe\x00bad")
    assert not_text.status_code == 400 and "not UTF-8" in not_text.content.decode()
    monkeypatch.setattr("intake.forms.CSV_MAX_BYTES", 1000)
    too_big = upload(client, world.store, csv_text(*[row(f"BIG-{i}") for i in range(20)]))
    assert too_big.status_code == 400
    assert "Nothing was imported: the file is larger than 5 MB" in unescape(too_big.content.decode())
    assert not CsvImport.objects.exists() and not Order.objects.exists()


def test_the_upload_size_cap_is_5_mb(world):
    from intake.forms import CsvUploadForm

    def form(size):
        return CsvUploadForm({}, {"file": SimpleUploadedFile("f.csv", b"x" * size, content_type="text/csv")})

    assert form(5 * 1024 * 1024).is_valid()
    big = form(5 * 1024 * 1024 + 1)
    assert not big.is_valid() and "larger than 5 MB" in big.errors["file"][0]


def test_another_accounts_import_is_not_found(world, skus):
    theirs = csv_import_request(account=world.outlet, text=csv_text(row("O-1")), filename="o.csv", by=None)
    agent, admin = world.client_for(world.agent), world.client_for(world.admin)

    assert admin.get(status_url(world.outlet, theirs)).status_code == 200
    assert admin.get(reverse("intake_csv_status", args=[world.store.pk, theirs.pk])).status_code == 404
    assert agent.get(reverse("intake_csv_status", args=[world.store.pk, theirs.pk])).status_code == 404
    assert agent.get(status_url(world.outlet, theirs)).status_code == 404  # not one of the agent's accounts
    assert agent.get(reverse("intake_csv_status", args=[world.store.pk, 999999])).status_code == 404


def test_the_intake_page_lists_the_last_five_imports(world, skus):
    client = world.client_for(world.agent)
    for i in range(6):
        csv_import_request(account=world.store, text=csv_text(row(f"L-{i}")), filename=f"file-{i}.csv", by=world.agent)
    done = CsvImport.objects.get(filename="file-5.csv")
    csv_import_run(import_id=done.pk)
    csv_import_request(account=world.outlet, text=csv_text(row("X-1")), filename="outlet.csv", by=None)

    recent = reverse("intake_csv_imports", args=[world.store.pk])

    page = client.get(reverse("intake_page", args=[world.store.pk])).content.decode()
    html = client.get(recent, HTTP_HX_REQUEST="true").content.decode()  # what the page loads into itself

    assert f'hx-get="{recent}" hx-trigger="load"' in page and f'href="{recent}"' in page
    assert "<html" not in html and [f"file-{i}.csv" in html for i in range(6)] == [False, True, True, True, True, True]
    assert "outlet.csv" not in html and status_url(world.store, done) in html
    assert html.count(">Queued<") == 4 and html.count(">Done<") == 1
    every = world.client_for(world.viewer).get(recent).content.decode()  # the page, without JavaScript
    assert "<html" in every and all(f"file-{i}.csv" in every for i in range(6))
