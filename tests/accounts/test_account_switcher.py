"""The header switcher: the current account lives in the session, and a new account shows up at once."""

from django.urls import reverse

from accounts.middleware import SESSION_ACCOUNT_KEY
from accounts.roles import AccountRole
from tests.factories import grant


def switcher_names(response) -> list[str]:
    return [a.name for a in response.context["switcher_accounts"]]


def test_a_new_account_appears_in_the_switcher_without_signing_out(world):
    client = world.client_for(world.admin)
    before = switcher_names(client.get(reverse("organization")))
    client.post(reverse("account_create"), {"name": "Acme Pop-up", "code": "POPUP", "timezone": "UTC"})
    after = switcher_names(client.get(reverse("organization")))
    assert "Acme Pop-up" not in before and "Acme Pop-up" in after


def test_an_account_granted_later_appears_for_a_signed_in_user(world):
    client = world.client_for(world.agent)
    assert world.outlet.name not in switcher_names(client.get(reverse("account_overview", args=[world.store.pk])))
    grant(world.agent, world.outlet, AccountRole.VIEWER)
    assert world.outlet.name in switcher_names(client.get(reverse("account_overview", args=[world.store.pk])))


def test_switching_keeps_the_settings_tab_when_allowed(world):
    client = world.client_for(world.admin)
    next_url = reverse("account_settings", args=[world.store.pk, "workflow"])
    response = client.post(reverse("switch_account"), {"account": world.outlet.pk, "next": next_url})
    assert response["Location"] == reverse("account_settings", args=[world.outlet.pk, "workflow"])
    assert client.session[SESSION_ACCOUNT_KEY] == world.outlet.pk


def test_switching_goes_to_the_overview_where_the_tab_is_not_allowed(world):
    grant(world.agent, world.outlet, AccountRole.ADMIN)
    client = world.client_for(world.agent)
    next_url = reverse("account_settings", args=[world.outlet.pk, "main"])
    response = client.post(reverse("switch_account"), {"account": world.store.pk, "next": next_url})
    assert response["Location"] == reverse("account_overview", args=[world.store.pk])


def test_external_next_is_ignored(world):
    client = world.client_for(world.admin)
    response = client.post(reverse("switch_account"), {"account": world.store.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("account_overview", args=[world.store.pk])


def test_a_revoked_account_is_dropped_from_the_session(world):
    client = world.client_for(world.agent)
    client.post(reverse("switch_account"), {"account": world.store.pk})
    assert client.session[SESSION_ACCOUNT_KEY] == world.store.pk
    client_admin = world.client_for(world.admin)
    client_admin.post(reverse("revoke_role", args=[world.store.pk, world.agent.pk]), {"confirmed": "yes"})
    world.agent.__dict__.pop("_account_caps_cache", None)
    response = client.get(reverse("home"), follow=True)
    assert response.context["switcher_accounts"] == []
    assert SESSION_ACCOUNT_KEY not in client.session


def test_home_takes_org_admins_to_the_organization_and_agents_to_their_account(world):
    assert world.client_for(world.admin).get(reverse("home"))["Location"] == reverse("organization")
    agent_home = world.client_for(world.agent).get(reverse("home"))["Location"]
    assert agent_home == reverse("account_overview", args=[world.store.pk])
