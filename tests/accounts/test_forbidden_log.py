"""A 403 is logged once, on one line, without a traceback: a role refused a page is not a server error."""

import logging

from django.urls import reverse


def test_a_403_logs_one_line_without_a_traceback(world, caplog):
    client = world.client_for(world.agent)
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("channel_list", args=[world.store.pk]))
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert len(forbidden) == 1
    assert forbidden[0].getMessage() == f"Forbidden (Permission denied): /accounts/{world.store.pk}/channels/"
    assert not forbidden[0].exc_info and "Traceback" not in caplog.text


def test_django_records_are_printed_by_one_handler_only():
    # Django's default console handler on the "django" logger would print each record again beside the root's.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate and logging.getLogger().handlers
