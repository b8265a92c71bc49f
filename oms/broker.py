"""One Redis client (connection pool) per Celery broker URL, for the small keys kept next to the queue: the
"a task is already queued" markers of the inventory push and the webhook drain."""

from __future__ import annotations

from django.conf import settings

_clients: dict[str, object] = {}


def broker_redis():
    """The client for the broker Celery is using now (the test settings may point it at another database)."""
    import redis

    from oms.celery import app  # imported here: this module is imported while the Celery app is set up

    url = app.conf.broker_url or settings.CELERY_BROKER_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]
