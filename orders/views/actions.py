"""Acting on orders from the pages: one view per action of the order page's actions panel (each a plain POST that
ends on the order page with a success or error message), and the order list's bulk bar with its progress page.
Cancelling, one order or many, asks first (oms/confirm.py)."""

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from accounts.selectors import warehouses_for_account
from oms.confirm import confirmation
from oms.exceptions import DomainError
from orders import selectors
from orders.filters import OrderFilterForm
from orders.models import ADDRESS_FIELDS, BulkAction
from orders.services import actions
from orders.services.bulk import ACTIONS as BULK_ACTIONS
from orders.services.bulk import bulk_summary_text, orders_bulk_selection, orders_bulk_start

DENIED = "Your role cannot change orders."


def _order(request, account, number):
    return selectors.order_get_for_user(user=request.user, account=account, number=number, capability=roles.WORK_ORDERS)


def _act(request, account, number: str, act, success: str):
    """Run `act(order)`; a message either way (`act` may return its own success message); back to the order page."""
    order = _order(request, account, number)
    try:
        said = act(order)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, said if isinstance(said, str) else success.format(number=order.number))
    return redirect("order_detail", account.pk, order.number)


def _action(view):
    return account_view(roles.WORK_ORDERS, denied=DENIED)(require_POST(view))


@_action
def order_cancel_view(request, account, caps, number: str):
    order = _order(request, account, number)
    back = reverse("order_detail", args=[account.pk, order.number])
    reason = " ".join(request.POST.get("reason", "").split())
    if not reason:
        messages.error(request, "Give a reason to cancel the order.")
        return redirect(back)
    units = selectors.order_units_allocated(order=order)
    released = f" and its {units} allocated unit{'s' if units != 1 else ''} released" if units else ""
    asked = confirmation(
        request, title=f"Cancel {order.number}?",
        consequences=[f"{order.number} will be cancelled{released}; this cannot be undone.", f"Reason: {reason}"],
        confirm_label="Cancel the order", back_url=back,
    )
    if asked is not None:
        return asked
    return _act(request, account, number, lambda o: actions.order_cancel(order=o, by=request.user, reason=reason),
                "{number} was cancelled.")


@_action
def order_hold_view(request, account, caps, number: str):
    reason = request.POST.get("reason", "")
    return _act(request, account, number, lambda o: actions.order_hold(order=o, by=request.user, reason=reason),
                "{number} is on hold.")


@_action
def order_release_view(request, account, caps, number: str):
    reason = request.POST.get("reason", "")
    return _act(request, account, number, lambda o: actions.order_release(order=o, by=request.user, reason=reason),
                "{number} was released from hold.")


@_action
def order_address_view(request, account, caps, number: str):
    address = {name: request.POST[f"shipping_{name}"] for name in ADDRESS_FIELDS if f"shipping_{name}" in request.POST}
    return _act(request, account, number,
                lambda o: actions.order_edit_address(order=o, by=request.user, address=address),
                "The shipping address of {number} was changed.")


@_action
def order_contact_view(request, account, caps, number: str):
    post = request.POST
    return _act(
        request, account, number,
        lambda o: actions.order_edit_contact(order=o, by=request.user, name=post.get("customer_name", ""),
                                             email=post.get("customer_email", ""), phone=post.get("customer_phone", "")),
        "The contact details of {number} were changed.",
    )


@_action
def order_notes_view(request, account, caps, number: str):
    notes = request.POST.get("notes", "")
    return _act(request, account, number, lambda o: actions.order_edit_notes(order=o, by=request.user, notes=notes),
                "The notes of {number} were changed.")


@_action
def order_reallocate_view(request, account, caps, number: str):
    picked = request.POST.get("warehouse", "")
    warehouse = None
    if picked:
        pk = int(picked) if picked.isdigit() and len(picked) < 19 else 0
        warehouse = warehouses_for_account(account=account).filter(pk=pk).first()

    def act(order):
        if picked and warehouse is None:
            raise DomainError("Choose one of the account's warehouses.", field="warehouse")
        done = actions.order_reallocate(order=order, by=request.user, warehouse=warehouse)
        return f"{done.number} is allocated in {done.warehouse.name}."

    return _act(request, account, number, act, "{number} was allocated.")


@_action
def order_note_view(request, account, caps, number: str):
    text = request.POST.get("text", "")
    return _act(request, account, number, lambda o: actions.order_note_add(order=o, by=request.user, text=text),
                "Your note was added to {number}.")


@_action
def order_tags_view(request, account, caps, number: str):
    add, remove = request.POST.get("add", ""), request.POST.getlist("remove")
    return _act(request, account, number,
                lambda o: actions.order_tags_change(order=o, by=request.user, add=add, remove=remove),
                "The tags of {number} were changed.")


@_action
def order_assign_view(request, account, caps, number: str):
    user_id = request.POST.get("user") or None
    return _act(request, account, number, lambda o: actions.order_assign(order=o, by=request.user, user_id=user_id),
                "{number} was assigned.")


# Bulk ------------------------------------------------------------------------------------------------------


def _bulk_selection(request, account) -> list[int]:
    """The posted selection's order ids: the checked orders or, with "all matching", every order the list's
    filter matches. Raises DomainError for more than the bulk bar may take."""
    if request.POST.get("all_matching") == "yes":
        filters = OrderFilterForm(QueryDict(request.POST.get("filter", ""))).filters()
        return orders_bulk_selection(account=account, filter=filters)
    return orders_bulk_selection(account=account, order_ids=request.POST.getlist("orders"))


@account_view(roles.WORK_ORDERS, denied=DENIED)
@require_POST
def order_bulk(request, account, caps):
    action = request.POST.get("action", "")
    back = reverse("order_list", args=[account.pk]) + (f"?{request.POST['filter']}" if request.POST.get("filter") else "")
    params = {name: request.POST.get(name, "") for name in ("reason", "warehouse", "user", "tag")}
    try:
        ids = _bulk_selection(request, account)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    count = len(ids)
    if not count:
        messages.error(request, "Select at least one order.")
        return redirect(back)
    if action == "cancel":
        if not " ".join(params["reason"].split()):
            messages.error(request, "Give a reason: it goes into each order's history.")
            return redirect(back)
        asked = confirmation(
            request, title=f"Cancel {count} order{'s' if count != 1 else ''}?",
            consequences=[
                f"{count} order{'s' if count != 1 else ''} will be cancelled and what they have allocated released; "
                "this cannot be undone. Orders that can no longer be cancelled are left as they are and listed.",
                f"Reason: {params['reason']}",
            ],
            confirm_label=f"Cancel {count} order{'s' if count != 1 else ''}", back_url=back,
        )
        if asked is not None:
            return asked
    try:
        bulk = orders_bulk_start(account=account, by=request.user, action=action, params=params, order_ids=ids)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    if bulk.status == BulkAction.Status.DONE:
        level = messages.success if not bulk.refused else messages.warning
        level(request, bulk_summary_text(bulk))
    return redirect("order_bulk_status", account.pk, bulk.pk)


@account_view(roles.WORK_ORDERS, denied=DENIED)
def order_bulk_status(request, account, caps, bulk_id: int):
    bulk = selectors.bulk_action_get_for_account(account=account, bulk_id=bulk_id)
    if bulk is None:
        raise Http404("No such bulk action.")
    context = {"account": account, "bulk": bulk, "label": BULK_ACTIONS.get(bulk.action, bulk.action),
               "summary": bulk_summary_text(bulk)}
    if request.htmx:
        return render(request, "orders/partials/_bulk_progress.html", context)
    return render(request, "orders/bulk_status.html", context)
