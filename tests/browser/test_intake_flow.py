"""An operator opens the intake page, opens a dead-lettered channel order, maps its unknown SKU to one of the
account's, replays it and lands on the order it became — with no JavaScript error on the way."""

import pytest
from django.db import connection

from accounts.roles import AccountRole
from accounts.services import account_role_grant
from intake.models import IntakeFailure
from orders.models import Order
from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.intake.failure_helpers import failure, mug, sales_channel

pytestmark = pytest.mark.browser


@pytest.fixture
def operator_world(committed_org):
    account, _, _ = factories.shop(committed_org, "Kite Kids")
    mug(account, sku="KITE-RED")
    channel = sales_channel(account, name="Marketplace")
    dead = failure(account, channel=channel, external_id="SBX-4242", sku="MKT-KITE-R", qty=2, price="30.00")
    failure(account, external_id="API-CHEAP", sku="NOBODY", price="1.00")
    agent = UserFactory(email=f"agent-{committed_org.schema_name}@example.com")
    MembershipFactory(user=agent, organization=committed_org)  # a role goes only to members
    account_role_grant(account=account, organization=committed_org, email=agent.email, role=AccountRole.AGENT, by=None)
    connection.set_schema_to_public()
    return committed_org, agent, account, dead


def test_operator_maps_the_unknown_sku_replays_and_sees_the_order(operator_world, server_port, page):
    org, agent, account, dead = operator_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.click("#nav-intake")
    page.wait_for_url(f"{base}/accounts/{account.pk}/intake/")
    assert page.inner_text("#intake-health tr[data-source^='channel'] td.dead") == "1"
    assert page.locator("#failures tbody tr").first.get_attribute("id") == f"failure-{dead.pk}"  # most valuable first
    page.select_option("#id_status", "dead")  # htmx redraws the list in place
    page.wait_for_url(lambda url: "status=dead" in url)
    page.click(f"#failure-{dead.pk} a")

    page.wait_for_url(f"{base}/accounts/{account.pk}/intake/failures/{dead.pk}/")
    assert "SKU “MKT-KITE-R” is not a product of Kite Kids" in page.inner_text("#reasons")
    assert '"id": "SBX-4242"' in page.inner_text("#payload")
    page.select_option("#id_external_sku", "MKT-KITE-R")
    page.fill("#id_sku", "KITE-RED")
    page.click("#map-submit")
    page.wait_for_selector("text=MKT-KITE-R now means KITE-RED for Marketplace.")
    page.click("#replay")

    page.wait_for_selector(".msg-success a")
    connection.set_tenant(org)
    order = Order.objects.get(account=account)
    dead.refresh_from_db()
    connection.set_schema_to_public()
    assert dead.status == IntakeFailure.Status.REPLAYED and dead.order_id == order.pk
    assert page.inner_text("#failure-status") == "Replayed"
    page.click(".msg-success a")
    page.wait_for_url(f"{base}/accounts/{account.pk}/orders/{order.number}/")
    assert order.external_id == "SBX-4242"
    assert "KITE-RED" in page.content()


