"""A notification stays in the page's corner until its user dismisses it; rendering a page or a fragment never
marks it read, and nobody can dismiss another user's."""

import pytest
from django.urls import reverse

from accounts.models import Notification


def _notify(user, message="Northwind was cloned into Copy"):
    return Notification.objects.create(user=user, message=message, url="/organization/")


def test_pages_and_fragments_show_a_notification_without_marking_it_read(world):
    note = _notify(world.admin)
    client = world.client_for(world.admin)
    for _ in range(2):
        assert "Northwind was cloned into Copy" in client.get(reverse("organization")).content.decode()
    client.get(reverse("organization"), HTTP_HX_REQUEST="true")
    note.refresh_from_db()
    assert note.read_at is None


def test_dismissing_with_a_plain_form_marks_it_read_and_goes_back(world):
    note = _notify(world.admin)
    client = world.client_for(world.admin)
    response = client.post(reverse("notification_dismiss", args=[note.pk]), {"next": "/organization/"})
    assert response.status_code == 302 and response["Location"] == "/organization/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert "Northwind was cloned into Copy" not in client.get(reverse("organization")).content.decode()


def test_dismissing_with_htmx_answers_an_empty_fragment(world):
    note = _notify(world.admin)
    response = world.client_for(world.admin).post(
        reverse("notification_dismiss", args=[note.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response.content == b""
    note.refresh_from_db()
    assert note.read_at is not None


def test_dismiss_all_marks_only_the_users_own(world):
    mine = [_notify(world.admin, f"Mine {i}") for i in range(3)]
    theirs = _notify(world.supervisor)
    world.client_for(world.admin).post(reverse("notifications_dismiss"), {"next": "https://evil.example/"})
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_notification_is_a_404_and_stays_unread(world):
    theirs = _notify(world.supervisor)
    response = world.client_for(world.admin).post(reverse("notification_dismiss", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("next_", ["https://evil.example/", "//evil.example/", "-1", "home", ""])
def test_a_next_that_is_not_a_path_of_this_site_goes_home(world, next_):
    note = _notify(world.admin)
    response = world.client_for(world.admin).post(reverse("notification_dismiss", args=[note.pk]), {"next": next_})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_dismiss_needs_post(world):
    note = _notify(world.admin)
    assert world.client_for(world.admin).get(reverse("notification_dismiss", args=[note.pk])).status_code == 405
