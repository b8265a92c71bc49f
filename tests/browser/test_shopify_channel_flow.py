"""An organization administrator connects a Shopify shop (the emulator): the form hides what Shopify fixes,
"Test connection" reads the shop, the locations are imported and one is mapped on the channel page."""

import pytest
from django.db import connection

from accounts.services import account_create, warehouse_create
from accounts.tenancy.models import Membership
from channels.models import ChannelLocationMap
from sandbox.shopify import TOKEN
from tests.browser.conftest import sign_in
from tests.channels.shopify_helpers import ShopifyEmulator
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Shopify Shop", by=None)
    main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    admin = UserFactory(email=f"shopify-admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    connection.set_schema_to_public()
    emulator = ShopifyEmulator()
    emulator.set_locations([{"id": "gid://shopify/Location/1", "name": "Storefront"},
                            {"id": "gid://shopify/Location/2", "name": "Depot"}])
    yield committed_org, admin, account, main, emulator
    emulator.stop()


def test_a_shopify_shop_is_connected_and_its_location_mapped(shop_world, server_port, page):
    org, admin, account, main, emulator = shop_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, admin.email, "/organization/")

    page.goto(f"{base}/accounts/{account.pk}/channels/new/")
    assert page.is_visible("#field-auth_header")
    page.select_option("#id_connector_type", "shopify")
    assert page.is_hidden("#field-auth_header") and page.is_hidden("#field-orders_path")
    page.fill("#id_name", "My Shopify")
    page.check(f"input[name=warehouses][value='{main.pk}']")
    page.fill("#id_conn-base_url", emulator.url)
    page.fill("#id_conn-secret", TOKEN)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(f"{base}/accounts/{account.pk}/channels/")

    page.click("text=My Shopify")
    page.click("#operations >> text=Test connection")
    page.wait_for_selector("text=Connected to the Shopify shop Sandbox Shop (currency USD).")
    page.click("text=My Shopify")
    assert page.inner_text("#ops-connected-as") == "Sandbox Shop (USD)"
    page.click("text=Import locations and SKUs from the channel")
    page.wait_for_selector("#ops-unmapped-warehouses")
    page.select_option(f"select[name=location-{main.pk}]", label="Depot")
    page.click("text=Save location map")
    page.wait_for_selector("text=1 warehouse(s) mapped to a location.")
    assert "Storefront" in page.inner_text("#ops-unmapped-locations")

    connection.set_tenant(org)
    assert list(ChannelLocationMap.objects.values_list("remote_name", flat=True)) == ["Depot"]
