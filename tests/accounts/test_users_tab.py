"""The Users tab grants and revokes account roles (django-guardian object permissions)."""

from django.urls import reverse

from accounts.roles import AccountRole
from accounts.selectors import account_users, accounts_for_user
from accounts.tenancy.models import Membership, User


def grant_post(world, data, user=None):
    client = world.client_for(user or world.account_admin)
    return client.post(reverse("account_settings", args=[world.store.pk, "users"]), data)


def test_granting_a_role_to_a_new_email_creates_a_member_who_can_sign_in(world):
    response = grant_post(
        world, {"email": "New.Agent@Example.com", "role": "agent", "full_name": "New Agent", "password": "s3cret-pass"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.agent@example.com")
    assert Membership.objects.get(user=user, organization=world.org).role == Membership.Role.MEMBER
    assert (user, AccountRole.AGENT) in account_users(account=world.store)
    assert list(accounts_for_user(user=user)) == [world.store]
    login = world.client_for(None).post(reverse("login"), {"username": user.email, "password": "s3cret-pass"})
    assert login.status_code == 302


def test_granting_replaces_the_previous_role(world):
    grant_post(world, {"email": world.viewer.email, "role": "account_admin"})
    roles = dict(account_users(account=world.store))
    assert roles[world.viewer] == AccountRole.ADMIN


def test_a_new_user_needs_a_password(world):
    response = grant_post(world, {"email": "nopass@example.com", "role": "viewer"})
    assert response.status_code == 422
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(email="nopass@example.com").exists()


def test_org_admins_need_no_account_role(world):
    response = grant_post(world, {"email": world.supervisor.email, "role": "viewer"})
    assert response.status_code == 422
    assert "already reaches every account" in response.context["form"].errors["email"][0]


def test_revoking_removes_access_at_once(world):
    client = world.client_for(world.account_admin)
    client.post(reverse("revoke_role", args=[world.store.pk, world.viewer.pk]))
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
