"""Requests per API key: a fixed one-minute window counted in Redis.

One round trip per request (INCR and EXPIRE in one pipeline). The window is per key in use, so a rotated key
starts a new count; the counter's name carries the organization's schema. Over the limit the API answers 429
with `Retry-After` (seconds to the next window). A fixed window lets a client send up to twice the limit across
a window boundary; that is accepted for its cost of one Redis call. If Redis cannot be reached the request is
let through (logged): the limit protects the service, it must not take the API down with it.

Settings: API_RATE_LIMIT_PER_MINUTE (0 turns the limit off), API_RATE_LIMIT_REDIS_URL (default REDIS_URL).
"""

from __future__ import annotations

import logging
import math
import threading
import time

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


class RateLimited(Exception):
    def __init__(self, *, limit: int, retry_after: int):
        super().__init__(f"More than {limit} requests a minute")
        self.limit = limit
        self.retry_after = retry_after


def _client() -> redis.Redis:
    url = getattr(settings, "API_RATE_LIMIT_REDIS_URL", None) or settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url) or redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _clients[url] = client
    return client


def ratelimit_check(*, account) -> None:
    """Count this request against the account key's window; raise RateLimited when over the limit."""
    limit = int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 0) or 0)
    if limit <= 0:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    name = f"oms:api:rate:{connection.schema_name}:{account.api_key_hash[:24]}:{window}"
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
