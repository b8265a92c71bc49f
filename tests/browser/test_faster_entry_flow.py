"""Faster entry in Chromium: an operator maps an unknown SKU by typing part of ours and picking it from the
look-up, then replays every open failure with that SKU at once; an agent enters a manual order picking SKUs
from the look-up (keyboard and mouse) and adding a line with htmx — with no JavaScript error on the way."""

import pytest
from django.db import connection

from accounts.roles import AccountRole
from accounts.services import account_role_grant
from intake.models import IntakeFailure
from orders.models import Order, ShippingMethod
from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.intake.failure_helpers import failure, mug, sales_channel

pytestmark = pytest.mark.browser


@pytest.fixture
def entry_world(committed_org):
    account, _, _ = factories.shop(committed_org, "Kite Kids")
    red = mug(account, sku="KITE-RED")
    red.name = "Red kite"
    red.save(update_fields=["name"])
    mug(account, sku="KITE-BLUE")
    ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price="4.00",
                                  carrier_code="UPS", service_code="GROUND")
    channel = sales_channel(account, name="Marketplace")
    kept = [failure(account, channel=channel, external_id=f"SBX-{n}", sku="MKT-KITE-R", qty=1, price="30.00")
            for n in range(3)]
    other = failure(account, channel=channel, external_id="SBX-OTHER", sku="MKT-BALL", price="5.00")
    agent = UserFactory(email=f"entry-agent-{committed_org.schema_name}@example.com")
    MembershipFactory(user=agent, organization=committed_org)
    account_role_grant(account=account, organization=committed_org, email=agent.email, role=AccountRole.AGENT, by=None)
    connection.set_schema_to_public()
    return committed_org, agent, account, kept, other


def test_map_a_sku_from_the_look_up_and_replay_every_failure_with_it(entry_world, server_port, page):
    org, agent, account, kept, other = entry_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/intake/failures/{kept[0].pk}/")
    page.select_option("#id_external_sku", "MKT-KITE-R")
    page.locator("#id_sku").press_sequentially("red k", delay=30)  # a word of the name
    option = page.locator('#id_sku-options [role="option"][data-value="KITE-RED"]')
    option.wait_for(state="visible")
    assert page.get_attribute("#id_sku", "aria-expanded") == "true"
    option.click()
    assert page.input_value("#id_sku") == "KITE-RED" and page.locator("#id_sku-options").is_hidden()
    page.click("#map-submit")
    page.wait_for_selector("text=MKT-KITE-R now means KITE-RED for Marketplace.")

    button = page.locator(".replay-sku-submit")
    assert button.inner_text() == "Replay every open failure with this SKU (3)"
    button.click()

    page.wait_for_selector("text=Replayed 3 of 3 failures with MKT-KITE-R: 3 became orders, 0 still rejected.")
    connection.set_tenant(org)
    statuses = {f.external_id: f.status for f in IntakeFailure.objects.filter(account=account)}
    orders = Order.objects.filter(account=account).count()
    connection.set_schema_to_public()
    assert statuses == {"SBX-0": "replayed", "SBX-1": "replayed", "SBX-2": "replayed", "SBX-OTHER": "dead"}
    assert orders == 3


def test_enter_a_manual_order_picking_skus_and_adding_a_line(entry_world, server_port, page):
    org, agent, account, _, _ = entry_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/intake/new-order/")
    assert page.locator("#order-lines tbody tr").count() == 1
    first = page.locator("#id_lines-0-sku")
    first.press_sequentially("kite-b", delay=30)
    page.locator('#id_lines-0-sku-options [data-value="KITE-BLUE"]').wait_for(state="visible")
    assert "available" in page.inner_text("#id_lines-0-sku-options")  # the default warehouse's stock
    first.press("ArrowDown")
    first.press("Enter")  # picks; does not submit the form
    assert first.input_value() == "KITE-BLUE"
    page.fill("#id_lines-0-quantity", "2")

    page.click("#add-line")
    page.locator("#id_lines-1-sku").wait_for()
    assert page.input_value("#id_lines-TOTAL_FORMS") == "2"
    page.locator("#id_lines-1-sku").press_sequentially("KITE-R", delay=30)
    page.locator('#id_lines-1-sku-options [data-value="KITE-RED"]').click()
    page.fill("#id_lines-1-quantity", "1")
    page.click("#add-line")
    page.locator("#id_lines-2-sku").wait_for()
    page.click('button[aria-label="Remove line 3"]')
    assert page.locator("#order-lines tbody tr").count() == 2

    for field, value in (("customer_name", "Ada Lovelace"), ("ship_name", "Ada Lovelace"),
                         ("ship_line1", "1 Analytical St"), ("ship_city", "Boston"), ("ship_postal_code", "02110"),
                         ("ship_country", "US")):
        page.fill(f"#id_{field}", value)
    page.select_option("#id_shipping_method", "GROUND")
    page.click("#create-order")

    page.wait_for_selector(".msg-success")
    connection.set_tenant(org)
    order = Order.objects.get(account=account)
    lines = sorted((line.sku, line.quantity) for line in order.lines.all())
    connection.set_schema_to_public()
    assert lines == [("KITE-BLUE", 2), ("KITE-RED", 1)]
    assert page.url.endswith(f"/orders/{order.number}/")
