"""Real-time inventory push end to end: a real Celery worker and beat, Redis and the sandbox marketplace."""

import os
import signal
import time

import pytest
from django.db import connection

from accounts.services import account_create, warehouse_create
from inventory.models import InventoryPush, PushCircuit
from inventory.push import inventory_push_retry
from inventory.selectors import stock_available_for_channel
from inventory.services import stock_adjust
from tests.channels.conftest import sandbox_channel
from tests.concurrency import run_in_parallel
from tests.factories import ProductFactory, VariantFactory
from tests.inventory.conftest import push_worker, receive, use_broker


@pytest.fixture(autouse=True)
def _restore_broker():
    from oms.celery import app

    before = app.conf.broker_url
    yield
    use_broker(before)


@pytest.fixture
def shop(committed_orgs, django_db_blocker, sandbox):
    """A committed account with MAIN (mapped to the sandbox channel) and EAST (not mapped), one SKU."""
    (org,) = committed_orgs(1)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account, _ = account_create(name="Push Shop", by=None)
        main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        east = warehouse_create(account=account, by=None, name="East", code="EAST")
        variant = VariantFactory(product=ProductFactory(account=account), sku="HOT-1")
        channel = sandbox_channel(account, sandbox, warehouses=[main])
    return type("Shop", (), {"org": org, "account": account, "main": main, "east": east, "variant": variant,
                            "channel": channel})


def _adjust(shop, warehouse, delta):
    return stock_adjust(account=shop.account, warehouse=warehouse, variant=shop.variant, delta=delta, by=None,
                        reason="test")


def _pending(shop):
    connection.set_tenant(shop.org)
    return InventoryPush.objects.filter(channel=shop.channel).exclude(status="delivered").count()


def test_only_mapped_warehouses_stock_is_offered_and_bursts_coalesce_to_the_last_value(
    shop, sandbox, django_db_blocker
):
    with django_db_blocker.unblock(), push_worker() as celery:
        connection.set_tenant(shop.org)
        receive(shop.variant, shop.east, 100)  # unmapped: no push at all
        receive(shop.variant, shop.main, 5)
        celery.wait_for(lambda: sandbox.received("HOT-1"), timeout=15)
        assert [r["quantity"] for r in sandbox.received("HOT-1")] == [5]  # never 105 or 100

        started = time.monotonic()
        results = run_in_parallel(shop.org, [lambda: [_adjust(shop, shop.main, 1) for _ in range(100)]] * 10)
        assert all(kind == "ok" for kind, _ in results), results  # 1,000 changes, each its own commit
        burst_seconds = time.monotonic() - started
        connection.set_tenant(shop.org)
        celery.wait_for(lambda: _pending(shop) == 0 and sandbox.received("HOT-1")[-1]["quantity"] == 1005, timeout=30)
        time.sleep(1)  # nothing stale arrives afterwards
        pushes = sandbox.received("HOT-1")[1:]
        assert pushes[-1]["quantity"] == 1005
        # a handful per second of burst (one per coalescing window), not 1,000
        assert len(pushes) <= 6 * burst_seconds + 5, (len(pushes), burst_seconds)
        assert [p["quantity"] for p in pushes] == sorted(p["quantity"] for p in pushes)


def test_a_sku_the_channel_refuses_is_a_dead_letter_then_a_manual_retry_delivers(shop, sandbox, django_db_blocker):
    sandbox.behave(refuse=["HOT-1"])
    with django_db_blocker.unblock(), push_worker() as celery:
        connection.set_tenant(shop.org)
        receive(shop.variant, shop.main, 7)
        dead = lambda: InventoryPush.objects.filter(channel=shop.channel, status="dead").first()
        push = celery.wait_for(dead, timeout=30)
        assert "HTTP 422" in push.last_error
        assert sandbox.received() == []
        assert not PushCircuit.objects.filter(channel=shop.channel).exclude(state="closed").exists()

        sandbox.behave(refuse=[])
        connection.set_tenant(shop.org)
        inventory_push_retry(account=shop.account, push_id=push.pk)
        celery.wait_for(lambda: sandbox.received("HOT-1"), timeout=15)
        assert sandbox.received("HOT-1")[-1]["quantity"] == 7
        celery.wait_for(lambda: _pending(shop) == 0, timeout=10)


def test_the_sweeper_sends_a_refused_sku_again_later_and_it_arrives_once_the_channel_lists_it(
    shop, sandbox, django_db_blocker
):
    sandbox.behave(refuse=["HOT-1"])
    with django_db_blocker.unblock(), push_worker(env={"INVENTORY_DEAD_LETTER_RETRY_SECONDS": "3"}) as celery:
        connection.set_tenant(shop.org)
        receive(shop.variant, shop.main, 6)
        push = celery.wait_for(lambda: _dead_letter(shop), timeout=20)
        assert push.next_attempt_at is not None
        sandbox.behave(refuse=[])  # the SKU is listed on the marketplace now; nobody presses Retry
        celery.wait_for(lambda: _dead(shop) == 0 and _pending(shop) == 0, timeout=20)
        assert sandbox.stock() == {"HOT-1": 6}


def _dead_letter(shop):
    connection.set_tenant(shop.org)
    return InventoryPush.objects.filter(channel=shop.channel, status="dead").first()


OUTAGE_SETTINGS = {  # the retry budget (push_worker): 2 retries after about 1 and 2 s
    "INVENTORY_CIRCUIT_FAILURES": "3", "INVENTORY_CIRCUIT_PROBE_SECONDS": "1",
    "INVENTORY_CIRCUIT_PROBE_MAX_SECONDS": "2", "INVENTORY_PUSH_BATCH_SIZE": "10",
}


def test_a_channel_outage_longer_than_the_retry_budget_ends_with_every_sku_at_its_true_value_and_no_dead_letter(
    shop, sandbox, django_db_blocker
):
    with django_db_blocker.unblock(), push_worker(env=OUTAGE_SETTINGS) as celery:
        connection.set_tenant(shop.org)
        product = ProductFactory(account=shop.account)
        variants = [shop.variant] + [VariantFactory(product=product, sku=f"OUT-{n:02d}") for n in range(24)]
        for variant in variants:
            receive(variant, shop.main, 10)

        def truth():
            connection.set_tenant(shop.org)
            levels = stock_available_for_channel(channel=shop.channel, variant_ids=[v.pk for v in variants])
            return {v.sku: levels[v.pk] for v in variants}

        celery.wait_for(lambda: _pending(shop) == 0 and sandbox.stock() == truth(), timeout=20)

        sandbox.stop()  # the marketplace is down: connections are refused
        down = time.monotonic()
        for step in range(4):  # changes throughout the outage, each SKU several times
            for n, variant in enumerate(variants):
                _adjust_variant(shop, variant, (n % 5) - 2 + step)
            time.sleep(1.5)
        circuit = celery.wait_for(
            lambda: PushCircuit.objects.filter(channel=shop.channel, state__in=["open", "half_open"]).first(),
            timeout=10,
        )
        assert circuit.failing_since is not None
        time.sleep(max(0.0, down + 9 - time.monotonic()))  # three times the retry budget
        assert _dead(shop) == 0 and _pending(shop) > 0  # the changes wait: no dead letter
        assert PushCircuit.objects.get(channel=shop.channel).probes >= 1  # it was probed, and failed, meanwhile

        sandbox.start()  # back on the same port; nobody presses Retry
        back = time.time()
        celery.wait_for(lambda: _pending(shop) == 0 and sandbox.stock() == truth(), timeout=30)
        time.sleep(1.5)  # nothing stale arrives afterwards
        assert sandbox.stock() == truth()
        assert _dead(shop) == 0
        circuit = PushCircuit.objects.get(channel=shop.channel)
        assert (circuit.state, circuit.failures, circuit.failing_since) == ("closed", 0, None)
        sent = [r for r in sandbox.received() if r["at"] >= back]
        assert len(sent) <= 2 * len(variants), sent  # the current values, not every change that waited


def test_the_sweeper_probes_an_open_channel_whose_probe_message_was_lost(shop, sandbox, django_db_blocker):
    from django.utils import timezone

    with django_db_blocker.unblock():
        connection.set_tenant(shop.org)
        PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now(),
                                   next_attempt_at=timezone.now(), failures=5)
        use_broker("redis://127.0.0.1:1/0")  # nothing is queued: only the database knows
        receive(shop.variant, shop.main, 8)
        assert _pending(shop) == 1
        closed = lambda: PushCircuit.objects.filter(channel=shop.channel, state="closed").exists()  # noqa: E731
        with push_worker(env=OUTAGE_SETTINGS) as celery:
            celery.wait_for(lambda: _pending(shop) == 0 and closed(), timeout=20)
        assert sandbox.stock() == {"HOT-1": 8}


def _adjust_variant(shop, variant, delta):
    return stock_adjust(account=shop.account, warehouse=shop.main, variant=variant, delta=delta or 1, by=None,
                        reason="test")


def _dead(shop):
    connection.set_tenant(shop.org)
    return InventoryPush.objects.filter(channel=shop.channel, status="dead").count()


def test_a_worker_killed_mid_push_or_redis_down_at_commit_loses_nothing(shop, sandbox, django_db_blocker):
    sandbox.behave(delay_ms=4000)
    with django_db_blocker.unblock():
        with push_worker(beat=False) as celery:
            connection.set_tenant(shop.org)
            receive(shop.variant, shop.main, 3)
            in_flight = time.time()
            time.sleep(1.5)  # the push is in flight, waiting on the slow sandbox
            os.killpg(celery.processes["worker"].pid, signal.SIGKILL)
            celery.processes["worker"].wait(timeout=10)
            del celery.processes["worker"]
        assert _pending(shop) == 1
        sandbox.behave(delay_ms=0)

        use_broker("redis://127.0.0.1:1/0")  # Redis unreachable at commit time: the commit still succeeds
        connection.set_tenant(shop.org)
        _adjust(shop, shop.main, 1)
        assert _pending(shop) == 2

        # The killed worker's request is still held by the sandbox, which records it when its 4 s delay ends:
        # let that land first, so only what the restarted worker sends counts as late.
        time.sleep(max(0.0, in_flight + 4.5 - time.time()))
        restarted = time.time()
        with push_worker() as celery:  # a fresh broker (flushed): only the outbox and the sweeper remember
            celery.wait_for(lambda: _pending(shop) == 0, timeout=30)
        late = [r for r in sandbox.received("HOT-1") if r["at"] >= restarted]
        assert late and late[-1]["quantity"] == 4


def test_setting_off_sends_nothing_in_real_time_and_the_sync_job_sends_a_snapshot(shop, sandbox, django_db_blocker):
    with django_db_blocker.unblock(), push_worker() as celery:
        connection.set_tenant(shop.org)
        shop.account.inventory_realtime_updates = False
        shop.account.save(update_fields=["inventory_realtime_updates"])
        receive(shop.variant, shop.main, 9)
        receive(shop.variant, shop.east, 50)
        time.sleep(2)
        assert sandbox.received() == [] and InventoryPush.objects.count() == 0

        celery.enqueue("inventory.tasks.inventory_sync_all_task", schema="public")
        celery.wait_for(lambda: sandbox.received("HOT-1"), timeout=15)
        assert [r["quantity"] for r in sandbox.received("HOT-1")] == [9]
