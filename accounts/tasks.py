from oms.celery import app


@app.task(acks_late=True)
def account_clone_task(request_id: int) -> None:
    """Runs a queued account clone; a second delivery finds it claimed and does nothing."""
    from accounts.clone import account_clone_run

    account_clone_run(request_id=request_id)
