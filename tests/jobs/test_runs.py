"""Running one recurring job: what it does per type, why it does not run, failures and retries, the lease."""

import datetime as dt
import uuid

import pytest
from django.db import connection

from accounts.jobs import runners
from accounts.jobs.services import (
    MAX_RETRIES,
    recurring_job_run,
    recurring_jobs_dispatch_schema,
)
from accounts.models import RecurringJob, RecurringJobRun
from orders.models import Order
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, make_order
from tests.jobs.conftest import make_job

MIN = dt.timedelta(minutes=1)
Status = RecurringJobRun.Status


def job_at(job) -> RecurringJob:
    return RecurringJob.objects.get(pk=job.pk)


def test_a_redact_pii_job_runs_the_real_redaction_and_records_it(world, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    variant = VariantFactory(product=ProductFactory(account=store))
    old = make_order(store, [(variant, 1)], created_at=now - dt.timedelta(days=31))
    job = make_job(store, minutes=60, next_run_at=now - MIN)

    run = recurring_job_run(job_id=job.pk, now=now, worker="w1")

    assert run.status == Status.SUCCEEDED and run.trigger == RecurringJobRun.Trigger.SCHEDULE
    assert run.message.startswith("Redacted personal data of 1 order")
    assert run.result["orders"] == 1 and "batch" in run.log and run.worker == "w1"
    assert Order.objects.get(pk=old.pk).pii_redacted_at == now
    job = job_at(job)
    assert (job.last_status, job.last_run_at, job.failures) == (Status.SUCCEEDED, now, 0)
    assert job.last_duration_ms == run.duration_ms and job.last_message == run.message
    assert job.next_run_at == now - MIN + 60 * MIN  # the interval keeps its cadence
    assert job.lease_token is None and job.lease_expires_at is None


def test_channel_jobs_without_a_connection_or_a_connector_say_so(world, now):
    channel = ChannelFactory(account=world.store, name="Marketplace", supports_shipments=True)
    job = make_job(world.store, RecurringJob.JobType.SYNC_SHIPMENTS, channel=channel, next_run_at=now)
    run = recurring_job_run(job_id=job.pk, now=now)
    assert (run.status, run.message) == (Status.SKIPPED, "skipped: no connector for Marketplace yet")
    assert "none is installed yet" in run.log
    for job_type in (RecurringJob.JobType.IMPORT_ORDERS, RecurringJob.JobType.SYNC_INVENTORY):
        job = make_job(world.store, job_type, channel=channel, next_run_at=now)
        run = recurring_job_run(job_id=job.pk, now=now)
        assert (run.status, run.message) == (Status.SKIPPED, "skipped: Marketplace has no connection configured")
    job = make_job(world.store, RecurringJob.JobType.IMPORT_PRODUCTS, channel=channel, next_run_at=now)
    run = recurring_job_run(job_id=job.pk, now=now)
    assert (run.status, run.message) == (Status.SKIPPED, "skipped: Marketplace is not the master product source")


@pytest.mark.parametrize("case", ["account disabled", "channel inactive", "channel deleted"])
def test_jobs_that_cannot_run_do_not_and_say_why(world, now, case):
    channel = ChannelFactory(account=world.store, name="Marketplace")
    job = make_job(world.store, RecurringJob.JobType.IMPORT_ORDERS, channel=channel, next_run_at=now)
    expected = {
        "account disabled": "Not run: the account Acme Corporation Store is disabled.",
        "channel inactive": "Not run: the channel Marketplace is inactive.",
        "channel deleted": "Not run: its channel was deleted. Edit the job to choose another channel.",
    }[case]
    if case == "account disabled":
        world.store.is_active = False
        world.store.save()
    elif case == "channel inactive":
        channel.is_active = False
        channel.save()
    else:
        channel.delete()

    run = recurring_job_run(job_id=job.pk, now=now)

    assert (run.status, run.message) == (Status.SKIPPED, expected)
    assert job_at(job).last_message == expected and job_at(job).next_run_at > now


def test_jobs_not_due_or_disabled_are_not_claimed_but_run_now_runs_a_disabled_one(world, now):
    later = make_job(world.store, next_run_at=now + MIN)
    off = make_job(world.store, is_enabled=False)
    RecurringJob.objects.filter(pk=off.pk).update(next_run_at=now - MIN)  # due, but disabled

    assert recurring_job_run(job_id=later.pk, now=now) is None
    assert recurring_job_run(job_id=off.pk, now=now) is None
    assert not RecurringJobRun.objects.exists()

    manual = recurring_job_run(job_id=later.pk, now=now, trigger="manual", requested_by_id=world.admin.pk)
    assert manual.status == Status.SUCCEEDED and manual.requested_by == world.admin
    assert job_at(later).next_run_at == now + MIN  # a manual run leaves the schedule alone
    assert recurring_job_run(job_id=off.pk, now=now, trigger="manual").status == Status.SUCCEEDED
    assert job_at(off).next_run_at is None


def test_a_failure_is_recorded_and_retried_then_given_up_until_the_next_scheduled_time(world, now, monkeypatch):
    job = make_job(world.store, minutes=60 * 24, next_run_at=now)

    def broken(ctx):
        ctx.log("calling the marketplace")
        raise ConnectionError("marketplace answered 503")

    monkeypatch.setitem(runners.RUNNERS, RecurringJob.JobType.REDACT_PII, broken)
    at = now
    for attempt, delay in enumerate([1, 4, 16], start=1):
        run = recurring_job_run(job_id=job.pk, now=at)
        assert run.status == Status.FAILED and run.attempt == attempt
        assert run.message.startswith("Failed: ConnectionError: marketplace answered 503")
        assert f"Retry {attempt} of {MAX_RETRIES} in {delay} min." in run.message
        assert "Traceback" in run.log and "calling the marketplace" in run.log
        current = job_at(job)
        assert (current.failures, current.last_status) == (attempt, Status.FAILED)
        assert abs(current.next_run_at - (at + delay * MIN)) < dt.timedelta(seconds=5)
        assert recurring_job_run(job_id=job.pk, now=at + MIN / 2) is None  # not before the retry time
        at = current.next_run_at
    last = recurring_job_run(job_id=job.pk, now=at)
    assert last.trigger == RecurringJobRun.Trigger.RETRY and last.attempt == MAX_RETRIES + 1
    assert "Gave up after 3 retries" in last.message
    current = job_at(job)
    assert current.failures == 0
    assert abs(current.next_run_at - (at + dt.timedelta(days=1))) < dt.timedelta(seconds=5)

    monkeypatch.undo()  # the runner works again: the next scheduled run succeeds
    assert recurring_job_run(job_id=job.pk, now=current.next_run_at).status == Status.SUCCEEDED
    assert list(RecurringJobRun.objects.filter(job=job).values_list("status", flat=True)) == [
        "succeeded", "failed", "failed", "failed", "failed"]


def test_a_live_lease_blocks_a_second_run_and_an_expired_one_is_taken_over(world, now):
    job = make_job(world.store, next_run_at=now)
    RecurringJob.objects.filter(pk=job.pk).update(lease_token=uuid.uuid4(), lease_expires_at=now + MIN)
    crashed = RecurringJobRun.objects.create(job=job, account=world.store, started_at=now - MIN)

    assert recurring_job_run(job_id=job.pk, now=now) is None
    assert recurring_job_run(job_id=job.pk, now=now, trigger="manual") is None

    # The worker holding it crashed: its lease runs out, the next claim takes the job and closes the old run.
    run = recurring_job_run(job_id=job.pk, now=now + MIN)
    assert run.status == Status.SUCCEEDED and "abandoned" in run.log
    crashed.refresh_from_db()
    assert crashed.status == Status.ABANDONED and "lease expired" in crashed.message


def test_the_dispatcher_queues_due_enabled_free_jobs_once(world, now, django_capture_on_commit_callbacks):
    due = make_job(world.store, next_run_at=now - MIN)
    later = make_job(world.store, next_run_at=now + MIN)
    off = make_job(world.store, is_enabled=False)
    RecurringJob.objects.filter(pk=off.pk).update(next_run_at=now - MIN)  # due, but disabled
    busy = make_job(world.store, next_run_at=now - MIN)
    RecurringJob.objects.filter(pk=busy.pk).update(lease_token=uuid.uuid4(), lease_expires_at=now + 10 * MIN)

    with django_capture_on_commit_callbacks() as queued:
        assert recurring_jobs_dispatch_schema(now=now) == [due.pk]
        assert recurring_jobs_dispatch_schema(now=now + MIN) == [later.pk]  # `due` was queued a moment ago
    assert len(queued) == 2
    assert job_at(due).dispatched_at == now
    # A message lost on the way is queued again after the requeue window.
    assert recurring_jobs_dispatch_schema(now=now + 7 * MIN) == [due.pk, later.pk]
    assert connection.schema_name == world.org.schema_name
