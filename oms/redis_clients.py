"""One Redis client per URL and process, for the small per-request calls (look-up version, rate limits)."""

from __future__ import annotations

import threading

import redis

_clients: dict[tuple[str, float], redis.Redis] = {}
_lock = threading.Lock()


def redis_client(url: str, *, timeout: float = 0.5) -> redis.Redis:
    """The process's client for `url`, made on first use; calls give up after `timeout` seconds."""
    client = _clients.get((url, timeout))
    if client is None:
        with _lock:
            client = _clients.get((url, timeout)) or redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            _clients[(url, timeout)] = client
    return client
