"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC) with keys derived from configured key material.

Key material, newest first: CHANNEL_SECRET_KEYS (comma-separated), else CHANNEL_SECRET_KEY, else SECRET_KEY
followed by SECRET_KEY_FALLBACKS. The first encrypts; every one decrypts (MultiFernet). To rotate: put the new
material first and keep the old after it, run `manage.py rotate_channel_secrets` (re-encrypts every stored
secret with the first), then drop the old material.

A secret is bound to the origin (scheme://host:port) it was entered for: the origin is sealed inside the
encrypted value with it, so neither a changed base URL nor an edited row can send it anywhere else.
"""

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret no configured key opens (its key was dropped before the secrets were rotated)."""


def _materials() -> list[str]:
    return list(settings.CHANNEL_SECRET_KEYS) or [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def _fernet() -> MultiFernet:
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"channel-secrets:{material}".encode()).digest()))
        for material in _materials()
    ])


@dataclass(frozen=True)
class Secret:
    value: str
    origin: str | None  # where it may be sent (channels.outbound.url_origin); None: stored before binding


def secret_encrypt(value: str, *, origin: str) -> str:
    """`value` bound to `origin`, encrypted; "" for no value."""
    if not value:
        return ""
    return _fernet().encrypt(json.dumps({"origin": origin, "value": value}).encode()).decode()


def secret_open(token: str) -> Secret | None:
    """The stored secret and its origin (None for no token); raises SecretUnreadable when no key opens it."""
    if not token:
        return None
    try:
        plain = _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None
    try:
        sealed = json.loads(plain)
    except ValueError:
        sealed = None
    if isinstance(sealed, dict) and isinstance(sealed.get("origin"), str) and isinstance(sealed.get("value"), str):
        return Secret(value=sealed["value"], origin=sealed["origin"])
    return Secret(value=plain, origin=None)


def secret_decrypt(token: str) -> str:
    """The secret's value ("" for no token); raises SecretUnreadable when no configured key opens it."""
    secret = secret_open(token)
    return secret.value if secret else ""


def secret_rotate(token: str) -> str:
    """The same secret encrypted with the newest key; raises SecretUnreadable as secret_decrypt does."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None
