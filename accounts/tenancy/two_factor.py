"""Two-factor sign-in (django-otp): an authenticator app (TOTP) plus single-use recovery codes, per user.

A user has it on when they have a confirmed TOTP device; recovery codes are the tokens of one static device,
made with it and removed with it. Setting up is two steps: `two_factor_setup_start` makes an unconfirmed
device (its secret shown as a QR code), `two_factor_confirm` checks a code from the app and hands back the
recovery codes, once. An organization can require it of its administrators (`two_factor_required_for`).
"""

from __future__ import annotations

import logging
import math
import time
import re
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import UserObjectPermission

from accounts import roles
from accounts.tenancy.lookups import lookups_changed
from accounts.selectors import org_role_for
from accounts.tenancy.models import Organization, User
from oms.exceptions import DomainError

logger = logging.getLogger("oms.security")

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
TOTP_CODE = re.compile(r"^\d{6}$")
ADMIN_ROLES = {"system", "admin", "supervisor"}


# Reads ------------------------------------------------------------------------------------------------------


def two_factor_device(*, user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, or None when two-factor sign-in is off."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def two_factor_pending_device(*, user: User) -> TOTPDevice | None:
    """The authenticator app being set up (not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def two_factor_recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_secret(device: TOTPDevice) -> str:
    """The device's secret as base32 in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def two_factor_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="Two-factor set-up code")


def two_factor_required_for(*, user: User, organization: Organization | None) -> bool:
    """Whether `organization` requires two-factor sign-in of `user`: it asks so of its administrators, and the user
    is an organization administrator or supervisor here, a system administrator, or an account administrator of
    one of its accounts. Call with the organization's schema active."""
    if organization is None or not organization.require_two_factor_for_admins or not user.is_authenticated:
        return False
    if org_role_for(user) in ADMIN_ROLES:
        return True
    return UserObjectPermission.objects.filter(
        user=user,
        content_type__app_label="accounts",
        content_type__model="account",
        permission__codename=roles.ADMINISTER,
    ).exists()


# The sign-in's code step: the user who gave the right password and still owes a code, kept in the session.
PENDING_KEY = "two_factor_pending"


def two_factor_login_pending(request, *, user: User, backend: str, next_url: str = "") -> None:
    """Remember that `user` proved the password (or accepted an invitation with it) and owes a code next."""
    request.session[PENDING_KEY] = {"user": user.pk, "backend": backend, "next": next_url, "at": time.time()}


# Writes -----------------------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_setup_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator device for `user` (an earlier unconfirmed one is replaced)."""
    if two_factor_device(user=user) is not None:
        raise DomainError("Two-factor sign-in is already on.", code="already_on")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    logger.info("two-factor set-up started by user %s", user.pk)
    return device


def two_factor_setup_cancel(*, user: User) -> None:
    """Drop a set-up that was not confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


def two_factor_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on with a code from the app being set up; returns the device and the recovery codes,
    which are not kept in readable form and cannot be shown again.

    The code is checked before the writes' transaction, so a wrong code's throttle (saved by django-otp) is kept."""
    code = _clean_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            raise DomainError("Start the set-up first.", code="no_setup")
        if not TOTP_CODE.match(code):
            raise DomainError("Enter the 6-digit code your app shows.", field="code")
        right = _verify(device, code)
    if not right:
        raise DomainError("That code is not right; check the app's clock and try the newest code.", field="code",
                          code="wrong_code")
    with transaction.atomic():
        if not TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True):
            raise DomainError("Start the set-up first.", code="no_setup")
        device.confirmed = True
        codes = _recovery_codes_replace(user)
    logger.info("two-factor sign-in turned on by user %s", user.pk)
    return device, codes


def two_factor_verify(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` — a 6-digit app code, or a recovery code, which is used up — or None.
    A wrong code slows the next try on that device (django-otp's throttle): DomainError `throttled` until then."""
    code = _clean_code(code)
    with transaction.atomic():
        if TOTP_CODE.match(code):
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            if _verify(device, code):
                return device
    return None


def two_factor_disable(*, user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off: needs the password and a current code (or a recovery code). The checks run
    before the writes' transaction, so a wrong code's throttle is kept."""
    if two_factor_device(user=user) is None:
        raise DomainError("Two-factor sign-in is not on.", code="not_on")
    if not user.check_password(password or ""):
        raise DomainError("That password is not right.", field="password", code="wrong_password")
    if two_factor_verify(user=user, code=code) is None:
        raise DomainError("That code is not right.", field="code", code="wrong_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    logger.info("two-factor sign-in turned off by user %s", user.pk)


def two_factor_recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """New recovery codes in place of the old ones (which stop working); needs a current app code, checked before
    the writes' transaction so a wrong code's throttle is kept."""
    if two_factor_device(user=user) is None:
        raise DomainError("Two-factor sign-in is not on.", code="not_on")
    code = _clean_code(code)
    if not TOTP_CODE.match(code) or two_factor_verify(user=user, code=code) is None:
        raise DomainError("Enter the current 6-digit code from your app.", field="code", code="wrong_code")
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
    logger.info("recovery codes renewed by user %s", user.pk)
    return codes


@transaction.atomic
def organization_require_two_factor(*, organization: Organization, required: bool, by: User) -> Organization:
    """Require (or stop requiring) two-factor sign-in of the organization's administrators."""
    Organization.objects.filter(pk=organization.pk).update(require_two_factor_for_admins=required)
    organization.require_two_factor_for_admins = required
    lookups_changed()
    logger.info(
        "organization %s: two-factor sign-in for administrators %s by user %s",
        organization.schema_name, "required" if required else "not required", by.pk,
    )
    return organization


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _clean_code(code: str | None) -> str:
    """What people paste: spaces, dashes and capitals removed."""
    return re.sub(r"[\s-]", "", code or "").lower()[:32]


def _verify(device, code: str) -> bool:
    """Whether `device` accepts `code`; refused with a wait while the device slows down guessing."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        until = (data or {}).get("locked_until")
        wait = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
        raise DomainError(
            f"Too many wrong codes in a row: wait {wait} s before the next one.", field="code", code="throttled"
        )
    return bool(device.verify_token(code))
