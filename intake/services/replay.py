"""Replaying stored failures: each through its own document's flow, at most one order ever coming of it."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intake.models import Document, IntakeFailure, ReplayRun
from intake.services.documents import DOCUMENT_SUBMIT
from intake.services.failures import failure_resolve
from intake.services.orders import IntakeResult, intake_submit
from oms.exceptions import DomainError
from orders.models import Order

logger = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    orders: list[Order] = field(default_factory=list)  # what the replayed failures became (or already were)
    still: list[tuple[IntakeFailure, str]] = field(default_factory=list)  # rejected again, with the first reason


def intake_replay(*, failure: IntakeFailure, by=None) -> IntakeResult:
    """Run a stored failure through the flow again; at most one order ever comes of it.

    The failure row is locked for the replay, so two operators (or an operator and the retry task) replaying
    the same failure at once create one order: the second finds it resolved.
    """
    with transaction.atomic():
        locked = (
            IntakeFailure.objects.select_for_update(of=("self",)).select_related("channel")
            .get(pk=failure.pk, account=failure.account)
        )
        if locked.status in (IntakeFailure.Status.REPLAYED, IntakeFailure.Status.DISCARDED):
            return IntakeResult(order=locked.order, failure=locked)
        if locked.document != Document.SALES_ORDER:
            return _document_replay(locked, by=by)
        result = intake_submit(
            account=failure.account, payload=locked.payload, source=locked.source, channel=locked.channel,
            payload_format=locked.payload_format, by=by, failure=locked, retry=False,
        )
        if result.duplicate_of is not None and locked.status != IntakeFailure.Status.REPLAYED:
            failure_resolve(locked, order=result.duplicate_of, by=by)
        return result


def intake_replay_many(*, failures, by=None, progress=None) -> ReplayReport:
    """Replay each failure in turn (each in its own transaction, so one bad payload keeps the others)."""
    report = ReplayReport()
    for failure in failures:
        result = intake_replay(failure=failure, by=by)
        order = result.order or result.duplicate_of
        if order is not None:
            report.orders.append(order)
        else:
            reasons = result.failure.reasons if result.failure else []
            report.still.append((failure, reasons[0]["message"] if reasons else "no reason kept"))
        if progress is not None:
            progress()
    return report


def _document_replay(failure: IntakeFailure, *, by) -> IntakeResult:
    """A purchase order, shipment or receipt replayed through its own flow, answered as an IntakeResult whose
    `order` is the order it concerns (the purchase order itself, or the order shipped or received against)."""
    result = DOCUMENT_SUBMIT[failure.document](
        account=failure.account, payload=failure.payload, by=by, source=failure.source, failure=failure
    )
    concerned = result.obj or result.duplicate_of
    order = getattr(concerned, "purchase_order", None) or getattr(concerned, "order", None) or concerned
    if result.duplicate_of is not None and failure.status != IntakeFailure.Status.REPLAYED:
        failure_resolve(failure, order=order, by=by)
    return IntakeResult(
        order=order if result.accepted else None, failure=result.failure or failure,
        duplicate_of=order if result.duplicate_of is not None else None, problems=result.problems,
    )


# "Replay every open failure with this SKU": a ReplayRun, at once when few, else by a worker with progress ---------

REPLAY_AT_ONCE = 20  # failures replayed within the request; more go to the background
STALE_RUN = timedelta(minutes=15)  # a run without progress for this long lost its worker: it may be taken over
PROGRESS_SECONDS = 1.0


def replay_run_request(*, account, external_sku: str, channel, failures: list[IntakeFailure], by=None) -> ReplayRun:
    """Replay `failures` (the open ones with `external_sku`, chosen by the caller): at once when there are at most
    REPLAY_AT_ONCE (the run comes back done), else queued after commit for a worker (`replay_run_task`)."""
    from intake.tasks import replay_run_task

    run = ReplayRun.objects.create(
        account=account, external_sku=external_sku[:64], channel=channel, failure_ids=[f.pk for f in failures],
        total=len(failures), requested_by=by if getattr(by, "pk", None) else None,
    )
    if len(failures) <= REPLAY_AT_ONCE:
        return replay_run_execute(run_id=run.pk, by=by)
    transaction.on_commit(lambda: replay_run_task.delay(run.pk))
    return run


def replay_run_execute(*, run_id: int, by=None) -> ReplayRun:
    """Replay a run's failures once: a second call (a redelivered task) finds it claimed and does nothing; a run
    left running by a dead worker is taken over after STALE_RUN and goes on after its last stored progress
    (replaying a failure twice makes no second order). Progress is stored at least every PROGRESS_SECONDS."""
    Status = ReplayRun.Status
    now = timezone.now()
    claimed = (
        ReplayRun.objects.filter(pk=run_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, updated_at__lt=now - STALE_RUN))
        .update(status=Status.RUNNING, updated_at=now)
    )
    run = ReplayRun.objects.select_related("account", "requested_by").get(pk=run_id)
    if not claimed:
        return run
    by = by if by is not None else run.requested_by
    result = {"orders": list(run.result.get("orders", [])), "still": list(run.result.get("still", []))}
    ids = run.failure_ids[run.processed:]
    by_id = {f.pk: f for f in IntakeFailure.objects.filter(account=run.account, pk__in=ids).select_related("account", "channel")}
    state = {"done": run.processed, "at": time.monotonic()}

    def save(**fields) -> None:
        ReplayRun.objects.filter(pk=run_id).update(
            processed=state["done"], replayed=len(result["orders"]), still=len(result["still"]), result=result,
            updated_at=timezone.now(), **fields,
        )
        state["at"] = time.monotonic()

    try:
        for failure_id in ids:
            failure = by_id.get(failure_id)
            if failure is not None:
                report = intake_replay_many(failures=[failure], by=by)
                result["orders"] += [order.number for order in report.orders]
                result["still"] += [
                    {"failure_id": f.pk, "label": f.external_id or f"#{f.pk}", "reason": reason} for f, reason in report.still
                ]
            state["done"] += 1
            if time.monotonic() - state["at"] >= PROGRESS_SECONDS:
                save()
    except Exception as error:  # noqa: BLE001  (kept on the run for its page; the failures replayed stay replayed)
        if isinstance(error, DomainError):
            message = error.message
        else:  # the run's page is read by an operator: the exception goes to the server log, not to them
            logger.exception("Replay run %s stopped", run_id)
            message = ("An unexpected error stopped it (the details are in the server log). The failures replayed "
                       "so far stay replayed; the others are still open and can be replayed again.")
        save(status=Status.FAILED, error=message[:2000], finished_at=timezone.now())
    else:
        save(status=Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run
