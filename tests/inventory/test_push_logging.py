"""A worker catching up on hundreds of SKU pushes logs one summary line, not two lines per SKU."""

import logging
from datetime import timedelta

from django.utils import timezone

from channels.models import Channel
from inventory.models import InventoryPush
from inventory.push import inventory_push_sweep
from oms.logs import QuietTasks
from tests.factories import VariantFactory
from tests.inventory.conftest import use_broker


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
