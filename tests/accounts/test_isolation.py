"""Nobody sees another organization, or an account they were not given: the answer is always 404."""

import re

import pytest
from django.urls import reverse

from accounts.tenancy.models import Membership
from tests.conftest import in_tenant
from tests.factories import ChannelFactory


def account_urls(account_id: int, warehouse_id: int = 1, job_id: int = 1, user_id: int = 1) -> list[tuple[str, str]]:
    return [
        ("get", reverse("account_overview", args=[account_id])),
        ("get", reverse("account_settings", args=[account_id, "main"])),
        ("get", reverse("account_settings", args=[account_id, "warehouses"])),
        ("get", reverse("account_settings", args=[account_id, "users"])),
        ("post", reverse("account_settings", args=[account_id, "workflow"])),
        ("post", reverse("rotate_api_key", args=[account_id])),
        ("get", reverse("warehouse_edit", args=[account_id, warehouse_id])),
        ("post", reverse("warehouse_toggle", args=[account_id, warehouse_id])),
        ("post", reverse("recurring_job_action", args=[account_id, job_id, "disable"])),
        ("post", reverse("revoke_role", args=[account_id, user_id])),
        ("post", reverse("switch_account") + f"?account={account_id}"),
    ]


def _call(client, method, url, account_id):
    if method == "post":
        return client.post(url, {"account": account_id})
    return client.get(url)


@pytest.mark.parametrize("role", ["admin", "supervisor", "account_admin", "agent", "viewer"])
def test_user_of_one_organization_gets_404_on_the_other(world, other_world, role):
    user = world.by_role(role)
    target = other_world.store
    in_tenant(other_world.org)
    warehouse = target.warehouses.first()
    client = other_world.client_for(None)
    client.force_login(user)
    for method, url in account_urls(target.pk, warehouse.pk):
        assert _call(client, method, url, target.pk).status_code == 404, url
    # Even the organization's home and login-protected pages: the user does not exist here.
    assert client.get(reverse("home")).status_code == 404
    assert client.get(reverse("organization")).status_code == 404


def test_same_ids_in_another_organization_do_not_leak(world, other_world):
    """acme's account ids exist in globex too (separate schemas): permissions never carry over."""
    in_tenant(other_world.org)
    client = other_world.client_for(None)
    client.force_login(world.account_admin)
    assert client.get(reverse("account_overview", args=[world.store.pk])).status_code == 404


def test_account_admin_of_one_account_gets_404_on_another(world):
    in_tenant(world.org)
    warehouse = world.outlet.warehouses.first()
    for role in ("account_admin", "agent", "viewer", "outsider"):
        client = world.client_for(world.by_role(role))
        for method, url in account_urls(world.outlet.pk, warehouse.pk):
            assert _call(client, method, url, world.outlet.pk).status_code == 404, (role, url)


def test_missing_and_foreign_objects_answer_the_same(world):
    client = world.client_for(world.account_admin)
    missing = client.get(reverse("account_overview", args=[999999]))
    foreign = client.get(reverse("account_overview", args=[world.outlet.pk]))
    assert missing.status_code == foreign.status_code == 404
    without_token = re.compile(rb'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"|name="next" value="[^"]+"')
    assert without_token.sub(b"", missing.content) == without_token.sub(b"", foreign.content)


def test_a_warehouse_of_another_account_is_404_inside_an_allowed_account(world):
    client = world.client_for(world.admin)
    other_wh = world.outlet.warehouses.first()
    assert client.get(reverse("warehouse_edit", args=[world.store.pk, other_wh.pk])).status_code == 404


def test_switcher_lists_exactly_the_accounts_a_user_may_use(world):
    for role, expected in [("admin", {world.store, world.outlet}), ("agent", {world.store}), ("outsider", set())]:
        response = world.client_for(world.by_role(role)).get(reverse("home"), follow=True)
        assert set(response.context["switcher_accounts"]) == expected, role


def test_login_is_refused_in_an_organization_the_user_does_not_belong_to(world, other_world):
    in_tenant(other_world.org)
    client = other_world.client_for(None)
    response = client.post(reverse("login"), {"username": world.admin.email, "password": "correct-horse-battery"})
    assert response.status_code == 200
    assert "do not match an account of this organization" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_member_can_sign_in_at_their_organization(world):
    client = world.client_for(None)
    response = client.post(reverse("login"), {"username": world.agent.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.agent.pk)


def test_disabled_account_disappears_for_its_users_but_not_for_org_admins(world):
    world.store.is_active = False
    world.store.save()
    agent = world.client_for(world.agent)
    assert agent.get(reverse("account_overview", args=[world.store.pk])).status_code == 404
    admin = world.client_for(world.admin)
    assert admin.get(reverse("account_settings", args=[world.store.pk, "main"])).status_code == 200


def test_a_master_channel_of_another_account_is_refused(world):
    """Choosing by id a channel that belongs to another account is a form error, not a silent save."""
    foreign = ChannelFactory(account=world.outlet)
    client = world.client_for(world.admin)
    response = client.post(
        reverse("account_settings", args=[world.store.pk, "workflow"]),
        {"master_product_source": "sales_channel", "master_product_channel": foreign.pk,
         "inventory_realtime_updates": "True"},
    )
    assert response.status_code == 422
    world.store.refresh_from_db()
    assert world.store.master_product_channel is None


def test_an_org_admin_of_one_organization_is_a_stranger_in_the_other(world, other_world):
    """Admin rights come with the membership of one organization: they do not carry to another."""
    from accounts.selectors import accounts_for_user, org_role_for

    in_tenant(other_world.org)
    assert org_role_for(world.admin) is None
    assert list(accounts_for_user(user=world.admin)) == []
    Membership.objects.create(user=world.admin, organization=other_world.org, role=Membership.Role.MEMBER)
    fresh = type(world.admin).objects.get(pk=world.admin.pk)  # no cached role
    assert org_role_for(fresh) == "member" and list(accounts_for_user(user=fresh)) == []
