"""An administrator of an organization that requires two-factor sign-in is sent to set it up, scans (reads) the
secret, confirms with a code, gets recovery codes, and from then on signs in with a code after the password."""

from base64 import b32decode

import pytest
from django.db import connection
from django_otp.oath import totp

from accounts.tenancy.models import Membership, Organization
from accounts.tenancy.two_factor import organization_require_two_factor
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def _code(secret: str, *, ahead: int = 0) -> str:
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key, drift=ahead):06d}"


def test_admin_sets_up_two_factor_when_required_then_signs_in_with_a_code(committed_org, server_port, page):
    connection.set_schema_to_public()
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    organization_require_two_factor(  # through the service: the look-up caches learn of it too
        organization=Organization.objects.get(pk=committed_org.pk), required=True, by=admin
    )
    base = f"http://{committed_org.schema_name}.localhost:{server_port}"

    sign_in(page, base, admin.email, "/two-factor/")
    assert "requires two-factor sign-in for administrators" in page.inner_text(".messages")
    page.click("text=Set up two-factor sign-in")
    page.wait_for_selector(".qr svg")
    secret = page.inner_text("#totp-secret")
    page.fill("#id_code", _code(secret))
    page.click("text=Turn on")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10

    page.click("text=Done")
    page.wait_for_url(f"{base}/organization/")  # in, now that the session is verified

    page.click("text=Sign out")
    page.wait_for_url(f"{base}/login/")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/login/code/")
    page.fill("#id_code", _code(secret, ahead=1))  # the app's next code: the one used to confirm cannot be reused
    page.click("text=Verify")
    page.wait_for_url(f"{base}/organization/")
    assert admin.email in page.inner_text(".usermenu")
