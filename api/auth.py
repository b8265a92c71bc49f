"""Who is calling: the account whose API key is in `X-Api-Key` (or `Authorization: Bearer <key>`).

The key is looked up by its SHA-256 hash in the organization's schema the host names, through the process's
look-up cache checked against the version token read for this request (accounts/tenancy/lookups.py), so a
rotated key or a disabled account stops working at once in every process, and a key of another organization
is simply not found (401).
`request.auth` is the Account; every endpoint reaches only that account's rows. A disabled account's key is
refused with 403 `account_inactive`. The per-key rate limit is counted here, right after the key is known.
An address that sent too many wrong or missing keys is refused (429) before its key is looked up; each 401 is
counted against it (api/core.py).
"""

from __future__ import annotations

from django.db import connection
from ninja.security import APIKeyHeader, HttpBearer

from accounts.api_keys import api_key_hash
from accounts.models import Account
from accounts.tenancy.lookups import account_for_key_hash, key_cached
from api.errors import ApiError
from accounts.tenancy.lockout import client_address
from api.ratelimit import bad_key_check, rate_name, ratelimit_check

MAX_KEY_LENGTH = 200


def _account_by_hash(key_hash: str) -> Account | None:
    try:  # get(), not first(): no ORDER BY to build over the account's many columns on every request
        return Account.objects.get(api_key_hash=key_hash)
    except Account.DoesNotExist:
        return None


def account_for_key(
    key: str | None, *, version: bytes | None = None, counted: tuple[str, int] | None = None
) -> Account | None:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    account = account_for_key_hash(connection.schema_name, api_key_hash(key), version=version, load=_account_by_hash)
    if account is None:
        return None
    if not account.is_active:
        raise ApiError(403, "account_inactive", f"Account {account.code} is disabled; its API key cannot be used.")
    ratelimit_check(account=account, counted=counted)
    return account


def rate_name_early(request, hostname: str) -> str | None:
    """The rate counter of the key this request carries, when this process has the key cached (so the tenant
    middleware can count it in the round trip it makes anyway); None otherwise."""
    key = request.headers.get("X-Api-Key")
    if key is None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    key_hash = api_key_hash(key)
    schema_name = key_cached(hostname, key_hash)
    return rate_name(schema_name=schema_name, key_hash=key_hash) if schema_name else None


class ApiKey(APIKeyHeader):
    """The account's API key in the X-Api-Key header."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        # First of the auth callbacks: runs on every request (with the count the tenant middleware read, if any).
        bad_key_check(address=client_address(request), count=getattr(request, "bad_key_count", None))
        return account_for_key(key, version=getattr(request, "lookups_version", None),
                               counted=getattr(request, "rate_count", None))


class BearerKey(HttpBearer):
    """The same key as `Authorization: Bearer <key>`."""

    def authenticate(self, request, token):
        return account_for_key(token, version=getattr(request, "lookups_version", None),
                               counted=getattr(request, "rate_count", None))


api_key_auth = [ApiKey(), BearerKey()]
