"""Reads for the Recurring jobs tab and a job's history."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Account, RecurringJob, RecurringJobRun


def recurring_jobs_for_account(*, account: Account) -> QuerySet[RecurringJob]:
    """The account's jobs with their channel, and `is_running` (a live lease)."""
    return (
        RecurringJob.objects.filter(account=account)
        .select_related("channel")
        .annotate(
            is_running=ExpressionWrapper(Q(lease_expires_at__gt=timezone.now()), output_field=BooleanField())
        )
    )


def recurring_job_runs(*, job: RecurringJob, limit: int = 50) -> QuerySet[RecurringJobRun]:
    return RecurringJobRun.objects.filter(job=job, account_id=job.account_id).select_related("requested_by")[:limit]


def recurring_job_get_for_account(*, account: Account, job_id: int) -> RecurringJob:
    """The account's job `job_id` with its channel; 404 for a missing one and another account's alike."""
    return get_object_or_404(RecurringJob.objects.select_related("account", "channel"), account=account, pk=job_id)
