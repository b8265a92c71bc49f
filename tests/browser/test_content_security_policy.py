"""Every main page, its htmx interactions and the API docs work under the Content-Security-Policy: Chromium
reports no violation and logs no error, and every page carries the header."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts.tenancy.models import Membership, User
from tests.browser.conftest import kite_store, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

# Kept on the window until the next navigation; read after each page.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def csp_world(committed_org):
    connection.set_tenant(committed_org)
    account, _warehouse, _kites, order, _channel = kite_store()
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    sysadmin = UserFactory(email=f"sysadmin-{committed_org.schema_name}@example.com", is_superuser=True,
                           is_staff=True)
    connection.set_schema_to_public()
    yield committed_org, admin, sysadmin, account, order
    User.objects.filter(pk=sysadmin.pk).update(is_active=False, is_superuser=False)  # no lasting administrator


@pytest.fixture
def watched(browser):
    """(page, clean): console messages and CSP violations on the page are collected; `clean(where)` asserts
    there were none on the current document."""
    context = browser.new_context()
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}")
            if msg.type in ("error", "warning") or "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))

    def clean(where: str) -> None:
        violations = page.evaluate("window.cspViolations || []")
        assert violations == [], f"CSP violations on {where}: {violations}"
        assert console == [], f"Console messages on {where}: {console}"

    yield page, clean
    context.close()


def visit(page, clean, url: str) -> None:
    """Open `url`, assert the answer carries the strict policy, and that nothing was blocked or logged."""
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "script-src 'self'" in policy, (url, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (url, policy)
    page.wait_for_load_state("load")
    clean(url)


def test_pages_htmx_and_api_docs_run_without_csp_violations(csp_world, server_port, watched):
    org, admin, sysadmin, account, order = csp_world
    page, clean = watched
    base = f"http://{org.schema_name}.localhost:{server_port}"
    accounts = f"{base}/accounts/{account.pk}"

    visit(page, clean, f"{base}/login/")
    sign_in(page, base, admin.email, "/organization/")
    clean("organization page after sign-in")

    for path in ["/organization/", f"/accounts/{account.pk}/", f"/accounts/{account.pk}/orders/",
                 f"/accounts/{account.pk}/orders/{order.number}/", f"/accounts/{account.pk}/intake/",
                 f"/accounts/{account.pk}/inventory/", f"/accounts/{account.pk}/channels/",
                 # forms
                 "/organization/accounts/clone/",
                 f"/accounts/{account.pk}/intake/new-order/", f"/accounts/{account.pk}/intake/import-csv/",
                 f"/accounts/{account.pk}/inventory/adjust/", f"/accounts/{account.pk}/channels/new/",
                 f"/accounts/{account.pk}/order-rules/new/", f"/accounts/{account.pk}/orders/clone-metrics/"]:
        visit(page, clean, f"{base}{path}")
    for tab in ["main", "workflow", "privacy", "api-rules", "recurring-jobs", "order-rules", "warehouses", "users"]:
        visit(page, clean, f"{accounts}/settings/{tab}/")

    # htmx: the order list's search swaps its results, an Edit Account field redraws its form.
    visit(page, clean, f"{accounts}/orders/")
    page.fill("input[name=q]", order.number)
    expect(page.locator("#order-results tbody tr")).to_have_count(1)
    clean("order list search")
    visit(page, clean, f"{accounts}/settings/workflow/")
    page.select_option("#id_master_product_source", "sales_channel")
    page.wait_for_selector("#master-channel", state="visible")
    clean("workflow tab redraw")

    # The clone form's live totals (htmx) redraw without a violation.
    visit(page, clean, f"{accounts}/orders/{order.number}/clone/")
    before = page.inner_text("#clone-total")
    page.uncheck("#line_KITE-1")
    expect(page.locator("#clone-total")).not_to_have_text(before)
    clean("clone form live totals")

    # The API docs: Swagger UI from ninja's own static files draws every operation and opens one.
    visit(page, clean, f"{base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary")
    page.click(".swagger-ui .opblock-summary >> nth=0")
    page.wait_for_selector(".swagger-ui .opblock-body")
    clean("API docs")

    # The public site, as a system administrator.
    public = f"http://localhost:{server_port}"
    visit(page, clean, f"{public}/login/")
    page.fill("input[name=username]", sysadmin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{public}/")
    clean("public organization list")
    visit(page, clean, f"{public}/organizations/new/")
