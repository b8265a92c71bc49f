"""A customer-service agent opens an order, clones two of its lines with an edited shipping address and
re-pricing, watches the totals update, and lands on the new order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.roles import AccountRole
from accounts.services import account_create, account_role_grant, warehouse_create
from orders.models import Order, Product, Promotion, ShippingMethod, Variant
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.browser


@pytest.fixture
def agent_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Kite Kids", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = Product.objects.create(account=account, name="Kite")
    variants = [
        Variant.objects.create(account=account, product=product, sku=f"KITE-{i}", name=f"Kite {i}", price=price)
        for i, price in enumerate([Decimal("30.00"), Decimal("12.00"), Decimal("8.00")])
    ]
    for v in variants:
        stock(v, warehouse, 20)
    ground = ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price=Decimal("4.00"))
    source = make_order(account, [(variants[0], 1), (variants[1], 2), (variants[2], 3)], warehouse=warehouse,
                        shipping_method=ground)
    # A promotion that starts after the source: re-pricing picks it up.
    Promotion.objects.create(account=account, name="Kite week", kind="percentage", value=Decimal("20"),
                             scope="all", valid_from=dt.date.today())
    agent = UserFactory(email=f"agent-{committed_org.schema_name}@example.com")
    MembershipFactory(user=agent, organization=committed_org)  # a role goes only to members
    account_role_grant(account=account, organization=committed_org, email=agent.email, role=AccountRole.AGENT, by=None)
    connection.set_schema_to_public()
    return committed_org, agent, account, source


def test_agent_clones_two_lines_with_a_new_address_and_repricing(agent_world, server_port, page):
    org, agent, account, source = agent_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/orders/{source.number}/")
    page.click("#clone-order")
    page.wait_for_url(f"{base}/accounts/{account.pk}/orders/{source.number}/clone/")
    before = page.inner_text("#clone-total")

    page.uncheck("#line_KITE-2")
    page.check("input[name=pricing][value=reprice]")
    page.fill("#id_shipping_line1", "7 Harbour Road")
    page.fill("#id_shipping_city", "Brighton")
    page.fill("#id_shipping_postal_code", "BN1 1AA")
    # The summary redraws without a reload: two lines, 20 % off, shipping 4.00 -> (30 + 24) * 0.8 + 4 = 47.20
    expect(page.locator("#clone-total")).to_contain_text("47.20")  # no wait_for_function: the CSP forbids eval
    assert page.inner_text("#clone-total") != before
    page.click("#create-clone")

    page.wait_for_url(lambda url: "/clone/" not in url and "/orders/SO-" in url)
    connection.set_tenant(org)
    clone = Order.objects.get(cloned_from__pk=source.pk)
    lines = [(line.sku, line.quantity) for line in clone.lines.all()]
    connection.set_schema_to_public()
    assert page.url.endswith(f"/orders/{clone.number}/")
    assert lines == [("KITE-0", 1), ("KITE-1", 2)]
    assert (clone.shipping_line1, clone.shipping_city, clone.total) == ("7 Harbour Road", "Brighton", Decimal("47.20"))
    assert source.number in page.inner_text("#cloned-from")


def test_agent_simulates_a_clone_and_finds_it_only_with_the_simulations_filter(agent_world, server_port, page):
    org, agent, account, source = agent_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/orders/{source.number}/clone/")
    page.check("input[name=purpose][value=simulation]")
    page.click("#create-clone")

    page.wait_for_url(lambda url: "/clone/" not in url and "/orders/SIM-" in url)
    assert page.url.endswith("/orders/SIM-0000001/")
    expect(page.locator("#simulation")).to_be_visible()

    page.goto(f"{base}/accounts/{account.pk}/orders/")
    expect(page.locator("#orders")).to_contain_text(source.number)
    expect(page.locator("#orders")).not_to_contain_text("SIM-0000001")
    page.select_option("#id_simulations", "only")  # htmx swaps the table and keeps the address in step
    expect(page.locator("#orders")).to_contain_text("SIM-0000001")
    expect(page.locator("#orders")).not_to_contain_text(source.number)
    assert "simulations=only" in page.url


def test_agent_splits_an_order_abroad_and_sees_each_orders_shipping_and_tax_before_creating(
    agent_world, server_port, page
):
    from orders.models import TaxJurisdiction

    org, agent, account, source = agent_world
    connection.set_tenant(org)
    TaxJurisdiction.objects.create(account=account, code="DE", name="Germany VAT", rate=Decimal("0.19"))
    connection.set_schema_to_public()
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    page.goto(f"{base}/accounts/{account.pk}/orders/{source.number}/clone/")
    page.check("input[name=purpose][value=split]")
    page.fill("#dest0_qty_KITE-2", "0")
    for field, value in {"name": "Bea Braun", "line1": "Unter den Linden 1", "city": "Berlin",
                         "postal_code": "10115", "country": "DE"}.items():
        page.fill(f"#dest1_{field}", value)
    page.fill("#dest1_qty_KITE-2", "3")
    summary = page.locator("#clone-summary")
    # Divided by default: 4.00 of shipping is 2.00 + 2.00; Berlin is taxed 19 % on 3 × 8.00 = 4.56.
    expect(summary).to_contain_text("Germany VAT (19.00%), for its destination (DE)")
    expect(summary.locator(".draft").nth(1)).to_contain_text("2.00")
    expect(summary.locator(".draft").nth(1)).to_contain_text("4.56")
    page.check("input[name=split_shipping][value=first]")
    expect(summary.locator(".draft").nth(1).locator("dd").nth(2)).to_have_text("0.00")
    expect(summary.locator(".draft").nth(0).locator("dd").nth(2)).to_have_text("4.00")
    page.click("#create-clone")

    page.wait_for_url(lambda url: "/clone/" not in url and "/orders/SO-" in url)
    connection.set_tenant(org)
    made = list(Order.objects.filter(cloned_from__pk=source.pk).order_by("number").select_related("tax_jurisdiction"))
    connection.set_schema_to_public()
    assert [(o.shipping_city, o.shipping_total, getattr(o.tax_jurisdiction, "code", None), o.tax_total)
            for o in made] == [(source.shipping_city, Decimal("4.00"), None, Decimal("0.00")),
                               ("Berlin", Decimal("0.00"), "DE", Decimal("4.56"))]
