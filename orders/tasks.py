"""Celery doors of orders."""

from oms.celery import app


@app.task(acks_late=True)
def orders_bulk_apply_task(bulk_id: int) -> None:
    """Runs in the organization's schema. Applies a recorded bulk action; a second delivery finds it claimed."""
    from orders.services.bulk import bulk_action_run

    bulk_action_run(bulk_id=bulk_id)
