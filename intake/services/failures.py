"""Failure bookkeeping: the one writer of rejected payloads, their resolution, and each source's health.

A rejected payload of any document is kept as an IntakeFailure with every error (`failure_record`); it is
resolved by the order it became (`failure_resolve`, `failures_resolve_earlier`) or discarded by an operator
(`intake_discard`). Every accepted or rejected payload counts in its source's hourly health row
(`source_stats_add`). Nothing here depends on the other parts of the package.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone

from intake.models import Document, IntakeFailure
from intake.validation import ERROR, Problem

# Channel imports: a rejected payload is tried again (a missing product may arrive with the next product
# import) after 1, 2, 4, 8 minutes, each with up to 50 % jitter, and then waits for an operator.
RETRY_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60
MAX_FAILURE_VALUE = Decimal("1e12")  # a failure's value column holds less; a larger value is kept as 0


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: exponential with jitter, so retries of many payloads spread out."""
    base = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return base + random.uniform(0, base / 2)


def payload_storable(value):
    """The payload as PostgreSQL's jsonb can keep it: NUL characters and unpaired surrogates dropped."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    if isinstance(value, list):
        return [payload_storable(v) for v in value]
    if isinstance(value, dict):
        return {payload_storable(k): payload_storable(v) for k, v in value.items()}
    return value


def source_stats_add(*, account, source: str, channel, accepted: int = 0, rejected: int = 0) -> None:
    """Count the outcome in this hour's row for the source (one upsert)."""
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO intake_sourcestats (account_id, source, channel_id, hour, accepted, rejected,
                                            last_success_at, last_failure_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (account_id, source, channel_id, hour) DO UPDATE SET
                accepted = intake_sourcestats.accepted + EXCLUDED.accepted,
                rejected = intake_sourcestats.rejected + EXCLUDED.rejected,
                last_success_at = COALESCE(EXCLUDED.last_success_at, intake_sourcestats.last_success_at),
                last_failure_at = COALESCE(EXCLUDED.last_failure_at, intake_sourcestats.last_failure_at)
            """,
            [
                account.pk, source, getattr(channel, "pk", None), hour, accepted, rejected,
                now if accepted else None, now if rejected else None,
            ],
        )


def _reasons(problems: list[Problem], *, document: str) -> list[dict[str, str]]:
    """The errors as kept: a sales order's with their severity (as validation gave them), another document's as
    {code, field, message}."""
    errors = [p for p in problems if p.severity == ERROR]
    if document == Document.SALES_ORDER:
        return [p.as_dict() for p in errors]
    return [{"code": p.code, "field": p.field, "message": p.message} for p in errors]


def failure_record(
    *, account, source: str, payload, problems: list[Problem], document: str = Document.SALES_ORDER,
    channel=None, payload_format: str = "oms", external_id: str = "", value: Decimal = Decimal(0),
    line_count: int = 0, failure: IntakeFailure | None = None, retry: bool = False,
) -> IntakeFailure:
    """Keep a rejected payload with every error, for the retry task or an operator to take up again.

    `failure` is the stored failure being retried or replayed (counted one attempt more), else a new one is
    made. With `retry` it is tried again later with backoff until RETRY_ATTEMPTS, then (and without `retry`)
    it needs attention. A payload counts once in its source's health, not once per retry."""
    with transaction.atomic():
        first = failure is None
        if first:
            failure = IntakeFailure(
                account=account, source=source, channel=channel, document=document, payload=payload,
                payload_format=payload_format, attempts=0,
            )
        failure.attempts += 1
        failure.reasons = _reasons(problems, document=document)
        failure.external_id = external_id[:100]
        failure.value = value if 0 <= value < MAX_FAILURE_VALUE else Decimal(0)
        failure.line_count = line_count
        if retry and failure.attempts < RETRY_ATTEMPTS:
            failure.status = IntakeFailure.Status.RETRYING
            failure.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_delay(failure.attempts))
        else:
            failure.status = IntakeFailure.Status.DEAD
            failure.next_attempt_at = None
        failure.save()
        if first:
            source_stats_add(account=account, source=source, channel=channel, rejected=1)
    return failure


def _actor(by):
    return by if getattr(by, "pk", None) else None


def failure_resolve(failure: IntakeFailure, *, order, by) -> None:
    """The failure became `order` (or found it already there): replayed, nothing left to do."""
    failure.status = IntakeFailure.Status.REPLAYED
    failure.order = order
    failure.next_attempt_at = None
    failure.resolved_at = timezone.now()
    failure.resolved_by = _actor(by)
    failure.save(update_fields=["status", "order", "next_attempt_at", "resolved_at", "resolved_by", "updated_at"])


def failures_resolve_earlier(*, account, source: str, channel, orders: dict, by) -> None:
    """Earlier rejected copies of sales orders that have now come in (external id -> order; a client resent
    them fixed) are resolved by them, in one statement, so replaying one of them later cannot create it again."""
    if not orders:
        return
    now = timezone.now()
    IntakeFailure.objects.filter(
        account=account, source=source, channel=channel, external_id__in=list(orders), document=Document.SALES_ORDER,
        status__in=[IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD],
    ).update(
        status=IntakeFailure.Status.REPLAYED, next_attempt_at=None, resolved_at=now, updated_at=now,
        order_id=Case(*(When(external_id=e, then=Value(o.pk)) for e, o in orders.items()), output_field=BigIntegerField()),
        resolved_by=_actor(by),
    )


def intake_discard(*, failure: IntakeFailure, by) -> IntakeFailure:
    """Give up on a failure that is still open; one being replayed at this moment is waited for, and a
    failure that has become an order stays replayed."""
    with transaction.atomic():
        locked = IntakeFailure.objects.select_for_update().get(pk=failure.pk, account=failure.account)
        if locked.status not in (IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD):
            return locked
        locked.status = IntakeFailure.Status.DISCARDED
        locked.next_attempt_at = None
        locked.resolved_at = timezone.now()
        locked.resolved_by = _actor(by)
        locked.save(update_fields=["status", "next_attempt_at", "resolved_at", "resolved_by", "updated_at"])
    return locked
