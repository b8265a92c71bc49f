"""Account API keys: random, shown in full once, stored only as a SHA-256 hash with a short visible prefix.

A key has 256 bits of randomness, so a fast hash is safe here (a slow password hash protects low-entropy
secrets; it would only slow down every API request).
"""

import hashlib
import secrets

KEY_PREFIX = "oms_"


def api_key_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def api_key_generate() -> tuple[str, str, str]:
    """(plain key, visible prefix, hash)."""
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    return plain, plain[:12], api_key_hash(plain)
