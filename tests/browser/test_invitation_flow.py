"""An account administrator invites a newcomer from the Users tab; the newcomer opens the emailed link in
their own browser, chooses a password and lands in the account, signed in."""

import re

import pytest
from django.core import mail
from django.db import connection

from accounts.roles import AccountRole
from accounts.selectors import account_users
from accounts.services import account_create, warehouse_create
from accounts.tenancy.models import Membership, User
from tests.browser.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def inviting_world(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Kite Kids", by=None)
    warehouse_create(account=account, by=None, name="Main", code="MAIN")
    admin = UserFactory(email=f"admin-{committed_org.schema_name}@example.com")
    Membership.objects.create(user=admin, organization=committed_org, role=Membership.Role.ADMIN)
    connection.set_schema_to_public()
    return committed_org, admin, account


def test_newcomer_accepts_an_invitation_and_lands_in_the_account(inviting_world, server_port, page, browser):
    org, admin, account = inviting_world
    base = f"http://{org.schema_name}.localhost:{server_port}"
    email = f"newcomer-{org.schema_name}@example.com"
    mail.outbox.clear()

    sign_in(page, base, admin.email, "/organization/")
    page.goto(f"{base}/accounts/{account.pk}/settings/users/")
    page.fill("#id_email", email)
    page.select_option("#id_role", AccountRole.AGENT)
    page.click("form.inline-form button[type=submit]")
    page.wait_for_selector(f"text=Invitation sent to {email}.")
    assert email in page.inner_text("#account-invitations")
    assert not User.objects.filter(email=email).exists()

    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    link = link.replace(":8000/", f":{server_port}/")  # the email names runserver's port
    newcomer = browser.new_context().new_page()
    newcomer.goto(link)
    newcomer.fill("#id_full_name", "Nia Newcomer")
    newcomer.fill("#id_password", "kite-harbour-91")
    newcomer.fill("#id_password_again", "kite-harbour-91")
    newcomer.click("#accept-invitation")
    newcomer.wait_for_url(f"{base}/accounts/{account.pk}/")
    assert "Kite Kids" in newcomer.inner_text("h1")
    newcomer.context.close()

    user = User.objects.get(email=email)
    assert Membership.objects.filter(user=user, organization=org).exists()
    connection.set_tenant(org)
    assert (user, AccountRole.AGENT) in account_users(account=account)
    connection.set_schema_to_public()
