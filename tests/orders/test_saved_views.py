"""Saved views of the order list: save the current filters and sort under a name, open, delete (after a
confirmation); only their owner sees them, and only on their account."""

import pytest
from django.urls import reverse

from orders.models import SavedView
from tests.conftest import in_tenant


def list_url(account, query: str = "") -> str:
    return reverse("order_list", args=[account.pk]) + (f"?{query}" if query else "")


@pytest.fixture
def saved(world):
    client = world.client_for(world.agent)
    response = client.post(
        reverse("saved_view_new", args=[world.store.pk]),
        {"name": "  On hold,   oldest first ", "query": "status=on_hold&sort=created&bogus=1&after=123.4"},
    )
    assert response.status_code == 302
    return SavedView.objects.get(account=world.store, user=world.agent)


def test_saving_keeps_the_filters_and_sort_under_the_name(world, saved):
    assert saved.name == "On hold, oldest first"
    assert saved.query == "status=on_hold&sort=created"  # the list's own fields only, no cursor

    page = world.client_for(world.agent).get(list_url(world.store)).content.decode()
    open_url = reverse("saved_view_open", args=[world.store.pk, saved.pk])
    assert f'<a href="{open_url}">On hold, oldest first</a>' in page


def test_opening_a_view_shows_the_list_with_its_filters(world, saved):
    response = world.client_for(world.agent).get(reverse("saved_view_open", args=[world.store.pk, saved.pk]))

    assert response.status_code == 302 and response["Location"] == list_url(world.store, saved.query)


def test_a_name_is_needed_and_taken_once(world, saved):
    client = world.client_for(world.agent)
    url = reverse("saved_view_new", args=[world.store.pk])

    blank = client.post(url, {"name": "  ", "query": "status=open"}, follow=True)
    again = client.post(url, {"name": "On hold, oldest first", "query": "status=open"}, follow=True)
    long = client.post(url, {"name": "x" * 101, "query": ""}, follow=True)

    assert "Give the view a name." in blank.content.decode()
    assert "You already have a view named “On hold, oldest first”." in again.content.decode()
    assert "at most 100 characters" in long.content.decode()
    assert SavedView.objects.filter(user=world.agent).count() == 1
    # another user may use the same name
    other = world.client_for(world.viewer).post(url, {"name": "On hold, oldest first", "query": ""})
    assert other.status_code == 302 and SavedView.objects.count() == 2


def test_deleting_asks_first_then_deletes(world, saved):
    client = world.client_for(world.agent)
    url = reverse("saved_view_delete", args=[world.store.pk, saved.pk])

    asked = client.post(url)
    assert asked.status_code == 200 and "Delete the view “On hold, oldest first”?" in asked.content.decode()
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    assert SavedView.objects.filter(pk=saved.pk).exists()

    done = client.post(url, {"confirmed": "yes"})
    assert done.status_code == 302 and not SavedView.objects.filter(pk=saved.pk).exists()
    assert client.get(url).status_code == 405  # a GET deletes nothing


def test_another_users_view_is_invisible_and_404(world, saved):
    viewer = world.client_for(world.viewer)

    assert "On hold, oldest first" not in viewer.get(list_url(world.store)).content.decode()
    assert viewer.get(reverse("saved_view_open", args=[world.store.pk, saved.pk])).status_code == 404
    assert viewer.post(reverse("saved_view_delete", args=[world.store.pk, saved.pk]),
                       {"confirmed": "yes"}).status_code == 404
    assert viewer.get(reverse("saved_view_open", args=[world.store.pk, 987654])).status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists()


def test_a_view_on_another_account_is_invisible_there(world, saved):
    from tests.factories import grant

    grant(world.agent, world.outlet, "agent")
    client = world.client_for(world.agent)

    assert "On hold, oldest first" not in client.get(list_url(world.outlet)).content.decode()
    assert client.get(reverse("saved_view_open", args=[world.outlet.pk, saved.pk])).status_code == 404
    assert client.post(reverse("saved_view_delete", args=[world.outlet.pk, saved.pk]),
                       {"confirmed": "yes"}).status_code == 404
    assert SavedView.objects.filter(pk=saved.pk).exists()


def test_another_organizations_user_gets_404(world, other_world, saved):
    in_tenant(world.org)
    foreign = world.client_for(None)
    foreign.force_login(other_world.admin)

    assert foreign.get(reverse("saved_view_open", args=[world.store.pk, saved.pk])).status_code == 404
