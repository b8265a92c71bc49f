"""Celery doors of orders."""

from oms.celery import app


@app.task(acks_late=True)
def orders_bulk_apply_task(bulk_id: int) -> None:
    """Runs in the organization's schema. Applies a recorded bulk action; a second delivery finds it claimed."""
    from orders.services.bulk import bulk_action_run

    bulk_action_run(bulk_id=bulk_id)


@app.task(acks_late=True)
def reorder_habits_refresh_task(account_id: int) -> int:
    """Runs in the organization's schema: recompute one account's re-order habits ("Compute now")."""
    from accounts.models import Account
    from orders.services.reorders import reorder_habits_refresh

    account = Account.objects.filter(pk=account_id).first()
    return reorder_habits_refresh(account=account) if account is not None else 0


@app.task(acks_late=True)
def reorder_habits_refresh_all_task() -> int:
    """Beat, in public: recompute every active account's re-order habits in every organization."""
    from accounts.tenancy.fanout import for_each_organization
    from orders.services.reorders import reorder_habits_refresh_all

    return sum(for_each_organization(lambda _: reorder_habits_refresh_all(), label="Re-order habits").results.values())
