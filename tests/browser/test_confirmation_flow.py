"""Deleting an order rule asks first and works with JavaScript off: the first click shows what will happen and
changes nothing, Back returns, the confirm button deletes and says so."""

import pytest
from django.db import connection

from accounts.services import account_create, warehouse_create
from accounts.tenancy.models import Membership
from orders.models import OrderRule
from orders.services.rules import order_rule_save
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def rule_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Rule Shop", by=None)
    warehouse_create(account=account, by=None, name="Main", code="MAIN")
    rule = order_rule_save(account=account, by=None, name="Hold big orders", conditions=[], actions=[{"type": "hold"}])
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    connection.set_schema_to_public()
    return committed_org, admin, account, rule


@pytest.mark.parametrize("javascript", [False, True])
def test_deleting_a_rule_asks_first_with_or_without_javascript(rule_world, server_port, browser, javascript):
    org, admin, account, rule = rule_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/organization/")
        tab = f"{base}/accounts/{account.pk}/settings/order-rules/"
        page.goto(tab)

        page.click("button.danger >> text=Delete")
        page.wait_for_selector("section.confirm")
        assert "Delete the order rule “Hold big orders”?" in page.inner_text("h1")
        assert "orders it already changed stay as they are" in page.inner_text(".consequences")
        connection.set_tenant(org)
        assert OrderRule.objects.filter(pk=rule.pk).exists()

        page.click("section.confirm >> text=Back")
        page.wait_for_url(tab)
        page.click("button.danger >> text=Delete")
        page.click("section.confirm button.danger")
        page.wait_for_url(tab)
        assert "Deleted the order rule “Hold big orders”." in page.inner_text(".messages")
        connection.set_tenant(org)
        assert not OrderRule.objects.filter(pk=rule.pk).exists()
        assert errors == []
    finally:
        context.close()
        connection.set_schema_to_public()
