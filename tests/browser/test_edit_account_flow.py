"""An organization administrator signs in, switches account, changes a Workflow setting, and it is kept."""

import pytest
from django.db import connection

from accounts.models import Account
from accounts.services import account_create, warehouse_create
from accounts.tenancy.models import Membership
from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def org_admin_world(committed_org):
    connection.set_tenant(committed_org)
    first, _ = account_create(name="First Shop", by=None)
    second, _ = account_create(name="Second Shop", by=None, timezone_name="Europe/Berlin")
    for account in (first, second):
        warehouse_create(account=account, by=None, name="Main", code="MAIN")
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    connection.set_schema_to_public()
    return committed_org, admin, first, second


def test_org_admin_switches_account_edits_workflow_and_the_change_is_kept(org_admin_world, server_port, page):
    org, admin, first, second = org_admin_world
    base = f"http://{org.schema_name}.localhost:{server_port}"

    sign_in(page, base, admin.email, "/organization/")

    # Open the first account's settings, then switch to the second one with the header switcher.
    page.click(f"a[href='/accounts/{first.pk}/settings/main/']")
    page.click("nav.tabs >> text=Workflow")
    page.wait_for_url(f"{base}/accounts/{first.pk}/settings/workflow/")
    page.select_option("#account-switcher", str(second.pk))  # submits itself (no Go button with JS)
    page.wait_for_url(f"{base}/accounts/{second.pk}/settings/workflow/")
    assert "Second Shop" in page.inner_text("h1")

    # Choosing a channel source redraws the form (htmx) and shows the channel field.
    assert page.is_hidden("#master-channel")
    page.select_option("#id_master_product_source", "sales_channel")
    page.wait_for_selector("#master-channel", state="visible")
    page.select_option("#id_master_product_source", "oms")
    page.wait_for_selector("#master-channel", state="hidden")

    page.select_option("#id_auto_sales_order_workflow", "True")
    page.select_option("#id_inventory_realtime_updates", "False")
    page.select_option("#id_default_warehouse", label="Main (MAIN)")
    page.click("#save")
    page.wait_for_selector(".msg-success")

    page.reload()
    assert page.input_value("#id_auto_sales_order_workflow") == "True"
    assert page.input_value("#id_inventory_realtime_updates") == "False"

    connection.set_tenant(org)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.auto_sales_order_workflow is True and second.inventory_realtime_updates is False
    assert second.default_warehouse.code == "MAIN"
    assert first.auto_sales_order_workflow is False  # the other account is untouched
    assert Account.objects.filter(name="Second Shop").count() == 1
