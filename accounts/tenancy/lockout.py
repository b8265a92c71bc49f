"""Sign-in lockout (django-axes): who is counted, when a lockout ends, and the page a locked-out person sees.

Failures are counted per email and per client address separately (AXES_LOCKOUT_PARAMETERS), on every
organization's site and the public site alike: the attempts live once, in the public schema. A wrong password
counts through axes' backend; a wrong two-factor code counts through `failure_record`. Past AXES_FAILURE_LIMIT
failures within AXES_COOLOFF_TIME, even the right password is refused until the last failure is that old.
"""

from __future__ import annotations

import math
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils import timezone


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address the first
    of them saw (counted from the right of X-Forwarded-For, which a client cannot forge past the proxies)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def lockout_username(request, credentials) -> str | None:
    """The email as the user model keeps it (trimmed, lowercase), from the credentials or the login form."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = request.POST.get("username") if request is not None else None
    return raw.strip().lower() if isinstance(raw, str) else raw


def is_locked(request, *, email: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": email})


def failure_record(request, *, email: str) -> None:
    """Count a wrong second-factor code (or password outside the login form) like a wrong login password."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)


def lockout_ends(request, credentials=None) -> datetime:
    """When the lockout on this email or address lifts at the latest: its newest counted failure plus the cool-off."""
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    latest = None
    for attempts in handler.get_user_attempts(request, credentials):
        rows = list(attempts.values_list("failures_since_start", "attempt_time"))
        if sum(failures for failures, _ in rows) >= limit:
            newest = max(at for _, at in rows)
            latest = newest if latest is None else max(latest, newest)
    return (latest or timezone.now()) + cool_off


def lockout_response(request, original_response=None, credentials=None):
    """The login page, refusing with when to try again (HTTP 429 and Retry-After)."""
    ends = lockout_ends(request, credentials)
    seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    message = (
        "Too many failed sign-in attempts for this email or from your address. "
        f"Try again after {ends:%H:%M} UTC (in about {minutes} minute{'s' if minutes != 1 else ''})."
    )
    response = render(request, "registration/login.html", {"lockout_message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
