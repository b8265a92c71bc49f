"""The organization home offers each account's Orders, Inventory and Intake; the order list links clone metrics."""

from django.urls import reverse

from accounts.roles import AccountRole
from tests import factories


def test_a_member_with_several_accounts_gets_each_accounts_pages(world):
    factories.grant(world.viewer, world.outlet, AccountRole.VIEWER)
    response = world.client_for(world.viewer).get("/", follow=True)
    html = response.content.decode()
    for account in (world.store, world.outlet):
        for name in ("order_list", "inventory_levels", "intake_page"):
            assert f'href="{reverse(name, args=[account.pk])}"' in html


def test_the_organization_page_offers_each_accounts_pages(world):
    html = world.client_for(world.admin).get(reverse("organization")).content.decode()
    assert f'href="{reverse("intake_page", args=[world.outlet.pk])}"' in html


def test_the_order_list_links_clone_metrics_for_those_who_may_see_them(world):
    url = reverse("order_list", args=[world.store.pk])
    assert 'id="clone-metrics-link"' in world.client_for(world.agent).get(url).content.decode()
    assert 'id="clone-metrics-link"' not in world.client_for(world.viewer).get(url).content.decode()
