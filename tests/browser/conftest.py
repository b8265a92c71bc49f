"""A real HTTP server in a thread and headless Chromium driven by Playwright."""

import pytest

from tests.live import serve_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server_port(django_db_blocker):
    """Serves the app on 127.0.0.1; browsers reach organizations at http://<slug>.localhost:<port>/."""
    with django_db_blocker.unblock(), serve_app() as port:
        yield port


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any JavaScript error."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def sign_in(page, base: str, email: str, lands_on: str) -> None:
    """Sign in through the login form and wait for the page the user lands on."""
    from tests.factories import PASSWORD

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{lands_on}")


def kite_store():
    """In the organization the connection is on: the account "Kite Kids" with a warehouse, two stocked
    kites, a ground shipping method, an order of both and a "Marketplace" channel. Returns (account, warehouse,
    kites, order, channel)."""
    from decimal import Decimal

    from accounts.services import account_create, warehouse_create
    from orders.models import Product, ShippingMethod, Variant
    from tests.factories import ChannelFactory, make_order, stock

    account, _ = account_create(name="Kite Kids", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = Product.objects.create(account=account, name="Kite")
    kites = [Variant.objects.create(account=account, product=product, sku=f"KITE-{i}", name=f"Kite {i}",
                                    price=Decimal("12.00")) for i in range(2)]
    for kite in kites:
        stock(kite, warehouse, 20)
    ground = ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price=Decimal("4.00"))
    order = make_order(account, [(kites[0], 1), (kites[1], 2)], warehouse=warehouse, shipping_method=ground)
    channel = ChannelFactory(account=account, name="Marketplace")
    return account, warehouse, kites, order, channel
