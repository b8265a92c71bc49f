"""Celery doors of intake. The beat entry "intake-retry-due" (settings: CELERY_BEAT_SCHEDULE) runs
`intake_retry_due_all_task` in the public schema every INTAKE_RETRY_SECONDS; it queues `intake_retry_due_task`
inside each organization with a rejected channel payload due for another attempt (intake/importing.py)."""

from django.db import InterfaceError, OperationalError

from oms.celery import app


@app.task(acks_late=True)
def intake_retry_due_all_task() -> dict[str, int]:
    from intake.importing import intake_retry_enqueue_all

    return intake_retry_enqueue_all()


@app.task(
    bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=10,
    retry_backoff_max=300, max_retries=5,
)
def intake_retry_due_task(self) -> dict[str, int]:
    """Runs in the organization's schema. Safe to run twice, also at once: each failure is retried under its
    row lock (SKIP LOCKED), and only once it is due."""
    from intake.importing import intake_retry_due

    return intake_retry_due()


@app.task(acks_late=True)
def csv_import_task(import_id: int) -> None:
    """Runs in the organization's schema. Imports an uploaded CSV file; a second delivery finds it claimed and
    does nothing (one left running by a dead worker is taken over after a while)."""
    from intake.csv_import import csv_import_run

    csv_import_run(import_id=import_id)


@app.task(
    acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, retry_backoff_max=60,
    max_retries=5,
)
def webhook_inbox_drain_task() -> int:
    """Runs in the organization's schema. Drains its webhook inbox; safe to run twice, also at once (each batch
    is claimed with SKIP LOCKED and marked done with its orders)."""
    from intake.services import webhook_inbox_drain_all

    return webhook_inbox_drain_all()


@app.task(acks_late=True)
def webhook_inbox_sweep_all_task() -> dict[str, int]:
    """The beat sweeper, in the public schema: queue a drain where deliveries wait (a lost trigger)."""
    from intake.services import webhook_sweep_enqueue_all

    return webhook_sweep_enqueue_all()


@app.task(acks_late=True)
def replay_run_task(run_id: int) -> None:
    """Runs in the organization's schema. Replays the failures of a "Replay every open failure with this SKU"
    run; a second delivery finds it claimed and does nothing."""
    from intake.services import replay_run_execute

    replay_run_execute(run_id=run_id)
