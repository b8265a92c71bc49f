"""An organization administrator clones an account, sees the notification, switches to the new account
without signing out, and opens its readiness checklist."""

import pytest
from django.db import connection

from accounts.models import Account
from accounts.services import account_create, warehouse_create
from accounts.tenancy.models import Membership
from orders.models import OrderRule
from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_like(committed_org):
    connection.set_tenant(committed_org)
    source, _ = account_create(name="Northwind Outdoor", by=None)
    warehouse = warehouse_create(account=source, by=None, name="Main", code="MAIN")
    Account.objects.filter(pk=source.pk).update(default_warehouse=warehouse)
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    OrderRule.objects.create(account=source, position=1, name="Assign to Ann", is_active=True,
                             actions=[{"type": "assign_user", "id": admin.pk}])
    connection.set_schema_to_public()
    return committed_org, admin, source


def test_clone_notify_switch_and_readiness(demo_like, server_port, page):
    org, admin, source = demo_like
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, admin.email, "/organization/")

    page.click("summary:has-text('Create')")
    page.click("#clone-account-link")
    page.select_option("#id_source", label=source.name)
    page.wait_for_selector("#preview-copied")  # the live preview of what will be copied
    assert "1 order rule refer" in page.inner_text("#clone-preview")
    page.fill("#id_name", "Northwind Outlet")
    page.click("#clone-account")

    toast = page.wait_for_selector("[data-notification]")
    assert "cloned into Northwind Outlet" in toast.inner_text()
    assert page.is_visible("#api-key-value")

    connection.set_tenant(org)
    clone = Account.objects.get(name="Northwind Outlet")
    connection.set_schema_to_public()
    # The switcher already has it: no sign-out needed. Switch to it from another account's page.
    page.goto(f"{base}/accounts/{source.pk}/")
    options = page.locator("#account-switcher option").all_inner_texts()
    assert any("Northwind Outlet" in o for o in options)
    page.select_option("#account-switcher", str(clone.pk))
    page.wait_for_url(f"{base}/accounts/{clone.pk}/")
    checklist = page.inner_text("#readiness")
    assert "Sales channels" in checklist and "1 rule to review" in checklist
    page.click("#readiness >> text=1 rule to review")
    page.wait_for_url(f"{base}/accounts/{clone.pk}/settings/order-rules/")
    assert "Needs review" in page.inner_text("#order-rules")
