from inventory.models import StockMovement
from inventory.services import stock_adjust
from tests.workers import committed_orgs  # noqa: F401  (fixture)


def receive(variant, warehouse, quantity: int, by=None):
    """Stock in through the ledger (a receipt), as every real change is."""
    return stock_adjust(
        account=variant.account, warehouse=warehouse, variant=variant, delta=quantity,
        kind=StockMovement.Kind.RECEIPT, by=by, reason="test receipt",
    )
from contextlib import contextmanager

from tests.channels.conftest import sandbox  # noqa: F401  (fixture)
from tests.workers import use_broker  # noqa: F401  (also imported from here by the push tests)


@contextmanager
def push_worker(*, env: dict | None = None, beat: bool = True):
    """A real worker (and beat) for inventory pushes; this process queues onto its broker while it runs."""
    from oms.celery import app
    from tests.workers import celery_processes, test_broker_url

    before = app.conf.broker_url
    use_broker(test_broker_url())
    settings = {
        "INVENTORY_PUSH_COALESCE_SECONDS": "0.2", "INVENTORY_PUSH_MAX_RETRIES": "2",
        "INVENTORY_PUSH_BACKOFF_SECONDS": "1", "INVENTORY_SWEEP_SECONDS": "1", "INVENTORY_SWEEP_AGE_SECONDS": "2",
        **(env or {}),
    }
    try:
        with celery_processes(beat=beat, concurrency=4, env=settings) as celery:
            yield celery
    finally:
        use_broker(before)
