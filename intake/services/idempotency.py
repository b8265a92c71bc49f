"""The API's idempotency keys: how long they are kept, and their purge."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from intake.models import IdempotencyKey

IDEMPOTENCY_KEY_HOURS = 24  # how long a retry with the same Idempotency-Key gets the first answer back


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete API idempotency keys older than IDEMPOTENCY_KEY_HOURS (in the current schema)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
