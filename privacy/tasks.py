"""Celery doors of the PII redaction. The beat entry "privacy-redact-pii" (settings: CELERY_BEAT_SCHEDULE) runs
`pii_redact_all_task` in the public schema; it queues `pii_redact_account_task` per account, inside its
organization."""

from django.db import OperationalError

from oms.celery import app


@app.task(acks_late=True)
def pii_redact_all_task() -> dict[str, int]:
    from privacy.services import pii_redaction_enqueue_all

    return pii_redaction_enqueue_all()


@app.task(
    bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=30, retry_backoff_max=600,
    max_retries=5,
)
def pii_redact_account_task(self, account_id: int) -> dict | None:
    """Runs in the account's organization schema (tenant-schemas-celery). Safe to run twice: redaction is
    idempotent and two runs of one account never overlap (advisory lock)."""
    from privacy.services import pii_redact_account_by_id

    report = pii_redact_account_by_id(account_id=account_id)
    return report.as_dict() if report else None
