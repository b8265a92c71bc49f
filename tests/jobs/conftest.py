import pytest
from django.utils import timezone

from accounts.models import RecurringJob
from accounts.services import recurring_job_save
from tests.workers import committed_orgs  # noqa: F401  (fixture)


def make_job(account, job_type=RecurringJob.JobType.REDACT_PII, *, channel=None, minutes=60, cron="", **fields):
    """A job saved through the service (validated, logged, due at once when enabled)."""
    job = RecurringJob(account=account, job_type=job_type, channel=channel,
                       interval_minutes=None if cron else minutes, cron=cron, **fields)
    return recurring_job_save(job=job, by=None)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)
