"""Cloning an account: what is copied, what is not, rules to review, counts, permissions, query budget."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.models import UserObjectPermission

from accounts.choices import API_RULE_FIELDS
from accounts.clone import COPIED_FIELDS, account_clone, account_clone_preview
from accounts.models import Account, ActivityLog, Notification, RecurringJob, Warehouse
from accounts.services import account_update
from channels.models import Channel
from inventory.models import StockLevel
from oms.exceptions import DomainError
from orders.models import Order, OrderRule, Product
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, WarehouseFactory, make_order, stock


@pytest.fixture
def template(world):
    """The store account dressed up: settings, warehouses, jobs, rules with and without references."""
    account = world.store
    sales = ChannelFactory(account=account, name="Marketplace")
    ChannelFactory(account=account, name="3PL", kind=Channel.Kind.FULFILLMENT)
    east = WarehouseFactory(account=account, name="East", code="EAST")
    variant = VariantFactory(product=ProductFactory(account=account), sku="TEE-1")
    stock(variant, east, 10)
    make_order(account, [(variant, 1)], warehouse=east)
    account = account_update(
        account=account,
        changes={"timezone": "Europe/Berlin", "currency": "EUR", "license_type": "enterprise", "size_unit": "in",
                 "volume_unit": "in3",
                 "weight_unit": "lb", "auto_sales_order_workflow": True, "inventory_realtime_updates": False,
                 "pii_retention_days": 45, "receipt_service_rule": "error", "master_product_source": "sales_channel",
                 "master_product_channel": sales},
        by=world.admin,
        confirm_source_change=True,
    )
    RecurringJob.objects.create(account=account, job_type="import_orders", channel=sales, interval_minutes=15)
    RecurringJob.objects.create(account=account, job_type="redact_pii", cron="0 3 * * *")
    OrderRule.objects.create(account=account, position=1, name="US to East",
                             conditions=[{"type": "country", "value": "US"}],
                             actions=[{"type": "assign_warehouse", "id": east.pk}])
    OrderRule.objects.create(account=account, position=2, name="Marketplace VIP",
                             conditions=[{"type": "channel", "id": sales.pk}],
                             actions=[{"type": "add_tag", "value": "vip"}])
    OrderRule.objects.create(account=account, position=3, name="Tees to Bob",
                             conditions=[{"type": "variant", "id": variant.pk}],
                             actions=[{"type": "assign_user", "id": world.agent.pk}])
    OrderRule.objects.create(account=account, position=4, name="Old rule", is_active=False,
                             actions=[{"type": "hold"}])
    return account


def test_preview_counts_equal_what_is_copied(template, world):
    preview = account_clone_preview(source=template)
    clone, _, report = account_clone(source=template, name="Berlin Shop", by=world.admin)
    assert report.copied == preview.copied
    assert preview.copied["warehouses (without stock)"] == Warehouse.objects.filter(account=clone).count() == 2
    assert preview.copied["recurring jobs (disabled)"] == RecurringJob.objects.filter(account=clone).count() == 2
    assert preview.copied["order rules"] == OrderRule.objects.filter(account=clone).count() == 4
    assert preview.rules_to_review == OrderRule.objects.filter(account=clone, needs_review=True).count() == 2
    assert preview.not_copied["sales orders"] == 1 and preview.not_copied["sales channels"] == 1
    assert preview.not_copied["inventory levels"] == 1 and preview.not_copied["products"] == 1


def test_the_clone_has_nothing_account_specific_of_the_source(template, world):
    clone, _, _ = account_clone(source=template, name="Berlin Shop", by=world.admin)
    assert not Order.objects.filter(account=clone).exists()
    assert not StockLevel.objects.filter(account=clone).exists()
    assert not Channel.objects.filter(account=clone).exists()
    assert not Product.objects.filter(account=clone).exists()
    assert list(ActivityLog.objects.filter(account=clone).values_list("action", flat=True)) == ["account.cloned_from"]


def test_every_copied_setting_equals_the_source_and_the_rest_is_new(template, world):
    clone, plain, report = account_clone(source=template, name="Berlin Shop", by=world.admin)
    for field in COPIED_FIELDS:
        assert getattr(clone, field) == getattr(template, field), field
    assert clone.currency == "EUR"
    assert set(API_RULE_FIELDS) <= set(COPIED_FIELDS)
    assert (clone.name, clone.code) == ("Berlin Shop", "BERLIN-SHOP")
    assert clone.api_key_hash == hashlib.sha256(plain.encode()).hexdigest() != template.api_key_hash
    assert clone.master_product_source == "oms" and clone.master_product_channel is None
    assert "set back to this system" in report.cleared[0]
    default = Warehouse.objects.get(pk=clone.default_warehouse_id)
    assert default.account == clone and default.code == template.default_warehouse.code
    assert not StockLevel.objects.filter(warehouse__account=clone).exists()


def test_jobs_are_copied_disabled_and_without_channels(template, world):
    clone, _, _ = account_clone(source=template, name="Berlin Shop", by=world.admin)
    jobs = RecurringJob.objects.filter(account=clone).order_by("id")
    assert [(j.job_type, j.is_enabled, j.channel_id) for j in jobs] == [
        ("import_orders", False, None), ("redact_pii", False, None)]
    assert [j.cron for j in jobs] == ["", "0 3 * * *"]


def test_rules_with_references_are_flagged_inactive_and_others_keep_their_state(template, world):
    clone, _, _ = account_clone(source=template, name="Berlin Shop", by=world.admin)
    rules = {r.name: r for r in OrderRule.objects.filter(account=clone)}
    us = rules["US to East"]
    assert us.is_active and not us.needs_review
    assert us.actions == [{"type": "assign_warehouse", "id": clone.warehouses.get(code="EAST").pk}]
    vip = rules["Marketplace VIP"]
    assert (vip.is_active, vip.needs_review) == (False, True)
    assert vip.conditions == [{"type": "channel", "id": None}] and "sales channel was not copied" in vip.review_note
    tees = rules["Tees to Bob"]
    assert tees.needs_review and tees.actions[0]["id"] == world.agent.pk and "check the user" in tees.review_note
    assert (rules["Old rule"].is_active, rules["Old rule"].needs_review) == (False, False)


def test_user_access_is_copied_only_when_asked(template, world):
    without, _, _ = account_clone(source=template, name="No Users", by=world.admin)
    assert not UserObjectPermission.objects.filter(object_pk=str(without.pk)).exists()
    with_users, _, _ = account_clone(source=template, name="With Users", by=world.admin, with_users=True)
    copied = set(UserObjectPermission.objects.filter(object_pk=str(with_users.pk)).values_list("user_id", "permission_id"))
    source = set(UserObjectPermission.objects.filter(object_pk=str(template.pk)).values_list("user_id", "permission_id"))
    assert copied == source and len(copied) == 6


def test_the_new_name_must_be_free(template, world):
    with pytest.raises(DomainError, match="already exists"):
        account_clone(source=template, name=world.outlet.name.lower(), by=world.admin)


def test_query_count_does_not_grow_with_rules_and_warehouses(template, world):
    counts = []
    for n, name in ((0, "Small Copy"), (60, "Big Copy")):
        for i in range(n):
            WarehouseFactory(account=template, code=f"X{name[:1]}{i}")
            OrderRule.objects.create(account=template, position=10 + i, name=f"r{i}", actions=[{"type": "hold"}])
        with CaptureQueriesContext(connection) as queries:
            account_clone(source=template, name=name, by=world.admin)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 40, counts


def test_clone_page_preview_then_clone_shows_the_key_and_notifies(template, world):
    client = world.client_for(world.admin)
    preview = client.get(reverse("account_clone"), {"source": template.pk}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200 and "order rules" in preview.content.decode()
    response = client.post(reverse("account_clone"), {"source": template.pk, "name": "Page Copy"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="api-key-value"' in html
    clone = Account.objects.get(name="Page Copy")
    assert "Page Copy" in html and f"/accounts/{clone.pk}/" in html
    assert "was cloned into Page Copy" in html  # the notification, shown until dismissed
    assert Notification.objects.get(user=world.admin).read_at is None
    assert clone in response.context["switcher_accounts"]


def test_a_taken_name_is_a_form_error_and_nothing_is_created(template, world):
    client = world.client_for(world.supervisor)
    before = Account.objects.count()
    response = client.post(reverse("account_clone"), {"source": template.pk, "name": world.outlet.name})
    assert response.status_code == 422 and "already exists" in response.content.decode()
    assert Account.objects.count() == before


def test_account_admins_are_refused_and_other_organizations_get_404(template, world, other_world):
    client = world.client_for(world.account_admin)
    assert client.get(reverse("account_clone")).status_code == 403
    assert client.post(reverse("account_clone"), {"source": template.pk, "name": "Nope"}).status_code == 403
    from tests.conftest import in_tenant

    in_tenant(other_world.org)
    foreign = other_world.client_for(None)
    foreign.force_login(world.admin)
    assert foreign.get(reverse("account_clone")).status_code == 404
    # An administrator of globex cannot pick acme's account: ids are looked up in globex's schema only.
    globex_admin = other_world.client_for(other_world.admin)
    response = globex_admin.post(reverse("account_clone"), {"source": 999999, "name": "Stolen"})
    assert response.status_code == 422 and not Account.objects.filter(name="Stolen").exists()


def test_readiness_checklist_lists_what_to_configure(template, world):
    clone, _, _ = account_clone(source=template, name="Berlin Shop", by=world.admin)
    response = world.client_for(world.admin).get(reverse("account_overview", args=[clone.pk]))
    items = {item["label"]: item for item in response.context["readiness"]}
    assert not items["Sales channels"]["done"] and not items["Inventory"]["done"]
    assert items["Default warehouse"]["done"]
    assert items["Order rules"]["detail"] == "2 rules to review"


def test_a_request_left_running_by_a_dead_worker_is_taken_over_later(template, world):
    import datetime as dt

    from django.utils import timezone

    from accounts.clone import STALE_RUN, account_clone_run
    from accounts.models import AccountCloneRequest

    stuck = AccountCloneRequest.objects.create(source=template, name="Revived", requested_by=world.admin,
                                               status=AccountCloneRequest.Status.RUNNING)
    account_clone_run(request_id=stuck.pk)  # recent: another worker may still be on it
    stuck.refresh_from_db()
    assert stuck.status == "running" and not Account.objects.filter(name="Revived").exists()
    AccountCloneRequest.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - STALE_RUN - dt.timedelta(seconds=1))
    account_clone_run(request_id=stuck.pk)
    stuck.refresh_from_db()
    assert stuck.status == "done" and stuck.new_account == Account.objects.get(name="Revived")
    account_clone_run(request_id=stuck.pk)  # done: a late redelivery changes nothing
    assert Account.objects.filter(name__startswith="Revived").count() == 1
