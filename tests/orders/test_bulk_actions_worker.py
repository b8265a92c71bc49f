"""A bulk hold of more orders than run at once is done by a real Celery worker: the status page polls while it
runs (with a plain refresh link), progress only goes up, and it ends with the summary."""

import re
from html import unescape

from django.db import connection
from django.urls import reverse

from orders.models import BulkAction, Order
from orders.services.bulk import BULK_BACKGROUND_THRESHOLD
from tests.conftest import build_world
from tests.factories import VariantFactory, make_orders, order_draft, stock
from tests.workers import celery_processes, use_broker, worker_broker_url


def test_a_large_bulk_hold_runs_in_the_worker_with_progress(committed_org):
    from oms.celery import app

    world = build_world(committed_org)
    variant = VariantFactory(account=world.store, sku="BULK-1")
    stock(variant, world.store.default_warehouse, 1000)
    count = BULK_BACKGROUND_THRESHOLD + 40
    orders = make_orders(
        world.store,
        [order_draft(world.store, [(variant, 1)], warehouse=world.store.default_warehouse) for _ in range(count)],
    )
    Order.objects.filter(pk=orders[0].pk).update(status=Order.Status.SHIPPED)  # one refusal in the lot

    before = app.conf.broker_url
    use_broker(worker_broker_url())
    try:
        with celery_processes() as celery:
            client = world.client_for(world.agent)
            response = client.post(
                reverse("order_bulk", args=[world.store.pk]),
                {"action": "hold", "reason": "inventory count", "all_matching": "yes", "filter": ""},
            )
            connection.set_tenant(committed_org)
            bulk = BulkAction.objects.get(account=world.store)
            assert response.status_code == 302
            assert response["Location"] == reverse("order_bulk_status", args=[world.store.pk, bulk.pk])
            assert bulk.total == count

            page = client.get(response["Location"]).content.decode()
            assert 'id="bulk-refresh"' in page or 'data-status="done"' in page  # works without JavaScript too
            seen = []

            def finished():
                fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
                status = re.search(r'data-status="(\w+)"', fragment).group(1)
                if status in ("queued", "running"):
                    assert 'hx-trigger="every 1s"' in fragment
                    seen.append(int(re.search(rf'<progress max="{count}" value="(\d+)"', fragment).group(1)))
                return status == "done" and fragment

            fragment = celery.wait_for(finished, timeout=120, every=0.2)
    finally:
        use_broker(before)

    assert seen == sorted(seen)
    connection.set_tenant(committed_org)
    done = BulkAction.objects.get(pk=bulk.pk)
    assert (done.status, done.processed, done.done, len(done.refused)) == ("done", count, count - 1, 1)
    assert Order.objects.filter(account=world.store, status=Order.Status.ON_HOLD).count() == count - 1
    html = unescape(fragment)
    assert f"Put on hold: {count - 1} orders done, 1 refused." in html and "hx-trigger" not in html
    assert f"{orders[0].number} has shipped: it can no longer be put on hold." in html
