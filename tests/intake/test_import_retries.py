"""Rejected channel payloads are retried with exponential backoff and jitter, then dead-lettered; two
retriers at once never retry the same failure."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from intake.importing import intake_retry_due
from intake.models import IntakeFailure
from intake.services import (
    RETRY_ATTEMPTS,
    RETRY_BASE_SECONDS,
    retry_delay,
    sku_alias_set,
)
from orders.models import Order
from tests import factories
from tests.concurrency import run_in_parallel
from tests.intake.failure_helpers import failure, mug, sales_channel


def test_retry_delays_grow_exponentially_with_jitter_within_half_the_base():
    for attempt in range(1, RETRY_ATTEMPTS):
        base = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
        samples = [retry_delay(attempt) for _ in range(200)]
        assert all(base <= s <= base * 1.5 for s in samples)
        assert len({round(s, 3) for s in samples}) > 100  # jittered, not one fixed delay


def test_a_failing_payload_is_retried_with_growing_delays_then_dead_lettered(world):
    mug(world.store)
    channel = sales_channel(world.store)
    kept = failure(world.store, channel=channel, dead=False)
    assert (kept.status, kept.attempts) == (IntakeFailure.Status.RETRYING, 1)

    gaps = []
    for attempt in range(2, RETRY_ATTEMPTS + 1):
        due = kept.next_attempt_at
        assert intake_retry_due(now=due - dt.timedelta(seconds=1))["retried"] == 0  # not yet due
        outcome = intake_retry_due(now=due)
        assert outcome["retried"] == 1
        kept.refresh_from_db()
        assert kept.attempts == attempt
        if attempt < RETRY_ATTEMPTS:
            assert kept.status == IntakeFailure.Status.RETRYING
            gap = (kept.next_attempt_at - timezone.now()).total_seconds()
            base = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
            assert base - 5 <= gap <= base * 1.5
            gaps.append(gap)

    assert gaps == sorted(gaps)  # 2, 4, 8 minutes (each with jitter): growing
    assert kept.status == IntakeFailure.Status.DEAD and kept.next_attempt_at is None
    assert kept.reasons[0]["code"] == "unknown_sku"
    assert intake_retry_due(now=timezone.now() + dt.timedelta(days=1))["retried"] == 0  # dead: not retried again
    assert not Order.objects.filter(account=world.store).exists()


def test_a_retry_after_the_sku_was_mapped_creates_the_order(world):
    variant = mug(world.store)
    channel = sales_channel(world.store)
    kept = failure(world.store, channel=channel, dead=False)
    sku_alias_set(account=world.store, external_sku="THEIR-MUG", variant=variant, channel=channel)

    outcome = intake_retry_due(now=kept.next_attempt_at)

    assert outcome == {"retried": 1, "replayed": 1, "retrying": 0, "dead": 0}
    kept.refresh_from_db()
    assert kept.status == IntakeFailure.Status.REPLAYED and kept.order.external_id == "SBX-1"
    assert kept.order.lines.get().sku == "MUG-1"


def test_two_retriers_at_once_retry_each_due_failure_once(committed_org):
    account, _, _ = factories.shop(committed_org, "Retry Shop")
    variant = mug(account)
    channel = sales_channel(account)
    kept = [failure(account, channel=channel, external_id=f"SBX-{i}", dead=False) for i in range(6)]
    sku_alias_set(account=account, external_sku="THEIR-MUG", variant=variant, channel=channel)
    IntakeFailure.objects.filter(pk__in=[f.pk for f in kept]).update(next_attempt_at=timezone.now())

    results = run_in_parallel(committed_org, [intake_retry_due] * 4)

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    assert sum(outcome["retried"] for _, outcome in results) == 6
    assert Order.objects.filter(account=account).count() == 6
    assert set(IntakeFailure.objects.filter(account=account).values_list("status", flat=True)) == {
        IntakeFailure.Status.REPLAYED}
    assert sorted(Order.objects.filter(account=account).values_list("external_id", flat=True)) == [
        f"SBX-{i}" for i in range(6)]
