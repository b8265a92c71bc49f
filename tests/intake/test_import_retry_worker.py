"""End to end with a real Celery worker and beat: the "intake-retry-due" beat entry fans out into the
organization, the worker retries the due failures, and the one whose SKU was mapped becomes exactly one order
while the other is rescheduled."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from accounts.services import account_create, warehouse_create
from intake.models import IntakeFailure
from intake.services import sku_alias_set
from orders.models import Order
from tests.intake.failure_helpers import failure, mug, sales_channel
from tests.workers import celery_processes


def test_the_worker_retries_due_failures_and_a_fixed_one_becomes_one_order(committed_orgs, django_db_blocker):
    (org,) = committed_orgs(1)
    with django_db_blocker.unblock():
        connection.set_tenant(org)
        account, _ = account_create(name="Worker Shop", by=None)
        main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        account.default_warehouse = main
        account.save(update_fields=["default_warehouse"])
        variant = mug(account)
        channel = sales_channel(account)
        fixed = failure(account, channel=channel, external_id="SBX-FIXED", sku="THEIR-MUG", dead=False)
        broken = failure(account, channel=channel, external_id="SBX-BROKEN", sku="NOBODY", dead=False)
        later = failure(account, channel=channel, external_id="SBX-LATER", sku="THEIR-MUG", dead=False)
        sku_alias_set(account=account, external_sku="THEIR-MUG", variant=variant, channel=channel)
        due = timezone.now() - dt.timedelta(seconds=1)
        IntakeFailure.objects.filter(pk__in=[fixed.pk, broken.pk]).update(next_attempt_at=due)
        connection.set_schema_to_public()

    env = {"INTAKE_RETRY_SECONDS": "1", "JOBS_DISPATCH_SECONDS": "3600", "PII_REDACT_SECONDS": "86400",
           "INVENTORY_SWEEP_SECONDS": "3600", "INVENTORY_SYNC_SECONDS": "86400"}
    with celery_processes(beat=True, env=env, django_db_blocker=django_db_blocker) as celery, \
            django_db_blocker.unblock():

        def settled():
            connection.set_tenant(org)
            rows = dict(IntakeFailure.objects.filter(account=account).values_list("external_id", "attempts"))
            return rows["SBX-FIXED"] == 1 and rows["SBX-BROKEN"] == 2 and Order.objects.filter(account=account).exists()

        celery.wait_for(settled, timeout=30)
        # A few more ticks change nothing: nothing else is due, and the order is never made twice.
        ticks = (celery.logdir / "beat.log").read_text().count("intake_retry_due_all_task")
        celery.wait_for(lambda: (celery.logdir / "beat.log").read_text().count("intake_retry_due_all_task") >= ticks + 2)

        connection.set_tenant(org)
        fixed.refresh_from_db()
        broken.refresh_from_db()
        later.refresh_from_db()
        assert fixed.status == IntakeFailure.Status.REPLAYED
        assert Order.objects.filter(account=account).count() == 1
        order = Order.objects.get(account=account)
        assert (order.external_id, order.channel_id, fixed.order_id) == ("SBX-FIXED", channel.pk, order.pk)
        assert broken.status == IntakeFailure.Status.RETRYING and broken.attempts == 2
        assert broken.next_attempt_at > timezone.now() + dt.timedelta(seconds=100)  # second delay: 2 min + jitter
        assert later.status == IntakeFailure.Status.RETRYING and later.attempts == 1  # not due yet: untouched
        assert "intake.tasks.intake_retry_due_task" in (celery.logdir / "worker.log").read_text()
        connection.set_schema_to_public()
