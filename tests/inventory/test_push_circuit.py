"""The per-channel push circuit: failures of the channel open it, changes wait while it is open, a probe with
backoff closes it and sends every waiting SKU at its current level; a refused SKU is a dead letter on its own.

The services are called directly against the sandbox here; test_push_worker.py runs the same with a real worker.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import ActivityLog
from channels.connectors import ConnectorError
from inventory.models import InventoryPush, PushCircuit
from inventory.circuit import push_circuit_failure, push_circuit_probe
from inventory.push import inventory_push_send
from inventory.selectors import stock_available_for_channel
from tests.channels.conftest import sandbox_channel
from tests.concurrency import run_in_parallel
from tests.factories import VariantFactory
from tests.inventory.conftest import receive


@pytest.fixture
def circuit_settings(settings):
    settings.INVENTORY_CIRCUIT_FAILURES = 3
    settings.INVENTORY_CIRCUIT_PROBE_SECONDS = 10
    settings.INVENTORY_CIRCUIT_PROBE_MAX_SECONDS = 60
    settings.INVENTORY_PUSH_BATCH_SIZE = 3
    return settings


@pytest.fixture
def shop(world, sandbox, circuit_settings):
    warehouse = world.store.default_warehouse
    channel = sandbox_channel(world.store, sandbox, warehouses=[warehouse])
    variants = [VariantFactory(product__account=world.store, sku=f"CIR-{n}") for n in range(7)]
    return type("Shop", (), {"account": world.store, "warehouse": warehouse, "channel": channel, "variants": variants})


def _fail(shop, variant, sandbox):
    """One push while the sandbox is down, as the task does it: the error counts on the circuit."""
    with pytest.raises(ConnectorError) as caught:
        inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk)
    assert not caught.value.refused
    return push_circuit_failure(channel_id=shop.channel.pk, error=caught.value.message)


def _circuit(shop) -> PushCircuit:
    return PushCircuit.objects.get(channel=shop.channel)


def _statuses(shop) -> set[str]:
    return set(InventoryPush.objects.filter(channel=shop.channel).values_list("status", flat=True))


def _due(shop) -> None:
    PushCircuit.objects.filter(channel=shop.channel).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_failures_of_the_channel_in_a_row_open_its_circuit_and_a_success_in_between_resets_the_count(shop, sandbox):
    first, second = shop.variants[:2]
    receive(first, shop.warehouse, 5)
    receive(second, shop.warehouse, 6)
    sandbox.behave(fail=2)
    assert _fail(shop, first, sandbox) is False
    assert _fail(shop, first, sandbox) is False
    assert _circuit(shop).failures == 2
    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=first.pk) == 5  # the channel answers again
    assert _circuit(shop).failures == 0 and _circuit(shop).state == "closed"

    sandbox.stop()
    receive(first, shop.warehouse, 1)
    assert [_fail(shop, v, sandbox) for v in (first, second, first)] == [False, False, True]
    circuit = _circuit(shop)
    assert circuit.state == "open" and circuit.failing_since is not None and "cannot reach" in circuit.last_error
    assert 5 <= (circuit.next_attempt_at - circuit.failing_since).total_seconds() <= 10
    assert _statuses(shop) == {"delivered", "pending"}  # waiting, not dead
    log = ActivityLog.objects.get(account=shop.account, action="channel.stock_pushes_paused")
    assert shop.channel.name in log.summary


def test_while_the_circuit_is_open_nothing_is_sent_and_the_changes_wait(shop, sandbox):
    variant = shop.variants[0]
    receive(variant, shop.warehouse, 4)
    PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now(),
                               next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk) is None
    assert sandbox.received() == []
    assert _statuses(shop) == {"pending"}


def test_a_failed_probe_backs_off_exponentially_with_jitter_up_to_the_cap(shop, sandbox):
    receive(shop.variants[0], shop.warehouse, 2)
    sandbox.stop()
    PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now())
    delays = []
    for _ in range(5):
        _due(shop)
        before = timezone.now()
        assert push_circuit_probe(channel_id=shop.channel.pk) == "open"
        circuit = _circuit(shop)
        delays.append((circuit.probes, (circuit.next_attempt_at - before).total_seconds()))
    # 10 s doubled per failed probe (20, 40, then the 60 s cap), each jittered down to no less than half
    for probes, delay in delays:
        ceiling = min(60, 10 * 2**probes)
        assert ceiling / 2 - 0.5 <= delay <= ceiling + 0.5, delays
    assert [p for p, _ in delays] == [1, 2, 3, 4, 5]
    assert _statuses(shop) == {"pending"}


def test_a_probe_not_due_or_already_being_made_does_nothing(shop, sandbox):
    receive(shop.variants[0], shop.warehouse, 2)
    later = timezone.now() + timedelta(minutes=1)
    PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now(), next_attempt_at=later)
    assert push_circuit_probe(channel_id=shop.channel.pk) is None
    PushCircuit.objects.filter(channel=shop.channel).update(state="half_open")  # another worker's lease
    assert push_circuit_probe(channel_id=shop.channel.pk) is None
    assert sandbox.received() == [] and _circuit(shop).state == "half_open"


def test_a_successful_probe_closes_the_circuit_and_sends_every_waiting_sku_at_its_current_level(shop, sandbox):
    PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now(), failures=3, probes=2)
    for n, variant in enumerate(shop.variants):
        for _ in range(3):  # several changes per SKU while the channel was down
            receive(variant, shop.warehouse, n + 1)
    _due(shop)
    assert push_circuit_probe(channel_id=shop.channel.pk) == "closed"

    circuit = _circuit(shop)
    assert (circuit.state, circuit.failures, circuit.probes, circuit.failing_since) == ("closed", 0, 0, None)
    truth = stock_available_for_channel(channel=shop.channel, variant_ids=[v.pk for v in shop.variants])
    assert sandbox.stock() == {v.sku: truth[v.pk] for v in shop.variants}
    received = sandbox.received()
    assert len(received) == 7  # one value per SKU, not one per change
    assert len({r["at"] for r in received}) == 3  # 7 SKUs in requests of 3
    assert _statuses(shop) == {"delivered"}
    assert ActivityLog.objects.filter(account=shop.account, action="channel.stock_pushes_resumed").exists()


def test_a_probe_with_nothing_waiting_closes_the_circuit_on_any_answer(shop, sandbox):
    PushCircuit.objects.create(channel=shop.channel, state="open", failing_since=timezone.now())
    _due(shop)
    assert push_circuit_probe(channel_id=shop.channel.pk) == "closed"
    assert sandbox.received() == []


def test_a_refused_sku_is_a_dead_letter_on_its_own_and_the_circuit_stays_closed(shop, sandbox):
    refused, fine = shop.variants[:2]
    sandbox.behave(refuse=[refused.sku])
    receive(refused, shop.warehouse, 3)
    receive(fine, shop.warehouse, 4)
    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=refused.pk) is None
    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=fine.pk) == 4
    dead = InventoryPush.objects.get(channel=shop.channel, variant=refused)
    assert dead.status == "dead" and "HTTP 422" in dead.last_error
    assert not PushCircuit.objects.filter(channel=shop.channel).exclude(state="closed", failures=0).exists()

    # in a recovery batch the refused SKU is found by halving; the others still go in their batch
    PushCircuit.objects.update_or_create(
        channel=shop.channel, defaults={"state": "open", "failing_since": timezone.now()}
    )
    for variant in shop.variants:
        receive(variant, shop.warehouse, 1)
    _due(shop)
    assert push_circuit_probe(channel_id=shop.channel.pk) == "closed"
    stock = sandbox.stock()
    assert refused.sku not in stock
    assert all(stock[v.sku] == (5 if v == fine else 1) for v in shop.variants if v != refused)
    assert set(InventoryPush.objects.filter(variant=refused).values_list("status", flat=True)) == {"dead"}
    assert set(InventoryPush.objects.exclude(variant=refused).values_list("status", flat=True)) == {"delivered"}


def test_a_dead_letter_is_due_for_another_try_after_the_set_time_unless_that_is_off(shop, sandbox, settings):
    variant = shop.variants[0]
    sandbox.behave(refuse=[variant.sku])
    settings.INVENTORY_DEAD_LETTER_RETRY_SECONDS = 600
    receive(variant, shop.warehouse, 3)
    before = timezone.now()
    inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk)
    dead = InventoryPush.objects.get(channel=shop.channel, status="dead")
    assert timedelta(seconds=599) <= dead.next_attempt_at - before <= timedelta(seconds=601)

    settings.INVENTORY_DEAD_LETTER_RETRY_SECONDS = 0
    receive(variant, shop.warehouse, 1)
    inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk)
    assert InventoryPush.objects.filter(channel=shop.channel, status="dead", next_attempt_at=None).count() == 1


def test_a_later_successful_push_settles_the_skus_older_dead_letters(shop, sandbox):
    variant = shop.variants[0]
    sandbox.behave(refuse=[variant.sku])
    receive(variant, shop.warehouse, 3)
    inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk)
    assert _statuses(shop) == {"dead"}
    sandbox.behave(refuse=[])  # the SKU got listed on the marketplace
    receive(variant, shop.warehouse, 2)
    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=variant.pk) == 5
    assert _statuses(shop) == {"delivered"}


def test_two_workers_probing_one_channel_at_once_make_one_probe(committed_orgs, django_db_blocker, sandbox,
                                                                circuit_settings):
    from accounts.services import account_create, warehouse_create

    (org,) = committed_orgs(1)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account, _ = account_create(name="Probe Shop", by=None)
        main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        channel = sandbox_channel(account, sandbox, warehouses=[main])
        receive(VariantFactory(product__account=account, sku="ONE"), main, 1)
        PushCircuit.objects.create(channel=channel, state="open", failing_since=timezone.now(),
                                   next_attempt_at=timezone.now())
        sandbox.behave(delay_ms=800)  # the first probe is still in flight when the second looks
        results = run_in_parallel(org, [lambda: push_circuit_probe(channel_id=channel.pk)] * 4)
        assert all(kind == "ok" for kind, _ in results), results
        assert sorted(value or "" for _, value in results) == ["", "", "", "closed"], results
        assert [r["quantity"] for r in sandbox.received("ONE")] == [1]
        connection.set_schema_to_public()
