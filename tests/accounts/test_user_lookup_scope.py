"""Users are shared by every organization, but an id from a request is only looked up among the members of
the organization at hand: a user of another organization is a 404 exactly like a missing id, and their
email never appears."""

import pytest
from django.db import connection
from django.urls import reverse

from accounts.roles import AccountRole
from accounts.selectors import account_users
from accounts.tenancy.models import Invitation, Membership, User
from oms.exceptions import DomainError
from orders.services.rules import order_rule_save
from tests import factories
from tests.conftest import in_tenant

RIVAL_EMAIL = "rival-agent@rival.example.com"


@pytest.fixture
def rival(world, other_world) -> User:
    """An agent of the other organization (globex), with a recognisable email."""
    in_tenant(other_world.org)
    user = factories.member(email=RIVAL_EMAIL)
    factories.grant(user, other_world.store, AccountRole.AGENT)
    in_tenant(world.org)
    return user


def missing_user_id() -> int:
    return (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.parametrize("role", ["admin", "account_admin"])
def test_revoking_a_user_of_another_organization_is_a_404_that_names_nobody(world, rival, role):
    client = world.client_for(world.by_role(role))

    # The probe: POST /accounts/<id>/users/<user id>/revoke/ on the organization's host.
    response = client.post(f"/accounts/{world.store.pk}/users/{rival.pk}/revoke/", {"confirmed": "yes"}, follow=True)
    missing = client.post(f"/accounts/{world.store.pk}/users/{missing_user_id()}/revoke/", {"confirmed": "yes"}, follow=True)

    assert response.status_code == missing.status_code == 404
    assert RIVAL_EMAIL not in response.content.decode()
    page = client.get(reverse("account_settings", args=[world.store.pk, "users"]))
    assert RIVAL_EMAIL not in page.content.decode()  # no message left for the next page either


def test_revoking_a_member_still_works_and_names_them(world):
    client = world.client_for(world.account_admin)
    response = client.post(f"/accounts/{world.store.pk}/users/{world.viewer.pk}/revoke/", {"confirmed": "yes"}, follow=True)
    assert response.status_code == 200
    assert f"{world.viewer.email} no longer has access" in response.content.decode()
    assert world.viewer not in dict(account_users(account=world.store))


def test_removing_a_user_of_another_organization_is_a_404_and_changes_nothing(world, rival):
    client = world.client_for(world.admin)
    response = client.post(reverse("member_remove", args=[rival.pk]), {"confirmed": "yes"})
    assert response.status_code == 404
    assert RIVAL_EMAIL not in response.content.decode()
    assert Membership.objects.filter(user=rival).count() == 1


def test_a_removed_member_loses_their_account_roles_and_leaves_the_users_tab(world):
    client = world.client_for(world.admin)
    assert client.post(reverse("member_remove", args=[world.agent.pk]), {"confirmed": "yes"}, follow=True).status_code == 200
    in_tenant(world.org)
    assert world.agent not in dict(account_users(account=world.store))
    page = client.get(reverse("account_settings", args=[world.store.pk, "users"]))
    assert world.agent.email not in page.content.decode()


def test_an_order_rule_cannot_assign_orders_to_a_user_of_another_organization(world, rival):
    in_tenant(world.org)
    with pytest.raises(DomainError, match="not available in this account"):
        order_rule_save(account=world.store, by=world.admin, name="To the rival",
                        conditions=[], actions=[{"type": "assign_user", "id": rival.pk}])

    client = world.client_for(world.admin)
    form_page = client.get(reverse("order_rule_new", args=[world.store.pk]))
    assert RIVAL_EMAIL not in form_page.content.decode()  # not offered
    response = client.post(reverse("order_rule_new", args=[world.store.pk]),
                           {"name": "To the rival", "is_active": "on", "act_user": rival.pk})
    assert response.status_code == 422
    assert "act_user" in response.context["form"].errors
    assert RIVAL_EMAIL not in response.content.decode()


def test_the_users_tab_does_not_grant_a_user_of_another_organization_by_email(world, rival):
    client = world.client_for(world.admin)
    client.post(reverse("account_settings", args=[world.store.pk, "users"]), {"email": RIVAL_EMAIL, "role": "agent"})
    in_tenant(world.org)
    assert rival not in dict(account_users(account=world.store))
    assert not Membership.objects.filter(user=rival, organization=world.org).exists()


def test_revoking_an_invitation_of_another_organization_is_a_404(world, other_world):
    in_tenant(other_world.org)
    other_admin = other_world.client_for(other_world.admin)
    other_admin.post(reverse("member_add"), {"email": "someone@elsewhere.example.com", "role": "member"})
    theirs = Invitation.objects.get(organization=other_world.org, email="someone@elsewhere.example.com")

    client = world.client_for(world.admin)
    assert client.post(reverse("member_invitation_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("invitation_revoke", args=[world.store.pk, theirs.pk])).status_code == 404
    assert Invitation.objects.filter(pk=theirs.pk).exists()
    assert connection.tenant == world.org
