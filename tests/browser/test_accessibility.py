"""Every main page passes axe-core's WCAG 2.0/2.1 A and AA rules, opened by the role that uses it.

axe-core (tests/browser/axe.min.js, MPL-2.0, vendored with its licence header) is run through Playwright's
evaluate, which the page's Content-Security-Policy does not apply to. The pages are listed in
tests/browser/pages.py."""

from pathlib import Path

import pytest
from django.db import connection

from accounts.roles import AccountRole
from accounts.services import account_create, account_role_grant
from accounts.tenancy.models import Membership, User
from tests.browser.conftest import kite_store
from tests.browser.pages import ORGANIZATION_PAGES, PUBLIC_PAGES
from tests.factories import PASSWORD, UserFactory
from tests.intake.failure_helpers import failure

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""


@pytest.fixture
def a11y_world(committed_org):
    connection.set_tenant(committed_org)
    slug = committed_org.schema_name
    account, _warehouse, kites, order, channel = kite_store()
    other, _ = account_create(name="Kite Outlet", by=None)
    kept = failure(account, external_id="A11Y-1")
    admin = UserFactory(email=f"admin-{slug}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    member = UserFactory(email=f"member-{slug}@example.com")
    Membership.objects.create(user=member, organization=committed_org, role=Membership.Role.MEMBER)
    for each in (account, other):
        account_role_grant(account=each, organization=committed_org, email=member.email, role=AccountRole.VIEWER,
                           by=None)
    sysadmin = UserFactory(email=f"sysadmin-{slug}@example.com", is_superuser=True, is_staff=True)
    connection.set_schema_to_public()
    ids = {"account": account.pk, "order": order.number, "sku": kites[0].sku, "channel": channel.pk,
           "failure": kept.pk, "organization": committed_org.pk}
    yield committed_org, {"admin": admin, "member": member, "sysadmin": sysadmin}, ids
    User.objects.filter(pk=sysadmin.pk).update(is_active=False, is_superuser=False)  # no lasting administrator


def _audit(browser, base: str, pages, users, ids) -> list[str]:
    """Open each page as its role and run axe; returns one line per violation."""
    found: list[str] = []
    contexts = {}
    try:
        for who, path in pages:
            if who not in contexts:
                contexts[who] = context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(10_000)
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                context.errors = errors
                if who != "anonymous":
                    page.goto(f"{base}/login/")
                    page.fill("input[name=username]", users[who].email)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("load")
            context = contexts[who]
            page = context.pages[0]
            url = base + path.format(**ids)
            response = page.goto(url)
            assert response.status == 200, (who, url, response.status)
            page.evaluate(AXE)
            for violation in page.evaluate(RUN_AXE, TAGS):
                found.append(f"{path} ({who}): {violation['id']} at {violation['targets']}: {violation['help']}")
            assert context.errors == [], f"Console errors on {url}: {context.errors}"
    finally:
        for context in contexts.values():
            context.close()
    return found


def test_every_main_page_passes_axe_wcag_a_and_aa(a11y_world, server_port, browser):
    org, users, ids = a11y_world
    found = _audit(browser, f"http://{org.schema_name}.localhost:{server_port}", ORGANIZATION_PAGES, users, ids)
    found += _audit(browser, f"http://localhost:{server_port}", PUBLIC_PAGES, users, ids)
    assert found == [], "Accessibility violations:\n" + "\n".join(found)
