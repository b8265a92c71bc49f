"""Celery doors of the recurring jobs runtime (design: accounts/jobs/__init__.py)."""

from django.db import InterfaceError, OperationalError

from oms.celery import app


@app.task(acks_late=True)
def recurring_jobs_dispatch_task() -> dict:
    """The beat tick; runs in the public schema and queues the due jobs inside their organizations."""
    from accounts.jobs.services import recurring_jobs_dispatch

    return recurring_jobs_dispatch()


@app.task(
    bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=10,
    retry_backoff_max=300, max_retries=5,
)
def recurring_job_run_task(self, job_id: int, trigger: str = "schedule", requested_by_id: int | None = None) -> dict:
    """Runs one job in its organization's schema. A second delivery finds the lease taken (or the job no
    longer due) and does nothing."""
    from accounts.jobs.services import recurring_job_run

    run = recurring_job_run(
        job_id=job_id, trigger=trigger, requested_by_id=requested_by_id, worker=self.request.hostname or ""
    )
    return {"run": run.pk if run else None, "status": run.status if run else "not claimed"}
