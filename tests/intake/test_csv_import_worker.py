"""An uploaded CSV file is imported by a real Celery worker: the status page polls while it runs, counts go up,
and it ends with the summary."""

from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from intake.models import CsvImport, IntakeFailure
from orders.models import Order
from tests.conftest import build_world
from tests.intake.failure_helpers import mug
from tests.intake.test_csv_import import csv_text, row
from tests.workers import celery_for_this_process, progress_until_done


def test_an_uploaded_file_is_imported_by_the_worker(committed_org):
    world = build_world(committed_org)
    mug(world.store, sku="MUG-1")
    rows = [row(f"W-{i}") for i in range(60)] + [row("W-BAD", "NOT-OURS"), row("W-0")]  # W-0 twice: one order
    text = csv_text(*rows)

    with celery_for_this_process() as celery:
        client = world.client_for(world.agent)
        response = client.post(
            reverse("intake_csv_import", args=[world.store.pk]),
            {"file": SimpleUploadedFile("big.csv", text.encode(), content_type="text/csv")},
        )
        connection.set_tenant(committed_org)
        started = CsvImport.objects.get(account=world.store, filename="big.csv")
        assert response.status_code == 302
        assert response["Location"] == reverse("intake_csv_status", args=[world.store.pk, started.pk])
        assert started.total == 61

        fragment, seen = progress_until_done(celery, client, response["Location"], total=61, timeout=60, every=0.1)

    assert seen == sorted(seen)  # progress only goes up
    connection.set_tenant(committed_org)
    done = CsvImport.objects.get(pk=started.pk)
    assert (done.processed, done.created, done.rejected, done.duplicates) == (61, 60, 1, 0)
    assert Order.objects.filter(account=world.store, external_id__startswith="W-").count() == 60
    failure = IntakeFailure.objects.get(account=world.store, external_id="W-BAD")
    html = unescape(fragment)
    assert "60 orders created, 1 rejected, 0 already imported." in html and "hx-trigger" not in html
    assert reverse("intake_failure", args=[world.store.pk, failure.pk]) in html
    page = client.get(response["Location"]).content.decode()
    assert "Import of big.csv" in page and str(world.agent) in page
