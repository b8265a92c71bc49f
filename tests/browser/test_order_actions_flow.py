"""In Chromium: an agent cancels an order through the confirmation step, and bulk-holds three orders from the
list; no console errors (the page fixture fails the test on any)."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.roles import AccountRole
from accounts.services import account_create, account_role_grant, warehouse_create
from inventory.models import StockLevel
from orders.models import Order, Product, Variant
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Lamp Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = Product.objects.create(account=account, name="Lamp")
    lamp = Variant.objects.create(account=account, product=product, sku="LAMP-1", name="Lamp", price=10)
    stock(lamp, warehouse, 50)
    orders = [make_order(account, [(lamp, 3)], warehouse=warehouse) for _ in range(4)]
    agent = UserFactory(email=f"agent-{committed_org.schema_name}@example.com", first_name="Maya", last_name="Chen")
    MembershipFactory(user=agent, organization=committed_org)
    account_role_grant(account=account, organization=committed_org, email=agent.email, role=AccountRole.AGENT, by=None)
    connection.set_schema_to_public()
    return committed_org, agent, account, lamp, orders


def test_agent_cancels_an_order_through_the_confirmation_step(desk_world, server_port, page):
    org, agent, account, lamp, orders = desk_world
    order = orders[0]
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/orders/{order.number}/")
    page.fill("#cancel-reason", "customer changed their mind")
    page.click("#cancel-order")
    expect(page.locator(".consequences")).to_contain_text(
        f"{order.number} will be cancelled and its 3 allocated units released; this cannot be undone."
    )
    connection.set_tenant(org)
    assert Order.objects.get(pk=order.pk).status == Order.Status.ALLOCATED  # nothing yet
    connection.set_schema_to_public()
    page.click("button[type=submit].danger")

    page.wait_for_url(f"{base}/accounts/{account.pk}/orders/{order.number}/")
    expect(page.locator(".messages")).to_contain_text(f"{order.number} was cancelled.")
    expect(page.locator("#order-status")).to_have_text("Cancelled")
    expect(page.locator("#events")).to_contain_text("Cancelled by Maya Chen: customer changed their mind.")
    connection.set_tenant(org)
    assert StockLevel.objects.get(variant=lamp).allocated == 9
    connection.set_schema_to_public()


def test_agent_bulk_holds_three_orders_from_the_list(desk_world, server_port, page):
    org, agent, account, lamp, orders = desk_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/orders/")
    for order in orders[:3]:
        page.check(f"input.bulk-pick[value='{order.pk}']")
    page.select_option("#bulk-action", "hold")
    page.fill("#bulk-reason", "stock count")
    page.click("#bulk-apply")

    page.wait_for_url(lambda url: "/orders/bulk/" in url)
    expect(page.locator("#bulk-summary")).to_have_text("Put on hold: 3 orders done.")
    connection.set_tenant(org)
    held = set(Order.objects.filter(account=account, status=Order.Status.ON_HOLD).values_list("pk", flat=True))
    connection.set_schema_to_public()
    assert held == {o.pk for o in orders[:3]}
