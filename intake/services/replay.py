"""Replaying stored failures: each through its own document's flow, at most one order ever coming of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from intake.models import Document, IntakeFailure
from intake.services.documents import DOCUMENT_SUBMIT
from intake.services.failures import failure_resolve
from intake.services.orders import IntakeResult, intake_submit
from orders.models import Order


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
