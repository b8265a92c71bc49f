"""Channel order import and the retry of rejected channel payloads.

`orders_import` fetches what the channel offers (channels/connectors.py) and sends each new payload through
the one entry flow: up to IMPORT_BATCH plain orders at a time are written together (intake_submit_batch), and
whatever is not plain (a rejection, a shortage) through intake_submit alone. An order already imported is
skipped, and so is a payload already kept as a failure (retrying, dead or discarded): the channel keeps
offering both on every run. A connector failure
raises, so the recurring job that called it is recorded as failed and retried.

`intake_retry_due` takes the failures whose next attempt is due, one locked row at a time (SKIP LOCKED: two
workers never retry the same one), and submits them again; intake reschedules them with backoff or
dead-letters them after the last attempt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.tenancy.fanout import for_each_organization
from channels.connectors import connector_order_pages
from channels.models import Channel
from channels.selectors import channel_state_of
from channels.services import channel_state_save
from intake.adapters import normalize
from intake.models import IntakeFailure, Source
from intake.normalized import PayloadUnreadable
from intake.services import (
    RETRY_ATTEMPTS, failure_resolve, idempotency_keys_purge, intake_submit, intake_submit_batch, payload_storable,
    retry_delay,
)
from oms.exceptions import DomainError
from orders.models import Order

logger = logging.getLogger(__name__)

KNOWN_FAILURE = [IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD, IntakeFailure.Status.DISCARDED]
RETRY_BATCH = 200  # failures retried per run of the task in one organization
IMPORT_BATCH = 50  # new orders of one channel written per transaction


@dataclass
class ImportCounts:
    fetched: int = 0
    created: int = 0
    duplicates: int = 0  # already imported: skipped
    rejected: int = 0  # new failures (retried later)
    known_failures: int = 0  # already kept as a failure: skipped
    errors: int = 0  # intake broke on it (logged); fetched again next run

    @property
    def summary(self) -> str:
        text = (
            f"{self.fetched} fetched: {self.created} created, {self.rejected} rejected, "
            f"{self.duplicates} already imported, {self.known_failures} already failing"
        )
        return text + (f", {self.errors} could not be processed (see the log)" if self.errors else "")

    def as_dict(self) -> dict[str, int]:
        return {
            "fetched": self.fetched, "created": self.created, "duplicates": self.duplicates,
            "rejected": self.rejected, "known_failures": self.known_failures, "errors": self.errors,
        }


def _external_id(channel: Channel, payload) -> str:
    try:
        return normalize(channel.order_format, payload).external_id
    except PayloadUnreadable:
        return ""


def _fingerprint(payload) -> str:
    """The payload as jsonb would store it (NULs dropped, keys sorted), to compare with kept payloads."""
    return json.dumps(payload_storable(payload), sort_keys=True)


def orders_import(*, channel: Channel, by=None, progress: Callable[[], None] | None = None) -> ImportCounts:
    """Import the orders the channel offers from where the last pull stopped, page by page; each page's
    checkpoint is saved once its orders are written, so a pull cut short starts again at the page it lost.
    Raises ConnectorError when the channel cannot be reached."""
    if channel.kind != Channel.Kind.SALES:
        raise DomainError(f"{channel.name} is not a sales channel: it has no orders to import.")
    counts = ImportCounts()
    for page in connector_order_pages(channel, since=channel_state_of(channel).orders_cursor):
        _import_payloads(channel=channel, payloads=page.payloads, counts=counts, by=by, progress=progress)
        saved = {"orders_pulled_at": timezone.now()}
        # An order intake broke on must be offered again: the cursor stops moving for the rest of the run.
        if page.checkpoint and not counts.errors:
            saved["orders_cursor"] = page.checkpoint
        channel_state_save(channel=channel, **saved)
    return counts


def _import_payloads(*, channel: Channel, payloads: list, counts: ImportCounts, by, progress) -> None:
    account = channel.account
    counts.fetched += len(payloads)
    ids = [_external_id(channel, payload) for payload in payloads]
    wanted = {i for i in ids if i}
    imported = set(
        Order.objects.filter(
            account=account, kind=Order.Kind.SALES, channel=channel, external_id__in=wanted, is_simulation=False
        )
        .exclude(external_id="")  # the unique index's own predicate: used however many ids are asked about
        .values_list("external_id", flat=True)
    )
    failing = set(
        IntakeFailure.objects.filter(
            account=account, channel=channel, external_id__in=wanted, status__in=KNOWN_FAILURE
        ).values_list("external_id", flat=True)
    )
    # Payloads without an id cannot be matched by id: compare them with the channel's kept id-less failures,
    # read once (a channel that sends no ids fails every order, so these are few and all of one kind).
    failing_payloads = (
        {_fingerprint(p) for p in IntakeFailure.objects.filter(
            account=account, channel=channel, external_id="", status__in=KNOWN_FAILURE
        ).values_list("payload", flat=True)}
        if not all(ids) else set()
    )
    seen: set[str] = set()
    todo = []
    for payload, external_id in zip(payloads, ids):
        if external_id in imported or external_id in seen:
            counts.duplicates += 1
        elif external_id in failing or (not external_id and _fingerprint(payload) in failing_payloads):
            counts.known_failures += 1
        else:
            seen.update([external_id] if external_id else [])
            todo.append((payload, external_id))
            continue
        if progress is not None:
            progress()
    for start in range(0, len(todo), IMPORT_BATCH):
        chunk = todo[start:start + IMPORT_BATCH]
        for (payload, external_id), result in zip(chunk, _import_batch(channel=channel, chunk=chunk, by=by)):
            if progress is not None:
                progress()
            if result is None:
                try:
                    result = intake_submit(account=account, payload=payload, source=Source.CHANNEL, channel=channel, by=by)
                except Exception:  # a bug or an outage on one payload must not stop the orders after it
                    logger.exception("Importing %s from %s failed", external_id or "an order", channel)
                    counts.errors += 1
                    continue
            if result.order is not None:
                counts.created += 1
            elif result.duplicate_of is not None:
                counts.duplicates += 1
            else:
                counts.rejected += 1


def _import_batch(*, channel: Channel, chunk: list, by) -> list:
    """The plain orders of `chunk` written together (intake_submit_batch); None for each payload to take alone,
    and for all of them when they cannot be written together (e.g. stock short for one)."""
    try:
        with transaction.atomic():
            return intake_submit_batch(
                account=channel.account, payloads=[p for p, _ in chunk], source=Source.CHANNEL, channel=channel, by=by
            )
    except (DomainError, DatabaseError) as refused:
        logger.info("Importing %d orders from %s together failed (%s); each is taken alone", len(chunk), channel, refused)
    except Exception:
        logger.exception("Importing %d orders from %s together failed; each is taken alone", len(chunk), channel)
    return [None] * len(chunk)


def intake_retry_one(*, now: dt.datetime | None = None) -> IntakeFailure | None:
    """Retry the most urgent due failure of this organization, if any; returns it as it is now."""
    now = now or timezone.now()
    with transaction.atomic():
        failure = (
            IntakeFailure.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("account", "channel")
            .filter(status=IntakeFailure.Status.RETRYING, next_attempt_at__lte=now, account__is_active=True)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if failure is None:
            return None
        try:
            with transaction.atomic():
                result = intake_submit(
                    account=failure.account, payload=failure.payload, source=failure.source,
                    channel=failure.channel, payload_format=failure.payload_format, failure=failure,
                )
        except Exception:  # a bug or an outage, not a bad payload: try again later instead of looping on it
            logger.exception("Retrying intake failure %s failed", failure.pk)
            failure.refresh_from_db()
            failure.attempts += 1  # counted, so an error that repeats ends as "needs attention", not forever
            if failure.attempts >= RETRY_ATTEMPTS:
                failure.status, failure.next_attempt_at = IntakeFailure.Status.DEAD, None
            else:
                failure.next_attempt_at = now + dt.timedelta(seconds=retry_delay(failure.attempts))
            failure.save(update_fields=["attempts", "status", "next_attempt_at", "updated_at"])
            return failure
        if result.duplicate_of is not None:
            # The order came in some other way meanwhile (a later import, an operator's replay).
            failure_resolve(failure, order=result.duplicate_of, by=None)
        return failure


def intake_retry_due(*, now: dt.datetime | None = None, limit: int = RETRY_BATCH) -> dict[str, int]:
    """Retry the due failures of this organization (the current schema), at most `limit` of them."""
    now = now or timezone.now()
    outcome = {"retried": 0, "replayed": 0, "retrying": 0, "dead": 0}
    for _ in range(limit):
        failure = intake_retry_one(now=now)
        if failure is None:
            break
        outcome["retried"] += 1
        outcome[failure.status] = outcome.get(failure.status, 0) + 1
    return outcome


def intake_retry_pending() -> bool:
    """Whether this organization has a failure due for a retry (the beat fan-out asks before queueing)."""
    return IntakeFailure.objects.filter(
        status=IntakeFailure.Status.RETRYING, next_attempt_at__lte=timezone.now()
    ).exists()


def intake_retry_enqueue_all() -> dict[str, int]:
    """The beat tick, in the public schema: queue the retry task inside every organization with a failure due
    (tenant-schemas-celery runs it in that schema), and drop API idempotency keys past their lifetime.
    Returns {schema: 1} for the organizations queued."""
    from intake.tasks import intake_retry_due_task

    def enqueue(_) -> int:
        idempotency_keys_purge()
        if intake_retry_pending():
            intake_retry_due_task.delay()
            return 1
        return 0

    report = for_each_organization(enqueue, label="Intake retry fan-out")
    return {schema: queued for schema, queued in report.results.items() if queued}
