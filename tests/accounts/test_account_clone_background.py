"""A large account clone runs in a real Celery worker: the page shows its progress, then the result, and its
author gets a notification."""

from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Account, AccountCloneRequest, Notification, Warehouse
from accounts.services import account_create
from accounts.tenancy.models import Membership
from orders.models import OrderRule
from tests.factories import UserFactory
from tests.workers import celery_processes, use_broker, worker_broker_url


def test_a_large_clone_runs_in_the_worker_and_notifies(committed_org, monkeypatch):
    from oms.celery import app

    monkeypatch.setattr("accounts.clone.BACKGROUND_THRESHOLD", 20)
    connection.set_tenant(committed_org)
    source, _ = account_create(name="Big Template", by=None)
    Warehouse.objects.bulk_create([Warehouse(account=source, name=f"W{i}", code=f"W{i}") for i in range(10)])
    OrderRule.objects.bulk_create(
        [OrderRule(account=source, position=i, name=f"Rule {i}", actions=[{"type": "hold"}]) for i in range(30)]
    )
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)

    before = app.conf.broker_url
    use_broker(worker_broker_url())
    try:
        with celery_processes() as celery:
            client = Client(HTTP_HOST=f"{committed_org.schema_name}.localhost")
            client.force_login(admin)
            response = client.post(reverse("account_clone"), {"source": source.pk, "name": "Big Copy"})
            connection.set_tenant(committed_org)
            clone_request = AccountCloneRequest.objects.get(name="Big Copy")
            assert response.status_code == 302
            assert response["Location"] == reverse("account_clone_status", args=[clone_request.pk])
            waiting = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
            assert 'hx-trigger="every 1s"' in waiting or "Done" in waiting  # polls until the worker is done
            celery.wait_for(
                lambda: AccountCloneRequest.objects.filter(pk=clone_request.pk, status="done").exists(), timeout=30
            )
    finally:
        use_broker(before)

    connection.set_tenant(committed_org)
    clone = Account.objects.get(name="Big Copy")
    assert clone.warehouses.count() == 10 and OrderRule.objects.filter(account=clone).count() == 30
    # The poll that first sees "done" is a fragment: it reads the notification but marks nothing read.
    polled = client.get(reverse("account_clone_status", args=[clone_request.pk]), HTTP_HX_REQUEST="true")
    assert "is ready and in your account switcher" in polled.content.decode()
    connection.set_tenant(committed_org)
    assert Notification.objects.get(user=admin).read_at is None
    done = client.get(reverse("account_clone_status", args=[clone_request.pk]))
    html = done.content.decode()
    assert "is ready and in your account switcher" in html and 'hx-trigger="every 1s"' not in html
    assert "was cloned into Big Copy" in html  # the notification, on the page the user sees
    assert clone in done.context["switcher_accounts"]
