"""Requests per API key: a fixed one-minute window counted in Redis.

One round trip per request (INCR and EXPIRE in one pipeline), none of its own when the key is in the process's
look-up cache: the tenant middleware then counts it in the round trip that reads the cache's version. The window is per key in use, so a rotated key
starts a new count; the counter's name carries the organization's schema. Over the limit the API answers 429
with `Retry-After` (seconds to the next window). A fixed window lets a client send up to twice the limit across
a window boundary; that is accepted for its cost of one Redis call. If Redis cannot be reached the request is
let through (logged): the limit protects the service, it must not take the API down with it.

Requests with a wrong or missing key are counted per client address in the same kind of window
(`bad_key_check` before the key is looked up, `bad_key_count` after it was refused). Past
API_BAD_KEY_LIMIT_PER_MINUTE the address gets 429 for the rest of the window whatever key it sends, so keys
cannot be guessed at speed. The address is the one the login lockout uses (TRUSTED_PROXY_COUNT).

Settings: API_RATE_LIMIT_PER_MINUTE and API_BAD_KEY_LIMIT_PER_MINUTE (0 turns a limit off),
API_RATE_LIMIT_REDIS_URL (default REDIS_URL).
"""

from __future__ import annotations

import logging
import math
import time

import redis
from django.conf import settings
from django.db import connection

from oms.redis_clients import redis_client

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class RateLimited(Exception):
    def __init__(self, *, limit: int, retry_after: int, message: str = ""):
        self.limit = limit
        self.retry_after = retry_after
        self.message = message or (
            f"More than {limit} requests a minute with this API key; retry in {retry_after} s."
        )
        super().__init__(self.message)


def _client() -> redis.Redis:
    return redis_client(settings.API_RATE_LIMIT_REDIS_URL or settings.REDIS_URL)


def same_redis_as(url: str) -> bool:
    """Whether the limits' counters live in the Redis at `url` (then the tenant middleware may read or count them
    in its own round trip)."""
    return (settings.API_RATE_LIMIT_REDIS_URL or settings.REDIS_URL) == url


def rate_name(*, schema_name: str, key_hash: str) -> str | None:
    """The name of the key's counter this window (None when the limit is off)."""
    if settings.API_RATE_LIMIT_PER_MINUTE <= 0:
        return None
    return f"oms:api:rate:{schema_name}:{key_hash[:24]}:{int(time.time() // WINDOW_SECONDS)}"


def ratelimit_check(*, account, counted: tuple[str, int] | None = None) -> None:
    """Count this request against the account key's window; raise RateLimited when over the limit. `counted`:
    (counter name, count) when the tenant middleware counted the request already (no round trip then)."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    name = rate_name(schema_name=connection.schema_name, key_hash=account.api_key_hash)
    if counted is not None and counted[0] == name:
        count = counted[1]
    else:
        try:
            pipe = _client().pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, WINDOW_SECONDS * 2)
            count, _ = pipe.execute()
        except redis.RedisError:
            logger.warning("API rate limit not checked: Redis unavailable", exc_info=True)
            return
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
        raise RateLimited(limit=limit, retry_after=retry_after)


def _window() -> tuple[float, int, int]:
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    return now, window, max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def _bad_key_name(address: str, window: int) -> str:
    return f"oms:api:badkey:{address}:{window}"  # per address across organizations: one client, one count


def bad_key_name(*, address: str | None) -> str | None:
    """The name of `address`'s wrong-key counter this window (None when the limit is off): the tenant middleware
    reads it in the same round trip as the look-up version and hands the count to `bad_key_check`."""
    if settings.API_BAD_KEY_LIMIT_PER_MINUTE <= 0 or not address:
        return None
    return _bad_key_name(address, _window()[1])


def bad_key_check(*, address: str | None, count: int | None = None) -> None:
    """Raise RateLimited when `address` sent too many wrong or missing keys this window (one Redis GET, none
    when `count` was read already)."""
    limit = settings.API_BAD_KEY_LIMIT_PER_MINUTE
    if limit <= 0 or not address:
        return
    _, window, retry_after = _window()
    if count is None:
        try:
            count = int(_client().get(_bad_key_name(address, window)) or 0)
        except redis.RedisError:
            logger.warning("API wrong-key limit not checked: Redis unavailable", exc_info=True)
            return
    if count >= limit:
        raise RateLimited(
            limit=limit,
            retry_after=retry_after,
            message=f"More than {limit} requests a minute with a wrong or missing API key from your address; "
            f"retry in {retry_after} s.",
        )


def bad_key_count(*, address: str | None) -> None:
    """Count one request refused for its key against `address`."""
    limit = settings.API_BAD_KEY_LIMIT_PER_MINUTE
    if limit <= 0 or not address:
        return
    _, window, _ = _window()
    name = _bad_key_name(address, window)
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, WINDOW_SECONDS * 2)
        pipe.execute()
    except redis.RedisError:
        logger.warning("API wrong-key limit not counted: Redis unavailable", exc_info=True)
