"""The Redis of the Celery broker, for the small keys kept next to the queue: the "a task is already queued"
markers of the inventory push and the webhook drain."""

from __future__ import annotations

from django.conf import settings

from oms.redis_clients import redis_client


def broker_redis():
    """The client for the broker Celery is using now (the test settings may point it at another database)."""
    from oms.celery import app  # imported here: this module is imported while the Celery app is set up

    return redis_client(app.conf.broker_url or settings.CELERY_BROKER_URL, timeout=1)
