"""Two-factor sign-in: set-up with a QR code and recovery codes, the code step at sign-in (app code or a recovery
code, once), turning it off, and organizations that require it of their administrators."""

import re
import time

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tenancy.models import Organization
from accounts.tenancy.two_factor import organization_require_two_factor
from tests.api.conftest import ApiClient, keys  # noqa: F401 (fixture)
from tests.factories import PASSWORD, totp_code, two_factor_on


def _client(org, **extra) -> Client:
    return Client(HTTP_HOST=f"{org.schema_name}.localhost", **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _password_step(client: Client, user, next_url: str = ""):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def _require_two_factor(world, required: bool = True) -> None:
    # Through the service: it also tells every process's look-up cache that the organization changed.
    organization = Organization.objects.get(pk=world.org.pk)  # not the shared fixture object
    organization_require_two_factor(organization=organization, required=required, by=world.admin)


# Set-up -------------------------------------------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_secret_then_a_code_turns_it_on_with_ten_recovery_codes(world):
    client = world.client_for(world.agent)
    assert "Set up two-factor sign-in" in client.get("/two-factor/").content.decode()
    assert not TOTPDevice.objects.filter(user=world.agent).exists()  # looking changes nothing

    assert client.post("/two-factor/", {"action": "start"}).status_code == 302
    page = client.get("/two-factor/")
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=world.agent, confirmed=False)
    assert page["Cache-Control"] == "no-store"
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1]
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert secret.replace(" ", "") in device.config_url

    wrong = client.post("/two-factor/", {"action": "confirm", "code": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 422 and "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    too_soon = client.post("/two-factor/", {"action": "confirm", "code": totp_code(device)})
    assert too_soon.status_code == 422 and "wait 1 s" in too_soon.content.decode()  # the wrong code's throttle held
    time.sleep(1.1)
    done = client.post("/two-factor/", {"action": "confirm", "code": totp_code(device)})
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == settings.TWO_FACTOR_RECOVERY_CODES == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert sorted(StaticToken.objects.filter(device__user=world.agent).values_list("token", flat=True)) == sorted(codes)
    # Shown once: the page now only counts them.
    after = client.get("/two-factor/").content.decode()
    assert 'id="codes-left">10<' in after and codes[0] not in after


def test_a_set_up_code_that_is_not_six_digits_is_a_form_error(world):
    client = world.client_for(world.agent)
    client.post("/two-factor/", {"action": "start"})
    response = client.post("/two-factor/", {"action": "confirm", "code": "abc"})
    assert response.status_code == 422 and "6-digit code" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.agent, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=world.agent).exists()


# Signing in ---------------------------------------------------------------------------------------------------


def test_without_two_factor_the_password_signs_in_at_once(world):
    client = _client(world.org)
    assert _password_step(client, world.agent).status_code == 302
    assert _signed_in(client)


def test_sign_in_asks_for_the_app_code_after_the_password(world):
    device, _ = two_factor_on(world.agent)
    client = _client(world.org)
    response = _password_step(client, world.agent, next_url=f"/accounts/{world.store.pk}/")
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert not _signed_in(client)  # the password alone is not enough
    assert client.get(f"/accounts/{world.store.pk}/").status_code == 302  # still sent to sign in

    assert "6-digit code" in client.get("/login/code/").content.decode()
    response = client.post("/login/code/", {"code": totp_code(device, ahead=1)})
    assert response.status_code == 302 and response["Location"] == f"/accounts/{world.store.pk}/"
    assert _signed_in(client)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get(f"/accounts/{world.store.pk}/").status_code == 200


def test_a_system_administrator_gives_a_code_on_the_public_site_too(system_admin):
    device, _ = two_factor_on(system_admin)
    client = Client(HTTP_HOST="localhost")
    response = _password_step(client, system_admin)
    assert response["Location"] == "/login/code/" and not _signed_in(client)
    assert client.post("/login/code/", {"code": totp_code(device, ahead=1)}).status_code == 302
    assert client.get("/").status_code == 200


@override_settings(TWO_FACTOR_LOGIN_SECONDS=0)
def test_the_code_step_expires_and_the_password_is_asked_again(world):
    device, _ = two_factor_on(world.agent)
    client = _client(world.org)
    _password_step(client, world.agent)
    time.sleep(0.01)
    response = client.post("/login/code/", {"code": totp_code(device, ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not _signed_in(client)


def test_a_wrong_code_is_refused_and_does_not_sign_in(world):
    device, _ = two_factor_on(world.agent)
    client = _client(world.org)
    _password_step(client, world.agent)
    wrong = "123456" if totp_code(device, ahead=1) != "123456" else "654321"
    response = client.post("/login/code/", {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not _signed_in(client)


def test_a_recovery_code_signs_in_once(world):
    _, codes = two_factor_on(world.agent)
    client = _client(world.org)
    _password_step(client, world.agent)
    response = client.post("/login/code/", {"code": f" {codes[0].upper()[:4]}-{codes[0].upper()[4:]} "})
    assert response.status_code == 302 and _signed_in(client)
    assert StaticToken.objects.filter(device__user=world.agent).count() == 9

    client.post("/logout/")
    again = _client(world.org)
    _password_step(again, world.agent)
    response = again.post("/login/code/", {"code": codes[0]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not _signed_in(again)
    # Another recovery code still works, once the device's short wait after a wrong code is over.
    too_soon = again.post("/login/code/", {"code": codes[1]})
    assert too_soon.status_code == 200 and "wait 1 s before the next one" in too_soon.content.decode()
    time.sleep(1.1)
    assert again.post("/login/code/", {"code": codes[1]}).status_code == 302 and _signed_in(again)


def test_the_code_step_without_a_correct_password_first_goes_back_to_sign_in(world):
    device, _ = two_factor_on(world.agent)
    client = _client(world.org)
    response = client.post("/login/code/", {"code": totp_code(device, ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not _signed_in(client)


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0)  # no wait between codes (django-otp's own slow-down), to count fast
def test_wrong_codes_count_towards_the_lockout(world):
    device, _ = two_factor_on(world.agent)
    client = _client(world.org, REMOTE_ADDR="10.3.0.1")
    _password_step(client, world.agent)
    statuses = [client.post("/login/code/", {"code": f"{n:06d}"}).status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    # Now even the right code is refused, with the lockout message.
    response = client.post("/login/code/", {"code": totp_code(device, ahead=1)})
    assert response.status_code == 429 and "Too many failed sign-in attempts" in response.content.decode()
    assert not _signed_in(client)
    # And so is the password, from anywhere.
    elsewhere = _client(world.org, REMOTE_ADDR="10.3.0.2")
    assert _password_step(elsewhere, world.agent).status_code == 429


# Turning it off, new recovery codes ------------------------------------------------------------------------------


def test_turning_off_needs_the_password_and_a_code(world):
    device, codes = two_factor_on(world.agent)
    client = world.client_for(world.agent)
    bad_password = client.post(
        "/two-factor/", {"action": "disable", "disable-password": "nope", "disable-code": totp_code(device, ahead=1), "confirmed": "yes"}
    )
    assert bad_password.status_code == 422 and "password is not right" in bad_password.content.decode()
    bad_code = client.post(
        "/two-factor/", {"action": "disable", "disable-password": PASSWORD, "disable-code": "zzzzzzzz", "confirmed": "yes"}
    )
    assert bad_code.status_code == 422 and "code is not right" in bad_code.content.decode()
    assert TOTPDevice.objects.filter(user=world.agent, confirmed=True).exists()

    time.sleep(1.1)  # the wrong recovery code slowed the next try by a second
    asked = client.post("/two-factor/", {"action": "disable", "disable-password": PASSWORD, "disable-code": codes[0]})
    assert asked.status_code == 200 and "Turn off two-factor sign-in?" in asked.content.decode()
    assert asked["Cache-Control"] == "no-store" and TOTPDevice.objects.filter(user=world.agent).exists()
    ok = client.post(
        "/two-factor/", {"action": "disable", "disable-password": PASSWORD, "disable-code": codes[0], "confirmed": "yes"}
    )
    assert ok.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.agent).exists()
    assert not StaticDevice.objects.filter(user=world.agent).exists()
    fresh = _client(world.org)
    assert _password_step(fresh, world.agent).status_code == 302 and _signed_in(fresh)


def test_new_recovery_codes_replace_the_old_ones(world):
    device, old = two_factor_on(world.agent)
    client = world.client_for(world.agent)
    response = client.post("/two-factor/", {"action": "renew", "renew-code": totp_code(device, ahead=1)})
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=world.agent).values_list("token", flat=True)) == set(new)


# Organizations that require it ----------------------------------------------------------------------------------


def test_an_administrator_without_two_factor_is_sent_to_set_it_up(world):
    _require_two_factor(world)
    for user in (world.admin, world.supervisor, world.account_admin):
        client = world.client_for(user)
        response = client.get(f"/accounts/{world.store.pk}/")
        assert response.status_code == 302 and response["Location"] == "/two-factor/", user
        page = client.get("/two-factor/")
        assert page.status_code == 200 and "requires two-factor sign-in for administrators" in page.content.decode()
        # htmx fragments get a full-page redirect instead of a fragment.
        fragment = client.get(f"/accounts/{world.store.pk}/", headers={"HX-Request": "true"})
        assert fragment["HX-Redirect"] == "/two-factor/"


def test_members_who_are_not_administrators_are_not_concerned(world):
    _require_two_factor(world)
    for user in (world.agent, world.viewer):
        assert world.client_for(user).get(f"/accounts/{world.store.pk}/").status_code == 200


def test_once_set_up_the_administrator_gets_in(world):
    _require_two_factor(world)
    client = world.client_for(world.admin)
    client.post("/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=world.admin)
    assert client.post("/two-factor/", {"action": "confirm", "code": totp_code(device)}).status_code == 200
    assert client.get("/organization/").status_code == 200


def test_an_administrator_with_a_device_but_an_unverified_session_signs_in_again(world):
    two_factor_on(world.admin)
    _require_two_factor(world)
    client = world.client_for(world.admin)  # a session that never gave a code
    response = client.get("/organization/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Forganization%2F"
    assert not _signed_in(client)


def test_the_requirement_is_per_organization(world, other_world):
    _require_two_factor(world)
    assert other_world.client_for(other_world.admin).get("/organization/").status_code == 200


def test_the_api_is_not_concerned(world, keys):  # noqa: F811
    _require_two_factor(world)
    assert ApiClient(world.org, keys.store).get("/orders").status_code == 200


def test_an_organization_administrator_requires_it_on_the_organization_page(world):
    client = world.client_for(world.admin)
    assert 'name="require_two_factor_for_admins"' in client.get("/organization/").content.decode()
    response = client.post("/organization/two-factor/", {"require_two_factor_for_admins": "on"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=world.org.pk).require_two_factor_for_admins
    # The administrator who turned it on is the first one sent to set it up.
    assert client.get("/organization/")["Location"] == "/two-factor/"


def test_only_organization_administrators_change_the_requirement(world):
    for user in (world.supervisor, world.account_admin, world.agent):
        assert world.client_for(user).post("/organization/two-factor/", {"require_two_factor_for_admins": "on"}).status_code == 403
    assert not Organization.objects.get(pk=world.org.pk).require_two_factor_for_admins


def test_a_system_administrator_requires_it_on_the_public_site(world, system_admin):
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="localhost")
    client.force_login(system_admin)
    assert 'name="require_two_factor_for_admins"' in client.get(f"/organizations/{world.org.pk}/").content.decode()
    response = client.post(f"/organizations/{world.org.pk}/two-factor/", {"require_two_factor_for_admins": "on"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=world.org.pk).require_two_factor_for_admins
    asked = client.post(f"/organizations/{world.org.pk}/two-factor/", {})
    assert asked.status_code == 200 and "Stop requiring two-factor sign-in" in asked.content.decode()
    assert Organization.objects.get(pk=world.org.pk).require_two_factor_for_admins
    client.post(f"/organizations/{world.org.pk}/two-factor/", {"confirmed": "yes"})
    assert not Organization.objects.get(pk=world.org.pk).require_two_factor_for_admins
    # Members of an organization cannot reach the public site's pages.
    member = Client(HTTP_HOST="localhost")
    member.force_login(world.admin)
    assert member.post(f"/organizations/{world.org.pk}/two-factor/", {"require_two_factor_for_admins": "on"}).status_code == 404


def test_a_wrong_code_on_the_two_factor_page_is_kept_as_a_throttle_and_counts_towards_the_lockout(world):
    from axes.models import AccessAttempt

    device, _ = two_factor_on(world.agent)
    client = world.client_for(world.agent)
    wrong = "000000" if totp_code(device, ahead=1) != "000000" else "111111"

    response = client.post("/two-factor/", {"action": "renew", "renew-code": wrong})

    assert response.status_code == 422
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # not rolled back with the refused renewal
    assert AccessAttempt.objects.filter(username=world.agent.email).exists()
