"""Many failures with a mapped SKU are replayed by a real Celery worker: the run's page polls while it works,
the count only goes up, and it ends with the summary; failures with other SKUs stay as they were."""

from html import unescape

from django.db import connection
from django.urls import reverse

from intake.models import IntakeFailure, ReplayRun
from orders.models import Order
from tests.conftest import build_world
from tests.intake.failure_helpers import failure, mug, sales_channel
from tests.workers import celery_for_this_process, progress_until_done


def test_many_failures_with_a_mapped_sku_are_replayed_by_the_worker(committed_org, monkeypatch):
    monkeypatch.setattr("intake.services.replay.REPLAY_AT_ONCE", 5)
    world = build_world(committed_org)
    mug(world.store, sku="MUG-1", on_hand=1_000)
    market = sales_channel(world.store, name="Market")
    kept = [failure(world.store, channel=market, external_id=f"SBX-{n}", sku="THEIR-MUG") for n in range(30)]
    other = failure(world.store, channel=market, external_id="SBX-CUP", sku="THEIR-CUP")

    with celery_for_this_process() as celery:
        client = world.client_for(world.agent)
        action = reverse("intake_failure_action", args=[world.store.pk, kept[0].pk, "map"])
        client.post(action, {"external_sku": "THEIR-MUG", "sku": "MUG-1"})
        response = client.post(action.replace("/map/", "/replay-sku/"), {"sku": "THEIR-MUG"})
        connection.set_tenant(committed_org)
        run = ReplayRun.objects.get(account=world.store)
        assert response.status_code == 302
        assert response["Location"] == reverse("intake_replay_run", args=[world.store.pk, run.pk])
        assert run.total == 30

        fragment, seen = progress_until_done(celery, client, response["Location"], total=30, timeout=90, every=0.2)

    assert seen == sorted(seen)
    html = unescape(fragment)
    assert "Replayed 30 of 30 failures with THEIR-MUG: 30 became orders, 0 still rejected." in html
    connection.set_tenant(committed_org)
    assert IntakeFailure.objects.filter(pk__in=[f.pk for f in kept], status="replayed").count() == 30
    assert IntakeFailure.objects.get(pk=other.pk).status == "dead"
    assert Order.objects.filter(account=world.store).count() == 30
