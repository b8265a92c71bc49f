"""Every role against every tab of the Edit Account page (GET and a save), on an account they hold."""

import pytest
from django.urls import reverse

from accounts.settings_tabs import TABS

ALLOWED = {
    # role: tabs it may use on the store account
    "admin": {t.slug for t in TABS},
    "supervisor": {t.slug for t in TABS},
    "account_admin": {t.slug for t in TABS} - {"warehouses"},
    "agent": set(),
    "viewer": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("tab", [t.slug for t in TABS])
def test_role_may_or_may_not_open_tab(world, role, tab):
    client = world.client_for(world.by_role(role))
    response = client.get(reverse("account_settings", args=[world.store.pk, tab]))
    expected = 200 if tab in ALLOWED[role] else 403
    assert response.status_code == expected
    if expected == 200:
        nav = response.content.decode()
        assert ("Warehouses</a>" in nav) == ("warehouses" in ALLOWED[role])


@pytest.mark.parametrize("role", ["agent", "viewer", "account_admin"])
def test_refused_role_cannot_save_through_post(world, role):
    """A POST is refused just like a GET, and nothing changes."""
    client = world.client_for(world.by_role(role))
    tab = "main" if role != "account_admin" else "warehouses"
    data = {"name": "Hijacked", "code": "HIJACK", "city": "x"}
    response = client.post(reverse("account_settings", args=[world.store.pk, tab]), data)
    assert response.status_code == 403
    world.store.refresh_from_db()
    assert world.store.name != "Hijacked"
    assert not world.store.warehouses.filter(code="HIJACK").exists()


def test_system_admin_reaches_every_tab_of_any_organization(world, system_admin):
    client = world.client_for(system_admin)
    for tab in TABS:
        assert client.get(reverse("account_settings", args=[world.outlet.pk, tab.slug])).status_code == 200


def test_anonymous_is_sent_to_sign_in(world):
    response = world.client_for(None).get(reverse("account_settings", args=[world.store.pk, "main"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role,status", [("admin", 200), ("supervisor", 200), ("account_admin", 403), ("agent", 403)])
def test_organization_page_is_for_org_level_roles(world, role, status):
    assert world.client_for(world.by_role(role)).get(reverse("organization")).status_code == status


def test_only_org_admin_manages_members(world):
    data = {"email": "new@example.com", "role": "member", "password": "a-long-pass-123"}
    assert world.client_for(world.supervisor).post(reverse("member_add"), data).status_code == 403
    assert world.client_for(world.admin).post(reverse("member_add"), data).status_code == 302


def test_viewer_and_agent_see_the_overview_but_no_settings_link(world):
    for role in ("viewer", "agent"):
        response = world.client_for(world.by_role(role)).get(reverse("account_overview", args=[world.store.pk]))
        assert response.status_code == 200
        assert reverse("account_settings", args=[world.store.pk, "main"]) not in response.content.decode()
