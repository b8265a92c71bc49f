"""The look-ups every API or webhook request makes, cached in each process: the organization by host, the account
by API key hash and the sales channel (with its webhook secret) by webhook token.

Every entry is checked against one version token in Redis, read once per request (one GET). Any change to an
organization, a domain, an account or a channel (`lookups_changed`, called by every service that changes or deletes
them: organization_update, organization_require_two_factor, demo_drop, account_update, account_rotate_api_key,
account_set_active, channel_save, channel_delete; a new one needs none, as misses are never cached) replaces the token
at once and again after the commit, so every process drops its entries before its next request: a deactivated organization or a rotated key stops at once,
in every process. The token is random, not a counter, so a Redis that restarted empty can never bring back an
old version. Without Redis, or with LOOKUP_CACHE off, nothing is cached and every request reads the database.

Only hits are cached (an unknown host or key always reads the database), and each request gets its own copy
of the cached object, so no request's changes reach another's.
"""

from __future__ import annotations

import copy
import logging
import secrets

import redis
from django.conf import settings
from django.db import transaction

from oms.redis_clients import redis_client

logger = logging.getLogger(__name__)
VERSION_KEY = "oms:lookups:version"
MAX_ENTRIES = 10_000  # per cache and process; past it the cache starts again empty

_hosts: dict[str, tuple[bytes, object]] = {}
_keys: dict[tuple[str, str], tuple[bytes, object]] = {}
_hooks: dict[tuple[str, str], tuple[bytes, object]] = {}


def _client() -> redis.Redis:
    return redis_client(lookups_redis_url())


def lookups_redis_url() -> str:
    return settings.LOOKUP_CACHE_REDIS_URL or settings.REDIS_URL


_COUNT = """
local values = redis.call('MGET', unpack(KEYS, 1, #KEYS - 1))
local counted = redis.call('INCR', KEYS[#KEYS])
if counted == 1 then redis.call('EXPIRE', KEYS[#KEYS], ARGV[1]) end
values[#values + 1] = counted
return values
"""  # the MGET of all keys but the last, then the last incremented (its expiry set when it is new)
_scripts: dict[int, object] = {}


def _count_script(client: redis.Redis):
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_COUNT)
    return script


def lookups_version(*, also: tuple[str, ...] = (), count: tuple[str, int] | None = None) -> tuple[bytes | None, list]:
    """(the current version token, the values of the Redis keys `also`, then with `count` = (name, seconds) the
    counter `name` incremented, expiring after `seconds`), in one round trip; (None, []) when the caches are off
    or Redis cannot be reached."""
    if not settings.LOOKUP_CACHE:
        return None, []
    try:
        client = _client()
        if count is None:
            token, *values = client.mget([VERSION_KEY, *also])
        else:  # one command: a pipeline of three costs this request more Python than the round trip it saves
            token, *values = _count_script(client)(keys=[VERSION_KEY, *also, count[0]], args=[count[1]])
        if token is None:  # first use, or Redis lost it: start a new version
            client.set(VERSION_KEY, secrets.token_hex(8), nx=True)
            token = client.get(VERSION_KEY)
        return token, values
    except redis.RedisError:
        logger.warning("look-up caches bypassed: Redis unavailable", exc_info=True)
        return None, []


def _replace_token() -> None:
    try:
        _client().set(VERSION_KEY, secrets.token_hex(8))
    except redis.RedisError:
        # Nothing is served from a cache while Redis is away; when it is back its token is another (or new).
        logger.warning("look-up caches not invalidated: Redis unavailable", exc_info=True)


def lookups_changed() -> None:
    """An organization, domain or account changed: every process's cached look-ups are stale. Replaced now (so
    no request after this one in any process uses them) and after the commit (so an entry re-read from the
    database between now and the commit, still holding the old row, is dropped too)."""
    lookups_clear()
    transaction.on_commit(_replace_token)


def lookups_clear() -> None:
    """Drop every process's cached look-ups now (tests start with this: their rolled-back rows may be cached)."""
    _hosts.clear()
    _keys.clear()
    _hooks.clear()
    _replace_token()


def _get(cache: dict, key, version: bytes | None):
    if version is None:
        return None
    entry = cache.get(key)
    if entry is None or entry[0] != version:
        return None
    return copy.copy(entry[1])


def _put(cache: dict, key, version: bytes | None, value) -> None:
    if version is None or value is None:
        return
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = (version, copy.copy(value))


def key_cached(hostname: str, key_hash: str) -> str | None:
    """The schema of `hostname`'s organization when this process holds it and an account of that schema with
    `key_hash` (at whatever version): a good guess that the key is valid, before the version is read."""
    entry = _hosts.get(hostname)
    schema_name = getattr(entry[1], "schema_name", None) if entry else None
    return schema_name if schema_name and (schema_name, key_hash) in _keys else None


def _cached(cache: dict, key, version: bytes | None, load):
    cached = _get(cache, key, version)
    if cached is not None:
        return cached
    value = load()
    _put(cache, key, version, value)
    return value


def organization_for_host(hostname: str, *, version: bytes | None, load):
    """The organization `load(hostname)` returns (raising when there is none), from this process's cache when
    it was read at `version`."""
    return _cached(_hosts, hostname, version, lambda: load(hostname))


def account_for_key_hash(schema_name: str, key_hash: str, *, version: bytes | None, load):
    """The account `load(key_hash)` returns (None when no account has that key), from this process's cache when
    it was read at `version`."""
    return _cached(_keys, (schema_name, key_hash), version, lambda: load(key_hash))


def channel_for_webhook_token(schema_name: str, token: str, *, version: bytes | None, load):
    """What `load(token)` returns for a webhook token (None when no active channel has it), from this process's
    cache when it was read at `version`."""
    return _cached(_hooks, (schema_name, token), version, lambda: load(token))
