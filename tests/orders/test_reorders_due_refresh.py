"""The usual intervals are computed without anyone setting up a job: every day by beat over every organization,
and at once by "Compute now" on the page, run by a real Celery worker."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.models import Customer, Order, ReorderHabit
from orders.services.reorders import reorder_habits_refresh_all
from tests.conftest import build_world
from tests.factories import VariantFactory, make_order, stock
from tests.workers import celery_processes, use_broker, worker_broker_url


def _regular_customer(account, variant, warehouse, name="Maya"):
    customer = Customer.objects.create(account=account, name=name, email=f"{name.lower()}@example.com")
    for days in (45, 30, 15):
        order = make_order(account, [(variant, 1)], warehouse=warehouse, customer=customer, customer_name=name)
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return customer


def test_the_daily_tick_is_scheduled_and_computes_every_active_account(world):
    entry = settings.CELERY_BEAT_SCHEDULE["orders-reorder-habits"]
    assert entry["task"] == "orders.tasks.reorder_habits_refresh_all_task"
    assert entry["schedule"] == settings.REORDER_HABITS_SECONDS
    for account in (world.store, world.outlet):
        variant = VariantFactory(account=account, sku=f"REG-{account.pk}")
        stock(variant, account.default_warehouse, 10)
        _regular_customer(account, variant, account.default_warehouse)
    world.outlet.is_active = False
    world.outlet.save(update_fields=["is_active"])

    assert reorder_habits_refresh_all() == 1
    assert set(ReorderHabit.objects.values_list("account_id", flat=True)) == {world.store.pk}


def test_compute_now_is_run_by_a_real_worker_and_the_page_then_shows_the_customer(committed_org):
    from oms.celery import app

    world = build_world(committed_org)
    variant = VariantFactory(account=world.store, sku="REG-1")
    stock(variant, world.store.default_warehouse, 10)
    _regular_customer(world.store, variant, world.store.default_warehouse)
    client = world.client_for(world.agent)
    page = reverse("reorders_due", args=[world.store.pk])
    assert "Not computed yet" in client.get(page).content.decode()

    before = app.conf.broker_url
    use_broker(worker_broker_url())
    try:
        with celery_processes() as celery:
            response = client.post(reverse("reorders_due_refresh", args=[world.store.pk]))
            assert response.status_code == 302 and response["Location"] == page
            connection.set_tenant(committed_org)
            celery.wait_for(lambda: ReorderHabit.objects.filter(account=world.store).exists(), timeout=60)
    finally:
        use_broker(before)
    html = client.get(page).content.decode()
    assert "Intervals computed at" in html and "Maya" in html


def test_a_viewer_cannot_compute_now(world):
    client = world.client_for(world.viewer)
    assert client.post(reverse("reorders_due_refresh", args=[world.store.pk])).status_code == 403
    assert not ReorderHabit.objects.exists()
