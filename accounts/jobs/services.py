"""Dispatching and running recurring jobs (the design is in accounts/jobs/__init__.py)."""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from accounts.jobs import runners
from accounts.jobs.schedule import next_scheduled_run
from accounts.models import RecurringJob, RecurringJobRun
from accounts.services import CHANNEL_JOBS, activity_log
from accounts.tenancy.fanout import for_each_organization
from oms.exceptions import DomainError

logger = logging.getLogger(__name__)

Status = RecurringJobRun.Status
Trigger = RecurringJobRun.Trigger

MAX_RETRIES = 3
HISTORY_KEEP = 100  # runs kept per job
DISPATCH_LIMIT = 500  # jobs queued per organization per tick


def lease_seconds() -> int:
    return settings.JOBS_LEASE_SECONDS


def requeue_seconds() -> int:
    return settings.JOBS_REQUEUE_SECONDS


def retry_delay(failures: int) -> dt.timedelta:
    """1, 4, 16 minutes after the first, second, third failure in a row."""
    return dt.timedelta(seconds=settings.JOBS_RETRY_SECONDS * 4 ** (failures - 1))


def _lease_free(now: dt.datetime) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)


def _queue_run(job_id: int, *, trigger: str = Trigger.SCHEDULE, requested_by_id: int | None = None) -> None:
    """Queue the run inside the current organization (its schema rides in the message headers)."""
    from accounts.jobs.tasks import recurring_job_run_task

    schema = connection.schema_name
    transaction.on_commit(
        lambda: recurring_job_run_task.apply_async(
            args=[job_id], kwargs={"trigger": trigger, "requested_by_id": requested_by_id},
            headers={"_schema_name": schema},
        )
    )


# Dispatching (public schema → every organization)


def recurring_jobs_dispatch_schema(*, now: dt.datetime | None = None) -> list[int]:
    """In the current organization's schema: mark the due jobs queued and queue their runs after commit.
    Two dispatchers at once split the due jobs between them (SKIP LOCKED) and never queue one twice."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            RecurringJob.objects.select_for_update(skip_locked=True)
            .filter(is_enabled=True, next_run_at__lte=now)
            .filter(_lease_free(now))
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=now - dt.timedelta(seconds=requeue_seconds())))
            .order_by("next_run_at", "pk")
            .values_list("pk", flat=True)[:DISPATCH_LIMIT]
        )
        if ids:
            RecurringJob.objects.filter(pk__in=ids).update(dispatched_at=now)
            for job_id in ids:
                _queue_run(job_id)
    return ids


def recurring_jobs_dispatch(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """The beat tick, in the public schema: every active organization's due jobs. Returns {schema: job ids}."""
    if connection.schema_name != get_public_schema_name():
        raise RuntimeError("The dispatcher runs in the public schema.")
    now = now or timezone.now()
    report = for_each_organization(lambda _: recurring_jobs_dispatch_schema(now=now), label="Recurring job dispatch")
    return {schema: ids for schema, ids in report.results.items() if ids}


# Running (inside the organization's schema)


def _why_not_run(job: RecurringJob) -> str:
    if not job.account.is_active:
        return f"Not run: the account {job.account.name} is disabled."
    if job.job_type in CHANNEL_JOBS:
        if job.channel is None:
            return "Not run: its channel was deleted. Edit the job to choose another channel."
        if not job.channel.is_active:
            return f"Not run: the channel {job.channel.name} is inactive."
    return ""


def _claim(job_id: int, token: uuid.UUID, *, now: dt.datetime, manual: bool) -> bool:
    """The lock: one atomic UPDATE takes the lease if it is free (never taken, released, or expired)."""
    claim = RecurringJob.objects.filter(pk=job_id).filter(_lease_free(now))
    if not manual:
        claim = claim.filter(is_enabled=True, next_run_at__lte=now)
    return claim.update(lease_token=token, lease_expires_at=now + dt.timedelta(seconds=lease_seconds())) == 1


def recurring_job_run(
    *,
    job_id: int,
    trigger: str = Trigger.SCHEDULE,
    requested_by_id: int | None = None,
    now: dt.datetime | None = None,
    worker: str = "",
) -> RecurringJobRun | None:
    """Run one job if it can be claimed (due, or `trigger="manual"`, and nobody holds its lease). Returns the
    run recorded, or None when there was nothing to claim (a duplicate message, already running, not due)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    manual = trigger == Trigger.MANUAL
    if not _claim(job_id, token, now=now, manual=manual):
        return None
    job = RecurringJob.objects.select_related("account", "channel").get(pk=job_id)
    was_due = job.is_enabled and job.next_run_at is not None and job.next_run_at <= now
    abandoned = RecurringJobRun.objects.filter(job_id=job_id, status=Status.RUNNING).update(
        status=Status.ABANDONED,
        finished_at=now,
        message="The worker stopped before finishing (its lease expired); the job was run again.",
    )
    if not manual and job.failures:
        trigger = Trigger.RETRY
    run = RecurringJobRun.objects.create(
        job=job, account=job.account, trigger=trigger, attempt=job.failures + 1, status=Status.RUNNING,
        requested_by_id=requested_by_id, started_at=now, worker=worker[:200],
    )

    def renew(until: dt.datetime) -> bool:
        return RecurringJob.objects.filter(pk=job_id, lease_token=token).update(lease_expires_at=until) == 1

    ctx = runners.RunContext(job=job, now=now, renew=renew, lease_seconds=lease_seconds())
    ctx.log(f"Started ({run.get_trigger_display().lower()}, attempt {run.attempt}) on {worker or 'this process'}.")
    if abandoned:
        ctx.log("An earlier run of this job was abandoned: its worker stopped before finishing.")
    started = time.monotonic()
    try:
        reason = _why_not_run(job)
        if reason:
            ctx.log(reason)
            result = runners.RunResult(Status.SKIPPED, reason)
        else:
            result = runners.runner_for(job.job_type)(ctx)
    except Exception as exc:  # the run failed: record it, the schedule retries it
        logger.exception("Recurring job %s (%s) failed", job_id, connection.schema_name)
        ctx.log("".join(traceback.format_exception(exc)).rstrip())
        result = runners.RunResult(Status.FAILED, f"Failed: {type(exc).__name__}: {exc}"[:400])
    duration_ms = int((time.monotonic() - started) * 1000)
    return _finish(job_id, token, run, result, ctx, now=now, duration_ms=duration_ms, manual=manual, was_due=was_due)


def _finish(job_id, token, run, result, ctx, *, now, duration_ms, manual, was_due) -> RecurringJobRun:
    finished = now + dt.timedelta(milliseconds=duration_ms)
    message = result.message
    with transaction.atomic():
        job = RecurringJob.objects.select_for_update(of=("self",)).select_related("account").filter(pk=job_id).first()
        if job is None:  # deleted while it ran; its history went with it
            return run
        if job.lease_token != token:
            message = f"{message} (Its lease had expired and another run took over; this result is history only.)"
        else:
            failures = job.failures + 1 if result.status == Status.FAILED else 0
            if not job.is_enabled:
                next_run_at = None
                if result.status == Status.FAILED:
                    message += " Not retried: the job is disabled."
                failures = 0
            elif result.status == Status.FAILED and failures <= MAX_RETRIES:
                next_run_at = finished + retry_delay(failures)
                if manual and not was_due and job.next_run_at:
                    next_run_at = min(next_run_at, job.next_run_at)
                message += f" Retry {failures} of {MAX_RETRIES} in {int(retry_delay(failures).total_seconds() // 60)} min."
            else:
                if result.status == Status.FAILED:
                    message += f" Gave up after {MAX_RETRIES} retries; it runs again at its next scheduled time."
                    failures = 0
                if manual and not was_due and job.next_run_at:
                    next_run_at = job.next_run_at  # a manual run does not move the schedule
                else:
                    # An on-schedule run keeps the cadence; after retries the interval counts from now.
                    anchor = job.next_run_at if run.trigger == Trigger.SCHEDULE else None
                    next_run_at = next_scheduled_run(job, after=finished, anchor=anchor)
            RecurringJob.objects.filter(pk=job_id).update(
                lease_token=None, lease_expires_at=None, dispatched_at=None,
                last_run_at=now, last_status=result.status, last_duration_ms=duration_ms,
                last_message=message[:300], failures=failures, next_run_at=next_run_at,
            )
            if next_run_at is not None:
                ctx.log(f"Next run {next_run_at:%Y-%m-%d %H:%M} UTC.")
        ctx.log(f"Finished: {result.status} in {duration_ms} ms.")
        run.status = result.status
        run.message = message[:500]
        run.log = "\n".join(ctx.lines)
        run.result = result.data
        run.finished_at = finished
        run.duration_ms = duration_ms
        run.save(update_fields=["status", "message", "log", "result", "finished_at", "duration_ms"])
        old = list(
            RecurringJobRun.objects.filter(job_id=job_id).order_by("-started_at", "-id").values_list("pk", flat=True)[
                HISTORY_KEEP:
            ]
        )
        if old:
            RecurringJobRun.objects.filter(pk__in=old).delete()
    return run


@transaction.atomic
def recurring_job_run_now(*, job: RecurringJob, by) -> None:
    """An administrator's "Run now": queued after commit, runs even if disabled or not due, never alongside a
    running one."""
    now = timezone.now()
    current = RecurringJob.objects.filter(pk=job.pk).values_list("lease_expires_at", flat=True).first()
    if current is not None and current > now:
        raise DomainError("This job is running now; wait for it to finish.")
    activity_log(account=job.account, by=by, action="recurring_job.run_now", summary=f"Run now: {job}")
    _queue_run(job.pk, trigger=Trigger.MANUAL, requested_by_id=getattr(by, "pk", None))
