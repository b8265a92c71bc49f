"""Failure bookkeeping: the one writer of rejected payloads, their resolution, and each source's health.

A rejected payload of any document is kept as an IntakeFailure with every error (`failure_record`); it is
resolved by the order it became (`failure_resolve`, `failures_resolve_earlier`) or discarded by an operator
(`intake_discard`). A sales order without an external id is recognised by its fingerprint (who, what and when,
`NormalizedOrder.fingerprint`) instead: `failure_order_by_fingerprint` finds the order an earlier rejected copy
became. A payload that failed the API's schema is kept too (`failure_record_unparsed`). Every accepted or rejected payload counts in its source's hourly health row
(`source_stats_add`). Nothing here depends on the other parts of the package.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from intake.adapters import normalize
from intake.models import Document, IntakeFailure
from intake.normalized import PayloadUnreadable
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
    """The payload as PostgreSQL's jsonb can keep it: NUL characters and unpaired surrogates dropped. Most
    payloads hold neither, which one C-speed pass over their JSON tells: then they are returned as they are."""
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")  # an unpaired surrogate cannot be encoded
    except (TypeError, ValueError):
        return _storable(value)
    return _storable(value) if "\\u0000" in text else value


def _storable(value):
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
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
    line_count: int = 0, failure: IntakeFailure | None = None, retry: bool = False, fingerprint: str = "",
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
        failure.fingerprint = "" if failure.external_id else fingerprint
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
    failure.save(update_fields=[
        "status", "order", "next_attempt_at", "resolved_at", "resolved_by", "fingerprint", "updated_at",
    ])


def failures_resolve_earlier(
    *, account, source: str, channel, orders: dict, by, fingerprints: dict | None = None
) -> None:
    """Earlier rejected copies of sales orders that have now come in (external id -> order, and for orders
    without one fingerprint -> order; a client resent them fixed) are resolved by them, in one statement, so
    replaying one of them later cannot create it again."""
    fingerprints = fingerprints or {}
    if not orders and not fingerprints:
        return
    keys = [(e, "", o.pk) for e, o in orders.items()] + [("", f, o.pk) for f, o in fingerprints.items()]
    resolver = _actor(by)
    now = timezone.now()
    channel_id = getattr(channel, "pk", channel)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE intake_intakefailure AS f
               SET status = %s, next_attempt_at = NULL, resolved_at = %s, updated_at = %s, order_id = m.order_id,
                   resolved_by_id = %s
              FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS m(external_id, fingerprint, order_id)
             WHERE f.account_id = %s AND f.source = %s AND {"f.channel_id = %s" if channel_id else "f.channel_id IS NULL"}
               AND f.document = %s AND f.status IN (%s, %s)
               AND f.external_id = m.external_id AND (m.external_id <> '' OR f.fingerprint = m.fingerprint)
            """,
            [
                IntakeFailure.Status.REPLAYED, now, now, resolver.pk if resolver else None,
                [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
                account.pk, source, *([channel_id] if channel_id else []),
                Document.SALES_ORDER, IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD,
            ],
        )


def failure_orders_by_fingerprint(*, account, source: str, channel, fingerprints: list[str]) -> dict:
    """Fingerprint -> the order an earlier rejected copy of that payload became when it was replayed (one query;
    the order's id, number and status only). A resend of it is a duplicate of that order."""
    found = {}
    if not fingerprints:
        return found
    replayed = (
        IntakeFailure.objects.filter(
            account=account, source=source, channel=channel, document=Document.SALES_ORDER, external_id="",
            fingerprint__in=fingerprints, status=IntakeFailure.Status.REPLAYED, order__isnull=False,
        )
        .select_related("order").only("fingerprint", "order__id", "order__number", "order__status", "order__account_id")
        .order_by("id")
    )
    for failure in replayed:
        found.setdefault(failure.fingerprint, failure.order)
    return found


def failure_record_unparsed(*, account, source: str, document: str, payload: dict, problems: list[Problem]) -> IntakeFailure:
    """Keep a payload the API refused before reading it (a wrong type, a missing field, a value too long), with
    the reasons in words, as a failure an operator can fix and replay. The same payload sent again while its
    failure is open counts as one more attempt on it, not as a second failure (a client retrying it)."""
    external_id, value, line_count, fingerprint = "", Decimal(0), 0, ""
    if document == Document.SALES_ORDER:
        try:
            order = normalize("oms", payload)
        except PayloadUnreadable:
            order = None
        if order is not None:
            external_id, value, line_count = order.external_id, order.value_estimate(), len(order.lines)
            fingerprint = order.fingerprint(received_on=account.today())
    elif isinstance(payload.get("external_id"), str):
        external_id = payload["external_id"].strip()
    with transaction.atomic():
        same = (
            IntakeFailure.objects.select_for_update()
            .filter(account=account, source=source, channel=None, document=document, payload=payload,
                    status__in=[IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD])
            .order_by("id").first()
        )
        return failure_record(
            account=account, source=source, payload=payload, problems=problems, document=document,
            external_id=external_id, value=value, line_count=line_count, fingerprint=fingerprint, failure=same,
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


def intake_discard_many(*, failures: list[IntakeFailure], by) -> int:
    """"Discard selected": give up on those of `failures` still open, in one statement (a failure being replayed
    at this moment is waited for, and one that has become an order stays replayed). Returns how many."""
    if not failures:
        return 0
    open_ = [IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD]
    with transaction.atomic():
        return IntakeFailure.objects.filter(
            account=failures[0].account, pk__in=[failure.pk for failure in failures], status__in=open_
        ).update(
            status=IntakeFailure.Status.DISCARDED, next_attempt_at=None, resolved_at=timezone.now(),
            resolved_by=_actor(by), updated_at=timezone.now(),
        )
