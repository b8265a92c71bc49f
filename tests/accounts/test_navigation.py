"""The header offers only what the signed-in role may open, and role pickers start at the least powerful role."""

import re

import pytest
from django.urls import reverse

from tests.conftest import in_tenant

ROLES = ["admin", "supervisor", "account_admin", "agent", "viewer"]


def header_links(html: str) -> dict[str, str]:
    header = html.split("<main", 1)[0]
    return {text: href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', header)}


@pytest.mark.parametrize("role", ROLES)
def test_every_header_link_opens_for_the_role(world, role):
    client = world.client_for(world.by_role(role))
    links = header_links(client.get(reverse("account_overview", args=[world.store.pk])).content.decode())
    assert {"Orders", "Inventory", "Intake", "Two-factor sign-in"} <= set(links)
    for text, href in links.items():
        in_tenant(world.org)
        assert client.get(href).status_code == 200, (role, text, href)


@pytest.mark.parametrize("role, channels, organization", [
    ("admin", True, True), ("supervisor", True, True), ("account_admin", True, False),
    ("agent", False, False), ("viewer", False, False),
])
def test_channels_and_organization_links_follow_the_role(world, role, channels, organization):
    html = world.client_for(world.by_role(role)).get(reverse("account_overview", args=[world.store.pk])).content.decode()
    links = header_links(html)
    assert ("Channels" in links) is channels
    assert ("Organization" in links) is organization


def test_role_pickers_start_at_the_least_powerful_role(world):
    admin = world.client_for(world.admin)
    organization_page = admin.get(reverse("organization")).content.decode()
    assert re.search(r'<option value="member"[^>]*selected', organization_page)
    assert not re.search(r'<option value="admin"[^>]*selected', organization_page)
    in_tenant(world.org)
    users_tab = admin.get(reverse("account_settings", args=[world.store.pk, "users"])).content.decode()
    assert re.search(r'<option value="viewer"[^>]*selected', users_tab)
    assert not re.search(r'<option value="account_admin"[^>]*selected', users_tab)
