"""The lease: two workers or two dispatchers at the same instant, on committed rows, in real threads."""

import datetime as dt
import time

from django.db import connection
from django.utils import timezone

from accounts.jobs import runners
from accounts.jobs.services import recurring_job_run, recurring_jobs_dispatch_schema
from accounts.models import RecurringJob, RecurringJobRun
from oms.celery import app
from tests.concurrency import run_in_parallel
from tests.factories import AccountFactory
from tests.jobs.conftest import make_job

MIN = dt.timedelta(minutes=1)


def test_two_workers_claiming_the_same_job_at_once_make_one_run(committed_orgs, django_db_blocker, monkeypatch):
    (org,) = committed_orgs(1)
    calls = []

    def slow(ctx):
        calls.append(ctx.job.pk)
        time.sleep(0.5)
        return runners.RunResult(RecurringJobRun.Status.SUCCEEDED, "done")

    monkeypatch.setitem(runners.RUNNERS, RecurringJob.JobType.REDACT_PII, slow)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        job = make_job(AccountFactory(), next_run_at=timezone.now() - MIN)

        results = run_in_parallel(org, [
            lambda: recurring_job_run(job_id=job.pk, worker="a"),
            lambda: recurring_job_run(job_id=job.pk, worker="b"),
            lambda: recurring_job_run(job_id=job.pk, worker="c", trigger="manual"),  # "Run now" at that instant
        ])

        assert [kind for kind, _ in results] == ["ok", "ok", "ok"], results
        runs = [value for _, value in results if value is not None]
        assert len(runs) == 1 and calls == [job.pk]
        assert RecurringJobRun.objects.filter(job_id=job.pk).count() == 1
        assert RecurringJob.objects.get(pk=job.pk).lease_token is None


def test_two_dispatchers_at_once_queue_each_due_job_once(committed_orgs, django_db_blocker):
    (org,) = committed_orgs(1)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account = AccountFactory()
        now = timezone.now()
        jobs = {make_job(account, next_run_at=now - MIN).pk for _ in range(20)}
        try:
            results = run_in_parallel(org, [lambda: recurring_jobs_dispatch_schema(now=now)] * 2)
        finally:
            app.control.purge()  # nobody consumes the runs they queued in this test

        assert [kind for kind, _ in results] == ["ok", "ok"], results
        first, second = (set(ids) for _, ids in results)
        assert first | second == jobs and not first & second
        assert RecurringJob.objects.filter(pk__in=jobs, dispatched_at=now).count() == 20
