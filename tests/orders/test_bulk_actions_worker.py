"""A bulk hold of more orders than run at once is done by a real Celery worker: the status page polls while it
runs (with a plain refresh link), progress only goes up, and it ends with the summary."""

from html import unescape

from django.db import connection
from django.urls import reverse

from orders.models import BulkAction, Order
from orders.services.bulk import BULK_BACKGROUND_THRESHOLD
from tests.conftest import build_world
from tests.factories import VariantFactory, make_orders, order_draft, stock
from tests.workers import celery_for_this_process, progress_until_done


def test_a_large_bulk_hold_runs_in_the_worker_with_progress(committed_org):
    world = build_world(committed_org)
    variant = VariantFactory(account=world.store, sku="BULK-1")
    stock(variant, world.store.default_warehouse, 1000)
    count = BULK_BACKGROUND_THRESHOLD + 40
    orders = make_orders(
        world.store,
        [order_draft(world.store, [(variant, 1)], warehouse=world.store.default_warehouse) for _ in range(count)],
    )
    Order.objects.filter(pk=orders[0].pk).update(status=Order.Status.SHIPPED)  # one refusal in the lot

    with celery_for_this_process() as celery:
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
        fragment, seen = progress_until_done(celery, client, response["Location"], total=count, timeout=120, every=0.2)

    assert seen == sorted(seen)
    connection.set_tenant(committed_org)
    done = BulkAction.objects.get(pk=bulk.pk)
    assert (done.status, done.processed, done.done, len(done.refused)) == ("done", count, count - 1, 1)
    assert Order.objects.filter(account=world.store, status=Order.Status.ON_HOLD).count() == count - 1
    html = unescape(fragment)
    assert f"Put on hold: {count - 1} orders done, 1 refused." in html and "hx-trigger" not in html
    assert f"{orders[0].number} has shipped: it can no longer be put on hold." in html
