"""An agent opens the clone form of an old order, sees that the customer's last orders went to a new address,
applies that suggestion with one click (htmx swaps the form, nothing is created), and creates the clone."""

from decimal import Decimal

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.roles import AccountRole
from accounts.services import account_create, account_role_grant, warehouse_create
from orders.models import CloneRecord, Customer, Order, Product, Variant
from tests.browser.conftest import sign_in
from tests.factories import ADDRESS, MembershipFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.browser
EVERGREEN = dict(ADDRESS, line1="742 Evergreen Terrace", city="Springfield", postal_code="49007", country="US")


@pytest.fixture
def customer_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Maya's Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = Product.objects.create(account=account, name="Tea")
    tea = Variant.objects.create(account=account, product=product, sku="TEA-1", name="Tea", price=Decimal("6.00"))
    stock(tea, warehouse, 50)
    maya = Customer.objects.create(account=account, name="Maya Flores", email="maya@example.com")
    fields = {"warehouse": warehouse, "customer": maya, "customer_name": "Maya Flores",
              "customer_email": "maya@example.com"}
    source = make_order(account, [(tea, 2)], **fields)
    for _ in range(3):
        make_order(account, [(tea, 2)], shipping=dict(EVERGREEN), **fields)
    agent = UserFactory(email=f"agent-{committed_org.schema_name}@example.com")
    MembershipFactory(user=agent, organization=committed_org)
    account_role_grant(account=account, organization=committed_org, email=agent.email, role=AccountRole.AGENT, by=None)
    connection.set_schema_to_public()
    return committed_org, agent, account, source


def test_agent_applies_the_address_suggestion_and_creates_the_clone(customer_world, server_port, page):
    org, agent, account, source = customer_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, agent.email, f"/accounts/{account.pk}/")

    clone_url = f"{base}/accounts/{account.pk}/orders/{source.number}/clone/"
    page.goto(clone_url)
    suggestion = page.locator("#suggestion-address")
    expect(suggestion).to_contain_text("Maya's last 3 orders went to 742 Evergreen Terrace, Springfield")
    expect(page.locator("#id_shipping_line1")).to_have_value("12 Analytical St")
    suggestion.locator("button.apply-suggestion").click()

    expect(page.locator("#suggestion-address")).to_contain_text("Applied")  # swapped in place by htmx
    assert page.url == clone_url
    expect(page.locator("#id_shipping_line1")).to_have_value("742 Evergreen Terrace")
    expect(page.locator("#id_shipping_city")).to_have_value("Springfield")
    connection.set_tenant(org)
    assert Order.objects.filter(cloned_from__pk=source.pk).count() == 0  # nothing before submit
    connection.set_schema_to_public()

    page.click("#create-clone")
    page.wait_for_url(lambda url: "/clone/" not in url and "/orders/SO-" in url)
    connection.set_tenant(org)
    clone = Order.objects.get(cloned_from__pk=source.pk)
    record = CloneRecord.objects.get(order=clone)
    connection.set_schema_to_public()
    assert (clone.shipping_line1, clone.shipping_city, clone.shipping_country) == ("742 Evergreen Terrace", "Springfield", "US")
    assert record.suggestions == {"offered": ["address"], "taken": ["address"]}
