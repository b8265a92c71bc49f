"""A burst of webhook deliveries drained by a real worker that is killed (SIGKILL) mid-drain and restarted: every
delivery ends as exactly one order, none lost and none made twice (SKIP LOCKED claims, rows marked done in the
same transaction as their orders, the beat sweeper re-queueing the drain whose trigger died with the worker)."""

import os
import signal
from collections import Counter

from django.db import connection

from intake.models import WebhookDelivery
from orders.models import Order
from tests.conftest import build_world
from tests.intake.failure_helpers import mug
from tests.intake.webhook_helpers import deliver, shop_channel, shopify_order
from tests.workers import celery_processes, use_broker, worker_broker_url

DELIVERIES = 240


def test_a_burst_drained_by_a_worker_killed_mid_drain_ends_with_one_order_per_delivery(
    committed_org, django_db_blocker
):
    from django.test import Client

    from oms.celery import app

    with django_db_blocker.unblock():
        world = build_world(committed_org)
        mug(world.store, sku="MUG-BLUE", on_hand=100_000)
        channel = shop_channel(world.store)
    before = app.conf.broker_url
    use_broker(worker_broker_url())
    client = Client(HTTP_HOST=f"{committed_org.schema_name}.localhost")
    try:
        with django_db_blocker.unblock():  # the burst, waiting in the inbox (its drain triggers are flushed below)
            for n in range(DELIVERIES - 1):
                response = deliver(committed_org, channel, shopify_order(70_000 + n), webhook_id=f"burst-{n}", client=client)
                assert response.status_code == 200, response.content
        # Small batches, so the kill lands between and inside them.
        with celery_processes(env={"WEBHOOK_DRAIN_BATCH": "4"}) as celery, django_db_blocker.unblock():
            # The last delivery of the burst triggers the drain; two come again (a channel's retry): nothing added.
            last = DELIVERIES - 1
            response = deliver(committed_org, channel, shopify_order(70_000 + last), webhook_id=f"burst-{last}", client=client)
            assert response.json()["code"] == "received"
            for n in (0, last):
                again = deliver(committed_org, channel, shopify_order(70_000 + n), webhook_id=f"burst-{n}", client=client)
                assert again.json()["code"] == "duplicate"
            connection.set_tenant(committed_org)

            def done() -> int:
                return WebhookDelivery.objects.filter(channel=channel, processed_at__isnull=False).count()

            celery.wait_for(lambda: done() >= 12, timeout=60, every=0.05)
            worker = celery.processes["worker"]
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
            at_kill = done()
        assert 0 < at_kill < DELIVERIES, at_kill  # killed mid-drain

        with django_db_blocker.unblock():
            connection.set_tenant(committed_org)
            assert Order.objects.filter(channel=channel).count() == at_kill  # marked rows and orders, together
        # The restarted worker's trigger is gone with the old broker messages: the beat sweeper finds the backlog.
        with celery_processes(
            beat=True, env={"WEBHOOK_SWEEP_SECONDS": "1"}, django_db_blocker=django_db_blocker
        ) as celery, django_db_blocker.unblock():
            connection.set_tenant(committed_org)
            celery.wait_for(
                lambda: not WebhookDelivery.objects.filter(channel=channel, processed_at__isnull=True).exists(),
                timeout=90,
            )
    finally:
        use_broker(before)

    with django_db_blocker.unblock():
        connection.set_tenant(committed_org)
        ids = Counter(Order.objects.filter(channel=channel).values_list("external_id", flat=True))
        deliveries = list(WebhookDelivery.objects.filter(channel=channel).values_list("outcome", "order__external_id"))
        connection.set_schema_to_public()
    assert len(ids) == DELIVERIES and set(ids.values()) == {1}
    assert set(ids) == {str(70_000 + n) for n in range(DELIVERIES)}
    assert len(deliveries) == DELIVERIES
    assert {outcome for outcome, _ in deliveries} == {"created"}
    assert sorted(external_id for _, external_id in deliveries) == sorted(ids)
