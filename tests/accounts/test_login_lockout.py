"""Sign-in lockout: wrong passwords are counted per email and per address; past the limit even the right password
is refused with the login page saying when to try again (429), on organization sites and the public site."""

import re
import time
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client, override_settings

from tests.factories import PASSWORD

LOCKED = "Too many failed sign-in attempts"


def _login(client: Client, email: str, password: str, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert re.search(r"Try again after \d\d:\d\d UTC \(in about \d+ minutes?\)", page)
    assert 1 <= int(response["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_an_organization_site(world):
    client = Client(HTTP_HOST="acme.localhost")
    statuses = [_login(client, world.admin.email, f"wrong-{n}").status_code for n in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the login page with "do not match"
    assert set(statuses[limit - 1 :]) == {429}

    response = _login(client, world.admin.email, PASSWORD)
    _assert_locked_out(response)
    assert not _signed_in(client)


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_public_site(system_admin):
    client = Client(HTTP_HOST="localhost")
    for n in range(30):
        _login(client, system_admin.email, f"wrong-{n}")
    response = _login(client, system_admin.email, PASSWORD)
    _assert_locked_out(response)
    assert not _signed_in(client)


def test_an_email_is_locked_from_every_address_and_in_any_case(world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR=f"10.1.0.{n + 1}")
        email = world.agent.email.upper() if n % 2 else world.agent.email
        _login(client, email, "wrong")
    fresh_address = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR="10.1.9.9")
    _assert_locked_out(_login(fresh_address, world.agent.email, PASSWORD))
    # Another person signing in from that address is not concerned.
    assert _login(fresh_address, world.viewer.email, PASSWORD).status_code == 302


def test_an_address_is_locked_for_every_email(world, other_world):
    address = "10.2.0.7"
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(HTTP_HOST="acme.localhost", REMOTE_ADDR=address), f"guess{n}@example.com", "wrong")
    # Even a real user with the right password, even on another organization's site.
    client = Client(HTTP_HOST="globex.localhost", REMOTE_ADDR=address)
    _assert_locked_out(_login(client, other_world.admin.email, PASSWORD))
    assert not _signed_in(client)
    # The same user from elsewhere signs in.
    assert _login(Client(HTTP_HOST="globex.localhost", REMOTE_ADDR="10.2.0.8"), other_world.admin.email, PASSWORD).status_code == 302


def test_the_lockout_lifts_once_the_last_failure_is_older_than_the_cool_off(world):
    client = Client(HTTP_HOST="acme.localhost")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, world.admin.email, "wrong")
    _assert_locked_out(_login(client, world.admin.email, PASSWORD))

    # Refused attempts during the lockout did not extend it: moving the failures back past the cool-off lifts it.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = _login(client, world.admin.email, PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


@override_settings(AXES_COOLOFF_TIME=timedelta(seconds=2))
def test_a_short_cool_off_from_settings_is_announced_and_lifts_on_time(world):
    client = Client(HTTP_HOST="acme.localhost")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, world.admin.email, "wrong")
    response = _login(client, world.admin.email, PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 2
    assert "in about 1 minute" in response.content.decode()
    time.sleep(2.1)
    assert _login(client, world.admin.email, PASSWORD).status_code == 302
