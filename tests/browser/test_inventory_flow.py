"""A viewer pages through 600 stock levels to the last one and back, and switches to the by-SKU view — with
no JavaScript error on the way."""

import pytest
from django.db import connection

from accounts.roles import AccountRole
from accounts.services import account_role_grant, warehouse_create
from tests import factories
from tests.browser.conftest import sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def stocked_org(committed_org):
    account, _, main = factories.shop(committed_org, "Northwind")
    east = warehouse_create(account=account, by=None, name="East", code="EAST")
    west = warehouse_create(account=account, by=None, name="West", code="WEST")
    factories.stock_grid(account, skus=200, warehouses=[main, east, west])
    viewer = UserFactory(email=f"viewer-{committed_org.schema_name}@example.com")
    MembershipFactory(user=viewer, organization=committed_org)
    account_role_grant(account=account, organization=committed_org, email=viewer.email, role=AccountRole.VIEWER,
                       by=None)
    connection.set_schema_to_public()
    return committed_org, viewer, account


def test_viewer_pages_to_the_last_stock_level_and_back(stocked_org, server_port, page):
    org, viewer, account = stocked_org
    base = f"http://{org.schema_name}.localhost:{server_port}"
    sign_in(page, base, viewer.email, f"/accounts/{account.pk}/")
    page.goto(f"{base}/accounts/{account.pk}/inventory/")
    assert "600 stock levels" in page.inner_text("#inventory-count")
    seen = []
    for _ in range(20):
        seen.extend(page.locator("#inventory-levels tbody tr td:first-child").all_inner_texts())
        following = page.locator("#inventory-results a[rel=next]")
        if following.count() == 0:
            break
        first = page.locator("#inventory-levels tbody tr").first.get_attribute("data-level")
        following.click()  # htmx swaps the results and pushes the address
        page.wait_for_function(
            "first => document.querySelector('#inventory-levels tbody tr').dataset.level !== first", arg=first
        )
    assert len(seen) == 600 and seen[-1] == "G-0199" and seen[0] == "G-0000"
    assert "after=" in page.url
    last_row = page.locator("#inventory-levels tbody tr").last.inner_text()
    assert "G-0199" in last_row and "WEST" in last_row

    page.click("#inventory-results a[rel=prev]")
    page.wait_for_url(lambda url: "before=" in url)
    page.wait_for_selector("#inventory-levels tbody tr td:has-text('G-0183')")

    page.select_option("#id_view", "sku")
    page.wait_for_selector("#inventory-skus")
    assert "200 SKUs" in page.inner_text("#inventory-count")
    page.select_option("#id_stock", "out")  # the filters redraw the list in place
    page.wait_for_url(lambda url: "stock=out" in url)
    page.wait_for_function("() => document.querySelector('#inventory-count').innerText.includes('match')")
