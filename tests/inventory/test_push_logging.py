"""A worker catching up on hundreds of SKU pushes logs one summary line, not two lines per SKU."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services import account_create, warehouse_create

from channels.models import Channel
from inventory.models import InventoryPush
from inventory.push import inventory_push_sweep
from oms.logs import QuietTasks
from tests.channels.conftest import sandbox  # noqa: F401  (fixture)
from tests.channels.conftest import sandbox_channel
from tests.factories import ProductFactory, VariantFactory
from tests.inventory.conftest import push_worker, receive, use_broker
from tests.workers import committed_orgs  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _restore_broker():
    from oms.celery import app

    before = app.conf.broker_url
    yield
    use_broker(before)


def _celery_record(task_name: str) -> logging.LogRecord:
    """A record as Celery's worker writes it when a task is received."""
    return logging.LogRecord("celery.worker.strategy", logging.INFO, __file__, 1, "Task %(name)s[%(id)s] received",
                             ({"name": task_name, "id": "x"},), None)


def test_push_task_lines_are_debug_and_other_tasks_stay_info():
    quiet = QuietTasks()
    push = _celery_record("inventory.tasks.inventory_push_task")
    assert quiet.filter(push) is False and push.levelno == logging.DEBUG
    logging.getLogger("inventory.push").setLevel(logging.DEBUG)
    try:
        assert quiet.filter(_celery_record("inventory.tasks.inventory_push_task")) is True
    finally:
        logging.getLogger("inventory.push").setLevel(logging.NOTSET)
    other = _celery_record("intake.tasks.csv_import_task")
    assert quiet.filter(other) is True and other.levelno == logging.INFO


def test_the_filters_are_on_celerys_task_loggers():
    for name in ("celery.app.trace", "celery.worker.strategy"):
        assert any(isinstance(f, QuietTasks) for f in logging.getLogger(name).filters)


def test_the_sweeper_logs_one_summary_line_for_many_skus(world, caplog):
    channel = Channel.objects.create(account=world.store, name="Shop", kind=Channel.Kind.SALES)
    variants = [VariantFactory(product__account=world.store, sku=f"LOG-{n}") for n in range(120)]
    InventoryPush.objects.bulk_create(
        InventoryPush(account=world.store, channel=channel, variant=variant) for variant in variants
    )
    InventoryPush.objects.update(created_at=timezone.now() - timedelta(hours=1))
    from oms.celery import app

    before = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")  # nothing is really queued
    try:
        with caplog.at_level(logging.INFO, logger="inventory.push"):
            assert inventory_push_sweep() == 120
    finally:
        use_broker(before)
    lines = [r.getMessage() for r in caplog.records if r.name == "inventory.push" and r.levelno == logging.INFO]
    assert lines == [f"Inventory push sweep in {world.org.schema_name}: re-queued 120 SKU pushes on 1 channel, 0 probes."]


@pytest.fixture
def many_skus(committed_orgs, django_db_blocker, sandbox):
    """A committed account whose 40 SKUs each have a stock change waiting in the outbox (nothing was queued)."""
    (org,) = committed_orgs(1)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account, _ = account_create(name="Log Shop", by=None)
        main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        sandbox_channel(account, sandbox, warehouses=[main])
        product = ProductFactory(account=account)
        variants = [VariantFactory(product=product, sku=f"LOG-{n}") for n in range(40)]
        use_broker("redis://127.0.0.1:1/0")  # Redis unreachable at commit time: only the outbox remembers
        for variant in variants:
            receive(variant, main, 5)
    return org


def test_a_worker_catching_up_logs_a_summary_not_two_lines_per_sku(many_skus, django_db_blocker):
    def pending():
        connection.set_tenant(many_skus)
        return InventoryPush.objects.exclude(status="delivered").count()

    with django_db_blocker.unblock():
        assert pending() == 40
        with push_worker() as celery:
            celery.wait_for(lambda: pending() == 0, timeout=60)
            log = (celery.logdir / "worker.log").read_text(errors="replace")
    assert "inventory_push_task[" not in log, log[-3000:]  # no "received" or "succeeded" line per SKU
    summaries = re.findall(rf"Inventory push sweep in {many_skus.schema_name}: re-queued (\d+) SKU push", log)
    assert summaries and sum(map(int, summaries)) >= 40 and len(summaries) <= 5, log[-3000:]
