"""Bulk actions on the order list: one action on many orders, each order through the per-order service in its own
transaction (a refusal or failure on one leaves the others as they were), with a summary of what was done and
what was refused, and why.

`orders_bulk_start` resolves the selection (ids, or the list's filter), records a BulkAction and runs it at once
when it is small, else queues `orders_bulk_apply_task` after commit; the page polls its progress."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Notification
from accounts.selectors import account_order_worker
from oms.exceptions import DomainError
from orders.models import BulkAction, Order
from orders.selectors import OrderFilters, order_ids_matching
from orders.services.actions import (
    tags_clean,
    order_assign,
    order_cancel,
    order_hold,
    order_reallocate,
    order_release,
    order_tags_change,
    orders_work_check,
)

log = logging.getLogger(__name__)

BULK_BACKGROUND_THRESHOLD = 200  # orders; more run in a Celery task
BULK_MAX = 10_000  # orders in one bulk action
BATCH = 100  # orders read per query
PROGRESS_EVERY = 20  # orders, or
PROGRESS_SECONDS = 1.0  # seconds, whichever comes first
STALE_RUN = timedelta(minutes=15)

ACTIONS = {
    "hold": "Put on hold",
    "release": "Release from hold",
    "cancel": "Cancel",
    "assign_warehouse": "Allocate in warehouse",
    "assign_agent": "Assign to",
    "add_tag": "Add tag",
}


@dataclass
class BulkSummary:
    done: int = 0
    refused: list[dict] = field(default_factory=list)  # [{"number", "reason"}]


def _clean(*, account, by, action: str, params: dict) -> tuple:
    """Check the action and its parameters once, before any order is touched; returns the per-order call."""
    orders_work_check(account=account, by=by)
    params = params or {}
    if action not in ACTIONS:
        raise DomainError("Choose an action.", field="action")
    if action in ("hold", "release", "cancel"):
        reason = " ".join(str(params.get("reason") or "").split())
        if not reason:
            raise DomainError("Give a reason: it goes into each order's history.", field="reason")
        service = {"hold": order_hold, "release": order_release, "cancel": order_cancel}[action]
        return lambda order: service(order=order, by=by, reason=reason), {"reason": reason}
    if action == "assign_warehouse":
        from accounts.models import Warehouse
        from accounts.selectors import warehouses_for_account

        try:
            pk = int(params.get("warehouse"))
            if not 0 < pk < 2**63:
                raise ValueError(pk)
            warehouse = warehouses_for_account(account=account).filter(is_active=True).get(pk=pk)
        except (ValueError, TypeError, Warehouse.DoesNotExist):
            raise DomainError("Choose one of the account's active warehouses.", field="warehouse") from None
        return lambda order: order_reallocate(order=order, by=by, warehouse=warehouse), {"warehouse": warehouse.pk}
    if action == "assign_agent":
        person = account_order_worker(account=account, user_id=params.get("user"))
        if person is None:
            raise DomainError("Choose someone who can work orders on this account.", field="user")
        return lambda order: order_assign(order=order, by=by, user_id=person.pk), {"user": person.pk}
    tags = tags_clean(params.get("tag") or "")
    if not tags:
        raise DomainError("Give the tag to add.", field="tag")
    return lambda order: order_tags_change(order=order, by=by, add=tags), {"tag": ",".join(tags)}


def orders_bulk_apply(
    *, account, by, action: str, params: dict, order_ids: list[int] | None = None,
    filter: OrderFilters | None = None, progress=None,
) -> BulkSummary:
    """Apply `action` to the selected orders (ids of the account, or the list's filter), one transaction each.
    Returns the count done and the refused orders with their reasons. Raises DomainError, touching nothing,
    for a bad action or parameter."""
    call, _ = _clean(account=account, by=by, action=action, params=params)
    ids = orders_bulk_selection(account=account, order_ids=order_ids, filter=filter)
    summary = BulkSummary()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        orders = {
            o.pk: o for o in Order.objects.filter(account=account, pk__in=chunk).select_related("account")
        }
        for pk in chunk:
            order = orders.get(pk)
            if order is None:
                continue  # gone since it was selected
            try:
                call(order)
            except DomainError as refused:
                summary.refused.append({"number": order.number, "reason": refused.message})
            except Exception:  # noqa: BLE001 - one order's failure must not stop the others
                log.exception("Bulk %s failed on order %s", action, order.pk)
                summary.refused.append({"number": order.number, "reason": "It could not be changed (an unexpected "
                                        "error, in the server log); nothing was changed on it."})
            else:
                summary.done += 1
            if progress is not None:
                progress(summary)
    return summary


def orders_bulk_selection(*, account, order_ids=None, filter: OrderFilters | None = None) -> list[int]:
    """The selected orders' ids: `order_ids` that are the account's, or every order matching the list's `filter`.
    More than BULK_MAX either way is refused, rather than acting on a part of what was asked for."""
    if filter is not None:
        ids = order_ids_matching(account=account, filters=filter, limit=BULK_MAX + 1)
        if len(ids) > BULK_MAX:
            raise DomainError(f"More than {BULK_MAX:,} orders match: narrow the filter, or act on them in parts.",
                              field="orders")
        return ids
    clean = []
    for pk in order_ids or ():
        try:
            clean.append(int(pk))
        except (TypeError, ValueError):
            continue
    clean = [pk for pk in dict.fromkeys(clean) if 0 < pk < 2**63]
    if len(clean) > BULK_MAX:
        raise DomainError(f"Select at most {BULK_MAX:,} orders at a time.", field="orders")
    return list(Order.objects.filter(account=account, pk__in=clean).order_by("-created_at", "-id").values_list("id", flat=True))


def orders_bulk_start(
    *, account, by, action: str, params: dict, order_ids: list[int] | None = None, filter: OrderFilters | None = None
) -> BulkAction:
    """Record a bulk action and run it: at once up to BULK_BACKGROUND_THRESHOLD orders, else in the background.
    Raises DomainError for a bad action, parameter or an empty selection."""
    _, clean_params = _clean(account=account, by=by, action=action, params=params)
    ids = orders_bulk_selection(account=account, order_ids=order_ids, filter=filter)
    if not ids:
        raise DomainError("Select at least one order.", field="orders")
    bulk = BulkAction.objects.create(
        account=account, action=action, params=clean_params, order_ids=ids, total=len(ids),
        requested_by=by if getattr(by, "pk", None) else None,
    )
    if len(ids) > BULK_BACKGROUND_THRESHOLD:
        from orders.tasks import orders_bulk_apply_task

        transaction.on_commit(lambda: orders_bulk_apply_task.delay(bulk.pk))
        return bulk
    return bulk_action_run(bulk_id=bulk.pk)


def bulk_action_run(*, bulk_id: int) -> BulkAction:
    """Run a recorded bulk action once (a second call finds it claimed; one left running by a dead worker is
    taken over after STALE_RUN without progress: orders already done are refused again as "already ...")."""
    Status = BulkAction.Status
    now = timezone.now()
    claimed = (
        BulkAction.objects.filter(pk=bulk_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, updated_at__lt=now - STALE_RUN))
        .update(status=Status.RUNNING, updated_at=now)
    )
    bulk = BulkAction.objects.select_related("account", "requested_by").get(pk=bulk_id)
    if not claimed:
        return bulk
    state = {"at": time.monotonic(), "seen": 0}

    def progress(summary: BulkSummary) -> None:
        state["seen"] += 1
        if state["seen"] % PROGRESS_EVERY and time.monotonic() - state["at"] < PROGRESS_SECONDS:
            return
        state["at"] = time.monotonic()
        BulkAction.objects.filter(pk=bulk_id).update(
            processed=state["seen"], done=summary.done, refused=summary.refused, updated_at=timezone.now()
        )

    try:
        summary = orders_bulk_apply(
            account=bulk.account, by=bulk.requested_by, action=bulk.action, params=bulk.params,
            order_ids=bulk.order_ids, progress=progress,
        )
    except DomainError as error:
        bulk.status, bulk.error = Status.FAILED, error.message[:500]
    else:
        bulk.status, bulk.done, bulk.refused, bulk.processed = Status.DONE, summary.done, summary.refused, bulk.total
    bulk.finished_at = bulk.updated_at = timezone.now()
    bulk.save()
    if bulk.requested_by_id and bulk.total > BULK_BACKGROUND_THRESHOLD:
        from django.urls import reverse

        Notification.objects.create(
            user_id=bulk.requested_by_id, level="success" if bulk.status == Status.DONE else "error",
            message=bulk_summary_text(bulk), url=reverse("order_bulk_status", args=[bulk.account_id, bulk.pk]),
        )
    return bulk


def bulk_summary_text(bulk: BulkAction) -> str:
    """"Put on hold: 3 orders done, 1 refused." in words."""
    label = ACTIONS.get(bulk.action, bulk.action)
    if bulk.status == BulkAction.Status.FAILED:
        return f"{label}: nothing was done: {bulk.error}"
    refused = len(bulk.refused or [])
    done = f"{bulk.done} order{'s' if bulk.done != 1 else ''} done"
    return f"{label}: {done}, {refused} refused." if refused else f"{label}: {done}."
