"""The Users tab grants and revokes account roles (django-guardian object permissions)."""

from django.urls import reverse

from accounts.roles import AccountRole
from accounts.selectors import account_users, accounts_for_user
from accounts.tenancy.models import Invitation, User


def grant_post(world, data, user=None):
    client = world.client_for(user or world.account_admin)
    return client.post(reverse("account_settings", args=[world.store.pk, "users"]), data)


def test_granting_a_role_to_a_member_of_the_organization_applies_at_once(world):
    response = grant_post(world, {"email": world.outsider.email.upper(), "role": "agent"})
    assert response.status_code == 302
    assert (world.outsider, AccountRole.AGENT) in account_users(account=world.store)
    assert list(accounts_for_user(user=world.outsider)) == [world.store]


def test_granting_a_role_to_a_new_email_invites_instead_of_creating_a_user(world):
    response = grant_post(world, {"email": "New.Agent@Example.com", "role": "agent"}, user=world.admin)
    assert response.status_code == 302
    assert not User.objects.filter(email="new.agent@example.com").exists()
    assert Invitation.objects.filter(email="new.agent@example.com", account_id=world.store.pk).exists()


def test_granting_replaces_the_previous_role(world):
    grant_post(world, {"email": world.viewer.email, "role": "account_admin"})
    roles = dict(account_users(account=world.store))
    assert roles[world.viewer] == AccountRole.ADMIN


def test_org_admins_need_no_account_role(world):
    response = grant_post(world, {"email": world.supervisor.email, "role": "viewer"})
    assert response.status_code == 422
    assert "already reaches every account" in response.context["form"].errors["email"][0]


def test_revoking_removes_access_at_once(world):
    client = world.client_for(world.account_admin)
    client.post(reverse("revoke_role", args=[world.store.pk, world.viewer.pk]), {"confirmed": "yes"})
    world.viewer.__dict__.pop("_account_caps_cache", None)
    viewer = world.client_for(world.viewer)
    assert viewer.get(reverse("account_overview", args=[world.store.pk])).status_code == 404


def test_users_tab_lists_role_holders_with_their_roles(world):
    response = world.client_for(world.admin).get(reverse("account_settings", args=[world.store.pk, "users"]))
    listed = dict(response.context["account_users"])
    assert listed == {
        world.account_admin: AccountRole.ADMIN,
        world.agent: AccountRole.AGENT,
        world.viewer: AccountRole.VIEWER,
    }
