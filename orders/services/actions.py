"""Acting on one order: cancel, hold, release, edit the address, contact details or notes, re-allocate, add a
note, change tags, assign. Every door (the order page, the bulk bar, the API, `manage.py order_action`) calls
these.

Each action checks the role of `by` (a user needs WORK_ORDERS on the account; `None` is the account's API key
or the command line), locks the order row, checks the order's state, writes, and records one OrderEvent with
the actor and the old and new values, all in one transaction. A refusal is a DomainError whose code says
why: "forbidden" (role), "invalid_transition" (the order's state; the API answers 409), "unchanged", or "invalid"
(the input)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts import roles
from accounts.selectors import account_capabilities, account_order_worker
from inventory.services import StockShortage, stock_allocate, stock_release
from oms.codes import country_problem
from oms.exceptions import DomainError
from orders.models import ADDRESS_FIELDS, REQUIRED_ADDRESS_FIELDS, Order, OrderEvent
from orders.selectors import order_holds_stock, order_units_allocated
from orders.services.create import ALLOWED_TRANSITIONS, order_transition

S = Order.Status
EDITABLE = {S.DRAFT, S.OPEN, S.ALLOCATED, S.ON_HOLD}  # not yet shipped, closed or cancelled
STATE_WORDS = {
    S.DRAFT: "is a draft", S.OPEN: "is open", S.ALLOCATED: "is allocated", S.ON_HOLD: "is on hold",
    S.SHIPPED: "has shipped", S.CLOSED: "is closed", S.CANCELLED: "is cancelled",
}
REASON_MAX = 300
NOTE_MAX = 2000
NOTES_MAX = 5000
TAG_MAX = 40
TAGS_MAX = 20


def _actor(by):
    return by if getattr(by, "pk", None) else None


def orders_work_check(*, account, by) -> None:
    """Refuse (DomainError "forbidden") a user whose role cannot work the account's orders; `by` None (the API key,
    the command line) may."""
    if _actor(by) is not None and roles.WORK_ORDERS not in account_capabilities(user=by, account=account):
        raise DomainError("Your role cannot change orders.", code="forbidden")


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("account", "warehouse", "assigned_to")
        .get(pk=order.pk, account_id=order.account_id)
    )


def _refuse(order: Order, what: str) -> DomainError:
    """"SO-0000123 has shipped: its address can no longer be changed"."""
    return DomainError(f"{order.number} {STATE_WORDS.get(order.status, 'is ' + order.status)}: {what}.",
                       field="status", code="invalid_transition")


def _reason(reason, doing: str) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainError(f"Give a reason to {doing}.", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason is too long: at most {REASON_MAX} characters.", field="reason")
    return reason


def _event(order: Order, *, by, kind: str, message: str, data: dict) -> OrderEvent:
    return OrderEvent.objects.create(
        account_id=order.account_id, order=order, actor=_actor(by), kind=kind, message=message[:500], data=data,
    )


def _begin(order: Order, by) -> Order:
    orders_work_check(account=order.account, by=by)
    return _locked(order)


def actions_allowed(*, order: Order, caps, shipped: bool) -> set[str]:
    """The actions the role (`caps`) and the order's state allow: what the order page offers (the services
    check the same rules again when asked)."""
    if roles.WORK_ORDERS not in caps:
        return set()
    allowed = {"note", "tags", "assign"}
    if S.CANCELLED in ALLOWED_TRANSITIONS.get(order.status, set()):
        allowed.add("cancel")
    if order.status in (S.OPEN, S.ALLOCATED):
        allowed.add("hold")
    if order.status == S.ON_HOLD:
        allowed.add("release")
    if order.status in EDITABLE and not shipped:
        allowed |= {"address", "contact", "notes"}
    if (order.kind == Order.Kind.SALES and not order.is_simulation and order.status in (S.OPEN, S.ALLOCATED)
            and not shipped):
        allowed.add("reallocate")
    return allowed


# Status ---------------------------------------------------------------------------------------------------


def order_cancel(*, order: Order, by, reason: str) -> Order:
    """Cancel the order, giving back what it still has allocated. Refused once it has shipped."""
    reason = _reason(reason, "cancel the order")
    with transaction.atomic():
        order = _begin(order, by)
        if S.CANCELLED not in ALLOWED_TRANSITIONS.get(order.status, set()):
            raise _refuse(order, "it can no longer be cancelled")
        holds = order_holds_stock(order=order)
        units = order_units_allocated(order=order) if holds else 0
        return order_transition(
            order=order, to=S.CANCELLED, by=by, message=f"Cancelled: {reason}", kind="cancelled",
            data={"reason": reason, "released": units}, release=holds,
        )


def order_hold(*, order: Order, by, reason: str) -> Order:
    """Put an open or allocated order on hold; what it has allocated stays allocated."""
    reason = _reason(reason, "put the order on hold")
    with transaction.atomic():
        order = _begin(order, by)
        if order.status == S.ON_HOLD:
            raise _refuse(order, "it is already held")
        if order.status not in (S.OPEN, S.ALLOCATED):
            raise _refuse(order, "it can no longer be put on hold")
        return order_transition(
            order=order, to=S.ON_HOLD, by=by, message=f"Put on hold: {reason}", kind="hold", data={"reason": reason}
        )


def order_release(*, order: Order, by, reason: str) -> Order:
    """Take an order off hold: back to allocated if it holds stock, else open."""
    reason = _reason(reason, "release the order")
    with transaction.atomic():
        order = _begin(order, by)
        if order.status != S.ON_HOLD:
            raise _refuse(order, "only an order on hold can be released")
        back = S.ALLOCATED if order_holds_stock(order=order) else S.OPEN
        return order_transition(
            order=order, to=back, by=by, message=f"Released from hold: {reason}", kind="release",
            data={"reason": reason},
        )


# Edits ----------------------------------------------------------------------------------------------------


def _clean_text(order: Order, name: str, value, label: str, errors: list[tuple[str, str]]) -> str:
    value = " ".join(str(value or "").split()) if name != "notes" else str(value or "").strip()
    field = Order._meta.get_field(name)
    if field.max_length and len(value) > field.max_length:
        errors.append((name, f"{label}: at most {field.max_length} characters."))
    return value


def _raise_errors(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise DomainError(" ".join(message for _, message in errors), field=errors[0][0])


def _edit(order: Order, *, by, values: dict[str, str], kind: str, message: str, what: str) -> Order:
    with transaction.atomic():
        order = _begin(order, by)
        if order.status not in EDITABLE:
            raise _refuse(order, f"{what} can no longer be changed")
        if order.shipments.exists():
            raise DomainError(f"{order.number} has shipped in part: {what} can no longer be changed.",
                              field="status", code="invalid_transition")
        changes = {name: [getattr(order, name), new] for name, new in values.items() if getattr(order, name) != new}
        if not changes:
            raise DomainError(f"Nothing changed: {what} already say(s) that.", code="unchanged")
        for name, (_, new) in changes.items():
            setattr(order, name, new)
        order.save(update_fields=[*changes, "updated_at"])
        _event(order, by=by, kind=kind, message=message, data={"changes": changes})
    return order


def order_edit_address(*, order: Order, by, address: dict) -> Order:
    """Change the shipping address (fields of ADDRESS_FIELDS; the country an ISO code) until the order ships."""
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        raise DomainError(f"Unknown address field(s): {', '.join(unknown)}.", field=unknown[0])
    errors: list[tuple[str, str]] = []
    values = {}
    for name in ADDRESS_FIELDS:
        if name not in address:
            continue
        label = name.replace("_", " ").capitalize()
        value = _clean_text(order, f"shipping_{name}", address[name], label, errors)
        if name == "country":
            value = value.upper()
            if value and (problem := country_problem(value)):
                errors.append(("shipping_country", f"Country: {problem}"))
        values[f"shipping_{name}"] = value
    for name in REQUIRED_ADDRESS_FIELDS:
        if name in address and not values.get(f"shipping_{name}"):
            errors.append((f"shipping_{name}", f"{name.replace('_', ' ').capitalize()} is required."))
    _raise_errors(errors)
    return _edit(order, by=by, values=values, kind="address", message="Shipping address changed",
                 what="its address")


def order_edit_contact(*, order: Order, by, name: str, email: str, phone: str) -> Order:
    """Change the customer's name, email and phone on the order until it ships."""
    errors: list[tuple[str, str]] = []
    values = {
        "customer_name": _clean_text(order, "customer_name", name, "Name", errors),
        "customer_email": _clean_text(order, "customer_email", email, "Email", errors),
        "customer_phone": _clean_text(order, "customer_phone", phone, "Phone", errors),
    }
    if values["customer_email"]:
        try:
            validate_email(values["customer_email"])
        except ValidationError:
            errors.append(("customer_email", f"“{values['customer_email']}” is not an email address."))
    _raise_errors(errors)
    return _edit(order, by=by, values=values, kind="contact", message="Contact details changed",
                 what="its contact details")


def order_edit_notes(*, order: Order, by, notes: str) -> Order:
    notes = str(notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(f"Notes: at most {NOTES_MAX} characters.", field="notes")
    return _edit(order, by=by, values={"notes": notes}, kind="notes", message="Notes changed", what="its notes")


# Stock ----------------------------------------------------------------------------------------------------


def order_reallocate(*, order: Order, by, warehouse=None) -> Order:
    """Try allocation again (after stock arrived), in the order's warehouse or in `warehouse` (an active one of
    the account); an allocated order moves its allocation there. All or nothing, never oversold: the stock rows
    are locked in id order, as every allocation does."""
    with transaction.atomic():
        order = _begin(order, by)
        if order.kind != Order.Kind.SALES or order.is_simulation:
            raise DomainError(f"{order.number} is not a sales order: it never allocates stock.",
                              field="status", code="invalid_transition")
        if order.status == S.ON_HOLD:
            raise _refuse(order, "release it before allocating again")
        if order.status not in (S.OPEN, S.ALLOCATED):
            raise _refuse(order, "it can no longer be allocated")
        target = warehouse or order.warehouse or order.account.default_warehouse
        if target is None:
            raise DomainError("Choose a warehouse to allocate from.", field="warehouse")
        if target.account_id != order.account_id or not target.is_active:
            raise DomainError(f"{target.code} is not an active warehouse of this account.", field="warehouse")
        if order.status == S.ALLOCATED and target.pk == order.warehouse_id:
            raise _refuse(order, f"its stock is already allocated in {target.name}")
        if order.shipments.exists():
            raise DomainError(f"{order.number} has shipped in part: its allocation can no longer move.",
                              field="status", code="invalid_transition")
        lines = list(order.lines.all())
        quantities = [(line.variant_id, line.quantity) for line in lines]
        before, old = order.status, order.warehouse
        if before == S.ALLOCATED and old is not None:
            stock_release(account=order.account, warehouse=old, quantities=quantities, by=by,
                          reason=f"{order.number} moved to {target.code}")
        try:
            stock_allocate(account=order.account, warehouse=target, quantities=quantities, by=by,
                           reason=f"Re-allocation of {order.number}")
        except StockShortage as shortage:
            skus = {line.variant_id: line.sku for line in lines}
            short = ", ".join(
                f"{skus.get(v, v)} ({wanted} wanted, {available} available)"
                for v, (wanted, available) in shortage.shortages.items()
            )
            raise DomainError(f"Not enough stock in {target.name} for {order.number}: {short}.",
                              field="warehouse", code="insufficient_stock") from None
        order.status, order.warehouse = S.ALLOCATED, target
        order.save(update_fields=["status", "warehouse", "updated_at"])
        _event(
            order, by=by, kind="reallocated", message=f"Allocated in {target.name}",
            data={
                "status": [before, S.ALLOCATED],
                "warehouse": [f"{old.name} ({old.code})" if old else "", f"{target.name} ({target.code})"],
                "units": sum(q for _, q in quantities),
            },
        )
    return order


# Notes, tags, assignment -----------------------------------------------------------------------------------


def order_note_add(*, order: Order, by, text: str) -> OrderEvent:
    """A note in the order's history (any state)."""
    text = str(text or "").strip()
    if not text:
        raise DomainError("Write the note first.", field="text")
    if len(text) > NOTE_MAX:
        raise DomainError(f"A note has at most {NOTE_MAX} characters.", field="text")
    with transaction.atomic():
        order = _begin(order, by)
        return _event(order, by=by, kind="note", message="Note added", data={"note": text})


def tags_clean(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = []
    for tag in tags or ():
        tag = " ".join(str(tag).split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise DomainError(f"A tag has at most {TAG_MAX} characters (“{tag[:20]}…”).", field="tags")
        if tag.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(tag)
    return cleaned


def order_tags_change(*, order: Order, by, add=(), remove=()) -> Order:
    """Add and remove tags (compared without case); any state."""
    add, remove = tags_clean(add), tags_clean(remove)
    if not add and not remove:
        raise DomainError("Give a tag to add or remove.", field="tags")
    with transaction.atomic():
        order = _begin(order, by)
        old = list(order.tags or [])
        dropping = {t.lower() for t in remove}
        new = [t for t in old if t.lower() not in dropping]
        new += [t for t in add if t.lower() not in {n.lower() for n in new}]
        if new == old:
            raise DomainError(f"Nothing changed: {order.number}'s tags already say that.", code="unchanged")
        if len(new) > TAGS_MAX:
            raise DomainError(f"An order has at most {TAGS_MAX} tags.", field="tags")
        added = [t for t in new if t not in old]
        removed = [t for t in old if t not in new]
        order.tags = new
        order.save(update_fields=["tags", "updated_at"])
        _event(order, by=by, kind="tags", message="Tags changed",
               data={"added": added, "removed": removed, "tags": [old, new]})
    return order


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def order_assign(*, order: Order, by, user_id) -> Order:
    """Assign the order to a member who can work orders on its account (`user_id` None: to nobody)."""
    person = None
    if user_id not in (None, ""):
        person = account_order_worker(account=order.account, user_id=user_id)
        if person is None:
            raise DomainError("That person cannot work orders on this account.", field="assigned_to")
    with transaction.atomic():
        order = _begin(order, by)
        if order.assigned_to_id == (person.pk if person else None):
            raise DomainError(f"Nothing changed: {order.number} is already assigned to "
                              f"{_person(person) or 'nobody'}.", code="unchanged")
        old = order.assigned_to
        order.assigned_to = person
        order.save(update_fields=["assigned_to", "updated_at"])
        _event(order, by=by, kind="assigned", message=f"Assigned to {_person(person) or 'nobody'}",
               data={"assigned_to": [_person(old), _person(person)],
                     "assigned_to_id": [old.pk if old else None, person.pk if person else None]})
    return order


__all__ = [
    "EDITABLE",
    "actions_allowed",
    "order_assign",
    "order_cancel",
    "order_edit_address",
    "order_edit_contact",
    "order_edit_notes",
    "order_hold",
    "order_note_add",
    "order_reallocate",
    "order_release",
    "order_tags_change",
    "orders_work_check",
    "tags_clean",
]
