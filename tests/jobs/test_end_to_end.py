"""A real beat and a real worker: the beat tick drives the dispatcher, which runs the due jobs of two
organizations inside their schemas; the beat's redaction entry redacts in every organization."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from accounts.models import RecurringJob, RecurringJobRun
from orders.models import Order
from tests.factories import (
    AccountFactory,
    ChannelFactory,
    ProductFactory,
    VariantFactory,
    make_order,
)
from tests.jobs.conftest import make_job
from tests.workers import celery_processes

DAY = dt.timedelta(days=1)
Status = RecurringJobRun.Status


def _due_order(account):
    variant = VariantFactory(product=ProductFactory(account=account))
    return make_order(account, [(variant, 1)], created_at=timezone.now() - 40 * DAY)


def _runs(org) -> dict[int, list[RecurringJobRun]]:
    connection.set_tenant(org)
    runs: dict[int, list] = {}
    for run in RecurringJobRun.objects.exclude(status=Status.RUNNING).order_by("started_at"):
        runs.setdefault(run.job_id, []).append(run)
    return runs


def test_beat_and_a_worker_run_due_jobs_in_two_organizations_and_skip_disabled_ones(committed_orgs, django_db_blocker):
    first, second = committed_orgs(2)
    with django_db_blocker.unblock():
        connection.set_tenant(first)
        store = AccountFactory(name="Store", pii_retention_days=30)
        closed = AccountFactory(name="Closed", pii_retention_days=30, is_active=False)
        store_order, closed_order = _due_order(store), _due_order(closed)
        market = ChannelFactory(account=store, name="Market")
        a = {
            "redact": make_job(store),
            "import": make_job(store, RecurringJob.JobType.IMPORT_ORDERS, channel=market),
            "closed": make_job(closed),
            "off": make_job(store, is_enabled=False),
        }
        # Disabled, though its due time has passed: only is_enabled keeps it from running.
        RecurringJob.objects.filter(pk=a["off"].pk).update(next_run_at=timezone.now() - DAY)
        connection.set_tenant(second)
        shop = AccountFactory(name="Shop", pii_retention_days=30)
        shop_order = _due_order(shop)
        asleep = ChannelFactory(account=shop, name="Asleep")
        b = {
            "redact": make_job(shop),
            "inventory": make_job(shop, RecurringJob.JobType.SYNC_INVENTORY, channel=asleep),
        }
        asleep.is_active = False
        asleep.save()
        connection.set_schema_to_public()

    env = {"JOBS_DISPATCH_SECONDS": "1", "PII_REDACT_SECONDS": "86400"}
    with celery_processes(beat=True, env=env, django_db_blocker=django_db_blocker) as celery, \
            django_db_blocker.unblock():
        expected_a = {a[k].pk for k in ("redact", "import", "closed")}
        expected_b = {b[k].pk for k in ("redact", "inventory")}
        celery.wait_for(lambda: expected_a <= set(_runs(first)) and expected_b <= set(_runs(second)), timeout=30)
        # A second delivery of a run that already happened (or is happening) does nothing.
        celery.enqueue("accounts.jobs.tasks.recurring_job_run_task", a["redact"].pk, schema=first.schema_name)
        celery.enqueue("accounts.jobs.tasks.recurring_job_run_task", a["redact"].pk, schema=first.schema_name)
        celery.wait_for(lambda: "not claimed" in (celery.logdir / "worker.log").read_text(), timeout=10)

        runs_a, runs_b = _runs(first), _runs(second)
        connection.set_tenant(first)
        assert [(r.status, r.message[:40]) for r in runs_a[a["redact"].pk]] == [
            (Status.SUCCEEDED, "Redacted personal data of 1 order (accou")]
        assert runs_a[a["import"].pk][0].message == "skipped: Market has no connection configured"
        assert (runs_a[a["closed"].pk][0].status, runs_a[a["closed"].pk][0].message) == (
            Status.SKIPPED, "Not run: the account Closed is disabled.")
        assert a["off"].pk not in runs_a
        assert Order.objects.get(pk=store_order.pk).pii_redacted_at is not None
        assert Order.objects.get(pk=closed_order.pk).pii_redacted_at is None  # its job did not run
        job = RecurringJob.objects.get(pk=a["redact"].pk)
        assert job.last_status == Status.SUCCEEDED and job.lease_token is None
        assert job.next_run_at > timezone.now() + dt.timedelta(minutes=55)
        assert runs_a[a["redact"].pk][0].worker.startswith("pytest-")

        connection.set_tenant(second)
        assert runs_b[b["redact"].pk][0].status == Status.SUCCEEDED
        assert runs_b[b["inventory"].pk][0].message == "Not run: the channel Asleep is inactive."
        assert Order.objects.get(pk=shop_order.pk).pii_redacted_at is not None
        connection.set_schema_to_public()


def test_the_beat_redaction_entry_redacts_in_every_organization(committed_orgs, django_db_blocker):
    orgs = committed_orgs(2)
    orders = {}
    with django_db_blocker.unblock():
        for org in orgs:
            connection.set_tenant(org)
            account = AccountFactory(name="Store", pii_retention_days=30)
            orders[org] = (_due_order(account).pk, make_order(
                account, [(VariantFactory(product=ProductFactory(account=account)), 1)],
                created_at=timezone.now() - 20 * DAY).pk)
        connection.set_schema_to_public()

    def redacted(org):
        connection.set_tenant(org)
        due, recent = orders[org]
        state = dict(Order.objects.filter(pk__in=[due, recent]).values_list("pk", "pii_redacted_at"))
        connection.set_schema_to_public()
        return state[due] is not None and state[recent] is None

    env = {"JOBS_DISPATCH_SECONDS": "86400", "PII_REDACT_SECONDS": "1"}
    with celery_processes(beat=True, env=env, django_db_blocker=django_db_blocker) as celery, \
            django_db_blocker.unblock():
        celery.wait_for(lambda: all(redacted(org) for org in orgs), timeout=30)
