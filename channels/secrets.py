"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC) with keys derived from configured key material.

Key material, newest first: CHANNEL_SECRET_KEYS (comma-separated), else CHANNEL_SECRET_KEY, else SECRET_KEY
followed by SECRET_KEY_FALLBACKS. The first encrypts; every one decrypts (MultiFernet). To rotate: put the new
material first and keep the old after it, run `manage.py rotate_channel_secrets` (re-encrypts every stored
secret with the first), then drop the old material.
"""

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret no configured key opens (its key was dropped before the secrets were rotated)."""


def _materials() -> list[str]:
    keys = [k.strip() for k in os.environ.get("CHANNEL_SECRET_KEYS", "").split(",") if k.strip()]
    if keys:
        return keys
    if os.environ.get("CHANNEL_SECRET_KEY"):
        return [os.environ["CHANNEL_SECRET_KEY"]]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _fernet() -> MultiFernet:
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"channel-secrets:{material}".encode()).digest()))
        for material in _materials()
    ])


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    """The secret; raises SecretUnreadable when no configured key opens it."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None


def secret_rotate(token: str) -> str:
    """The same secret encrypted with the newest key; raises SecretUnreadable as secret_decrypt does."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("no configured key opens this secret") from None
