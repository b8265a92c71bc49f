"""Intake of the other documents: purchase orders, shipments and receipts.

Each `*_submit(*, account, payload, by=None, source=Source.API)` reads a JSON object, judges it, and either
creates the document or stores the payload as an IntakeFailure (document = the kind, status "needs
attention", every error as {code, field, message}). It never raises for a bad payload. A payload whose
external_id the account already has returns `duplicate_of` and creates nothing. Warnings (e.g. a missing
carrier code when the account's rule says Warning) are accepted and kept in the document's `flags`.
The carrier/service rules are the account's API validation rules for that document type; codes are
compared, upper-cased, with the account's active shipping methods.

Payloads
--------
Purchase order::

    {"external_id": "SUP-881",            # optional, unique per account and source
     "supplier": "Acme Supplies",         # required, kept as the order's customer name
     "warehouse": "MAIN",                 # required: the warehouse code where the goods will arrive
     "expected_date": "2026-12-01",       # optional, YYYY-MM-DD (kept in the order's "created" event)
     "lines": [{"sku": "MUG-1", "quantity": 50, "unit_cost": "3.20"}],   # unit_cost optional: 0
     "carrier_code": "UPS", "service_code": "GROUND", "notes": "..."}    # optional

  Becomes an Order of kind purchase, status open, through `orders_insert`. It never allocates stock.
  SKUs are the account's (or its SKU aliases); an inactive SKU may be bought.

Shipment::

    {"order": "SO-0000042",               # required: the number of one of the account's sales orders
     "external_id": "3PL-77", "carrier_code": "UPS", "service_code": "GROUND", "tracking_number": "1Z...",
     "lines": [{"sku": "MUG-1", "quantity": 2}]}   # optional: omitted ships everything not yet shipped

  Allowed for open and allocated orders; draft, on hold, shipped, closed, cancelled and simulation orders
  are refused (`invalid_state`). Each SKU must be on the order and the quantity at most ordered minus
  already shipped (`over_shipment`). Stock leaves the order's warehouse through the ledger: an allocated
  order ships from its allocation (allocated and on hand both drop); an open (unallocated) order first
  allocates the shipped quantities from available stock — refused (`insufficient_stock`) when there is not
  enough — and then ships them, so on hand never goes below what other orders hold. When every line is
  fully shipped the order becomes shipped through `order_transition` (an open order goes open → allocated →
  shipped, the moves ALLOWED_TRANSITIONS allows).

Receipt::

    {"purchase_order": "PO-0000007",      # required: the number of one of the account's purchase orders
     "warehouse": "MAIN",                 # optional: the purchase order's warehouse
     "external_id": "ASN-5", "carrier_code": "UPS", "service_code": "FREIGHT",
     "lines": [{"sku": "MUG-1", "quantity": 20}]}   # required

  Refused for cancelled, closed and simulation purchase orders. Each SKU must be on the purchase order and
  the quantity at most ordered minus already received (`over_receipt`). Stock is added through the ledger
  (RECEIPT entries). When every line is fully received the purchase order is closed (open → closed is the
  purchase order's own life; ALLOWED_TRANSITIONS describes sales orders, so this is a direct update with an
  order event).

A shipment or receipt locks its order row while it is judged and written, so two posted at once for the
same order can never ship or receive more than was ordered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from intake.models import Document, IntakeFailure, Source
from intake.normalized import text
from intake.services.failures import failure_record, failure_resolve, source_stats_add
from intake.services.orders import ORDER_SOURCE, order_existing
from intake.validation import (
    ERROR, MAX_LINES, MAX_UNIT_PRICE, Checked, Problem, check_codes, known_codes, price_parse, quantity_parse,
    variants_for, warehouse_check,
)
from inventory.services import StockShortage, stock_allocate, stock_receive, stock_ship
from oms.exceptions import DomainError
from orders.models import MAX_LINE_QUANTITY, Order, OrderEvent, Receipt, ReceiptLine, Shipment, ShipmentLine
from orders.pricing import LineInput
from orders.services.create import OrderDraft, order_transition, orders_insert

SHIPPABLE = {Order.Status.OPEN, Order.Status.ALLOCATED}
NOT_RECEIVABLE = {Order.Status.CANCELLED, Order.Status.CLOSED}
RECEIVABLE = set(Order.Status) - NOT_RECEIVABLE


@dataclass
class DocumentResult:
    obj: object | None = None  # the Order (purchase), Shipment or Receipt created
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: object | None = None  # the existing document with this external id; nothing was created
    failure: IntakeFailure | None = None  # the stored rejected payload

    @property
    def accepted(self) -> bool:
        return self.obj is not None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


class _Rejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


@dataclass
class _Line:
    index: int
    sku: str
    quantity: int | None
    unit_cost: Decimal | None = None

    @property
    def label(self) -> str:
        return f"Line {self.index + 1}"


# Shared reading and judging ------------------------------------------------------------------------------


def _short_text(checked: Checked, payload: dict, name: str, limit: int, label: str) -> str:
    value = text(payload.get(name))
    if len(value) > limit:
        checked.add("too_long", name, f"The {label} is longer than {limit} characters.")
    return value[:limit]


def _read_lines(checked: Checked, payload: dict, *, document: str, costs: bool = False) -> list[_Line] | None:
    """The payload's lines, each judged for shape and quantity; None when `lines` is absent."""
    raw = payload.get("lines")
    label = Document(document).label.lower()
    if raw is None:
        return None
    if not isinstance(raw, list):
        checked.add("invalid", "lines", "“lines” must be a list of {sku, quantity}.")
        return []
    if not raw:
        checked.add("required", "lines", f"The {label} has no lines.")
    if len(raw) > MAX_LINES:
        checked.add("too_many_lines", "lines", f"The {label} has {len(raw)} lines; at most {MAX_LINES} are accepted.")
        return []
    lines = []
    for index, item in enumerate(raw):
        where = f"lines[{index}]"
        if not isinstance(item, dict):
            checked.add("invalid", where, f"Line {index + 1} must be an object with sku and quantity.")
            continue
        line = _Line(index=index, sku=text(item.get("sku")), quantity=quantity_parse(item.get("quantity")))
        if not line.sku:
            checked.add("required", f"{where}.sku", f"{line.label} has no SKU.")
        if line.quantity is None or not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            checked.add(
                "invalid_quantity", f"{where}.quantity",
                f"{line.label}: quantity “{item.get('quantity')}” is not a whole number from 1 to "
                f"{MAX_LINE_QUANTITY:,}.",
            )
            line.quantity = None
        if costs and item.get("unit_cost") not in (None, ""):
            line.unit_cost = price_parse(item.get("unit_cost"))
            if line.unit_cost is None or not 0 <= line.unit_cost < MAX_UNIT_PRICE:
                checked.add(
                    "invalid_price", f"{where}.unit_cost",
                    f"{line.label}: cost “{item.get('unit_cost')}” is not an amount.",
                )
                line.unit_cost = None
        lines.append(line)
    return lines


def _codes(checked: Checked, payload: dict, *, account, document: str) -> tuple[str, str]:
    carrier = _short_text(checked, payload, "carrier_code", 30, "carrier code").upper()
    service = _short_text(checked, payload, "service_code", 30, "service code").upper()
    check_codes(
        checked, account=account, document=document, channel=None, carrier=carrier, service=service,
        known=known_codes(account=account),
    )
    return carrier, service


def _rejected(
    *, account, source: str, document: str, payload, problems: list[Problem], external_id: str = "",
    value: Decimal = Decimal(0), line_count: int = 0, failure: IntakeFailure | None = None,
) -> DocumentResult:
    """Keep the rejected payload with every error, for an operator to fix and replay (never retried)."""
    stored = failure_record(
        account=account, source=source, document=document, payload=payload, problems=problems,
        external_id=external_id, value=value, line_count=line_count, failure=failure,
    )
    return DocumentResult(failure=stored, problems=problems)


def _unreadable(*, account, source, document, payload, failure) -> DocumentResult:
    problems = [Problem("unreadable", "", f"The {Document(document).label.lower()} must be a JSON object.")]
    return _rejected(
        account=account, source=source, document=document, payload=payload if payload is not None else {},
        problems=problems, failure=failure,
    )


def _accepted(*, account, source, obj, order: Order, by, failure: IntakeFailure | None, problems) -> DocumentResult:
    source_stats_add(account=account, source=source, channel=None, accepted=1)
    if failure is not None:
        failure_resolve(failure, order=order, by=by)
    return DocumentResult(obj=obj, problems=problems)


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _quantities(lines) -> str:
    count = sum(q for _, q in lines)
    return f"{count} item{'s' if count != 1 else ''}"


# Purchase orders -----------------------------------------------------------------------------------------


def _opening(
    *, account, payload, source: str, document: str, failure, id_label: str, find
) -> tuple[DocumentResult | None, Checked | None, str]:
    """Every document's first steps: a payload that is not a JSON object is kept as unreadable, and an external
    id already taken (`find(external_id)`) answers with that document, nothing written. Either way the result
    comes first; else (None, the checks so far, the external id)."""
    if not isinstance(payload, dict):
        return _unreadable(account=account, source=source, document=document, payload=payload, failure=failure), None, ""
    checked = Checked()
    external_id = _short_text(checked, payload, "external_id", 100, id_label)
    existing = find(external_id)
    if existing is not None:
        return DocumentResult(duplicate_of=existing), None, ""
    return None, checked, external_id


def purchase_order_submit(
    *, account, payload, by=None, source: str = Source.API, failure: IntakeFailure | None = None
) -> DocumentResult:
    """A purchase order from a payload (see the module docstring); `failure` is the stored one being replayed."""
    document = Document.PURCHASE_ORDER
    done, checked, external_id = _opening(
        account=account, payload=payload, source=source, document=document, failure=failure,
        id_label="purchase order id",
        find=lambda external_id: order_existing(
            account=account, channel=None, source=source, external_id=external_id, kind=Order.Kind.PURCHASE
        ),
    )
    if done is not None:
        return done

    supplier = payload.get("supplier")
    supplier = text(supplier.get("name") if isinstance(supplier, dict) else supplier)
    if not supplier:
        checked.add("required", "supplier", "The purchase order has no supplier.")
    elif len(supplier) > 200:
        checked.add("too_long", "supplier", "The supplier's name is longer than 200 characters.")
    code = text(payload.get("warehouse"))
    warehouse = None
    if not code:
        checked.add(
            "required", "warehouse",
            "The purchase order has no warehouse: give the code of the warehouse the goods will arrive at.",
        )
    else:
        warehouse = warehouse_check(checked, account=account, code=code)
    expected = text(payload.get("expected_date"))
    if expected:
        try:
            expected = dt.date.fromisoformat(expected).isoformat()
        except ValueError:
            checked.add("invalid_date", "expected_date", f"“{expected}” is not a date (YYYY-MM-DD).")
    lines = _read_lines(checked, payload, document=document, costs=True)
    if lines is None:
        checked.add("required", "lines", "The purchase order has no lines.")
        lines = []
    variants = variants_for(account=account, channel=None, skus={line.sku for line in lines if line.sku})
    inputs = []
    for line in lines:
        variant = variants.get(line.sku) if line.sku else None
        if line.sku and variant is None:
            checked.add(
                "unknown_sku", f"lines[{line.index}].sku",
                f"{line.label}: SKU “{line.sku}” is not a product of {account.name}. Map it to one of its SKUs or "
                "add the product.",
            )
        elif variant is not None and line.quantity is not None:
            cost = line.unit_cost or Decimal(0)
            inputs.append(LineInput(variant=variant, quantity=line.quantity, fixed_unit_price=cost))
    carrier, service = _codes(checked, payload, account=account, document=document)
    notes = str(payload.get("notes") or "").strip()[:5000]

    value = sum(((line.unit_cost or 0) * (line.quantity or 0) for line in lines), Decimal(0))
    if checked.errors:
        return _rejected(
            account=account, source=source, document=document, payload=payload, problems=checked.problems,
            external_id=external_id, value=value, line_count=len(lines), failure=failure,
        )
    draft = OrderDraft(
        account=account, kind=Order.Kind.PURCHASE, lines=inputs, order_date=account.today(),
        source=ORDER_SOURCE[source], external_id=external_id, customer_name=supplier, carrier_code=carrier,
        service_code=service, warehouse=warehouse, notes=notes, flags=[p.message for p in checked.warnings],
        run_rules=False, event_message=f"Purchase order received from {Source(source).label}",
        event_data={
            "external_id": external_id, "expected_date": expected or None,
            "warnings": [p.as_dict() for p in checked.warnings],
        },
    )
    try:
        with transaction.atomic():
            order = orders_insert(account=account, drafts=[draft], by=by)[0]
            return _accepted(
                account=account, source=source, obj=order, order=order, by=by, failure=failure, problems=checked.problems
            )
    except IntegrityError:
        # The same external id committed by a parallel request between our check and our insert.
        existing = order_existing(
            account=account, channel=None, source=source, external_id=external_id, kind=Order.Kind.PURCHASE
        )
        if existing is None:
            raise
        return DocumentResult(duplicate_of=existing)
    except DomainError as error:
        problems = [*checked.problems, Problem(error.code, error.field or "", error.message)]
        return _rejected(
            account=account, source=source, document=document, payload=payload, problems=problems,
            external_id=external_id, value=value, line_count=len(lines), failure=failure,
        )


# Shipments and receipts: lines against an order ---------------------------------------------------------


def _order_lines_with(order: Order, related: str) -> list:
    """The order's lines, each with `done`: the quantity already shipped or received (one query)."""
    return list(order.lines.annotate(done=Coalesce(Sum(f"{related}__quantity"), 0)).order_by("position"))


def _requested(
    checked: Checked, lines: list[_Line] | None, order_lines: list, *, account, name: str, code: str,
    verbs: tuple[str, str],
) -> list[tuple[object, int]]:
    """(order line, quantity) pairs for the payload's lines; a SKU on several order lines fills them in order.

    `lines` None means everything not yet done. Unknown SKUs and quantities above what is left are errors.
    `name` is the order as the operator knows it ("order SO-0000042"), `verbs` e.g. ("ship", "shipped").
    """
    if lines is None:
        return [(ol, ol.quantity - ol.done) for ol in order_lines if ol.quantity > ol.done]
    variants = variants_for(account=account, channel=None, skus={line.sku for line in lines if line.sku})
    by_variant: dict[int, list] = {}
    for ol in order_lines:
        by_variant.setdefault(ol.variant_id, []).append(ol)
    wanted: Counter = Counter()
    first_line: dict[int, _Line] = {}
    for line in lines:
        if not line.sku:
            continue
        variant = variants.get(line.sku)
        if variant is None or variant.pk not in by_variant:
            checked.add(
                "not_on_order", f"lines[{line.index}].sku",
                f"{line.label}: SKU “{line.sku}” is not on {name}.",
            )
            continue
        if line.quantity is not None:
            wanted[variant.pk] += line.quantity
            first_line.setdefault(variant.pk, line)
    pairs = []
    for variant_id, quantity in wanted.items():
        order_lines_of = by_variant[variant_id]
        ordered = sum(ol.quantity for ol in order_lines_of)
        done = sum(ol.done for ol in order_lines_of)
        if quantity > ordered - done:
            line = first_line[variant_id]
            checked.add(
                code, f"lines[{line.index}].quantity",
                f"{line.label}: {quantity} × {order_lines_of[0].sku} is more than is left to {verbs[0]}: "
                f"{ordered} ordered, {done} already {verbs[1]}, so at most {max(ordered - done, 0)}.",
            )
            continue
        for ol in order_lines_of:
            take = min(quantity, ol.quantity - ol.done)
            if take > 0:
                pairs.append((ol, take))
                quantity -= take
    return pairs


def _complete(order_lines: list, pairs: list[tuple[object, int]]) -> bool:
    added = Counter()
    for ol, quantity in pairs:
        added[ol.pk] += quantity
    return all(ol.done + added[ol.pk] >= ol.quantity for ol in order_lines)


def _shortage_message(shortage: StockShortage, order_lines: list, warehouse) -> str:
    skus = {ol.variant_id: ol.sku for ol in order_lines}
    details = ", ".join(
        f"{skus.get(v, v)} ({wanted} to ship, {available} available)"
        for v, (wanted, available) in shortage.shortages.items()
    )
    return f"Not enough stock in {warehouse.code} to ship: {details}."


# Shipments and receipts: one locked order, one document with its lines ------------------------------------


@dataclass
class _Judged:
    """A shipment or receipt judged against its locked order, ready to write when there is no error."""

    order: Order
    order_lines: list  # the order's lines, each with `done` (see _order_lines_with)
    pairs: list[tuple[object, int]]  # (order line, quantity) this document ships or receives
    fields: dict  # the document's own fields: its order, codes, tracking number or warehouse


# The line model of each document, and its field naming the document.
_LINES = {Shipment: (ShipmentLine, "shipment"), Receipt: (ReceiptLine, "receipt")}


def _existing_document(model, related: str, *, account, external_id: str):
    """The shipment or receipt (`model`) that already took `external_id`, with its order (`related`)."""
    if not external_id:
        return None
    return model.objects.filter(account=account, external_id=external_id).select_related(related).first()


def _order_locked(
    checked: Checked, *, account, number: str, kind: str, field_name: str, name: str, states: set, verb: str
) -> Order:
    """The account's order `number` of this kind, its row locked until the transaction ends (so two documents
    posted at once for it are judged one after the other), when its status is one of `states`.

    A missing number or order, a simulation or another status is an error; without an order there is nothing
    more to judge, so that raises _Rejected with the problems so far. `name` starts the state error
    ("Order SO-… is shipped: it cannot be shipped."), `verb` ends it."""
    order = None
    if number:
        order = (
            Order.objects.select_for_update(of=("self",)).select_related("warehouse")
            .filter(account=account, kind=kind, number=number).first()
        )
        if order is None:
            checked.add(
                "unknown_order", field_name, f"There is no {Order.Kind(kind).label.lower()} {number} in {account.name}."
            )
    if order is not None and (order.is_simulation or order.status not in states):
        state = "a simulation" if order.is_simulation else order.get_status_display().lower()
        checked.add("invalid_state", field_name, f"{name} {order.number} is {state}: it cannot be {verb}.")
        order = None
    if order is None:
        raise _Rejected(checked.problems)
    return order


def _document_write(
    model, *, account, source: str, document: str, payload, by, failure: IntakeFailure | None, checked: Checked,
    external_id: str, line_count: int, find, judge, finish,
) -> DocumentResult:
    """A shipment or receipt (`model`) in one transaction, its order locked throughout.

    `judge()` locks and judges the order (a _Judged); with no error the document and its lines are written and
    `finish(document, judged)` moves the stock, records the order's events and returns the order as it now is.
    A _Rejected from any step keeps the payload as a failure and writes nothing else; an external id committed
    meanwhile by a parallel request (`find(external_id)`) answers with that document."""
    try:
        with transaction.atomic():
            judged = judge()
            if checked.errors:
                raise _Rejected(checked.problems)
            line_model, parent = _LINES[model]
            obj = model.objects.create(
                account=account, external_id=external_id, flags=[p.message for p in checked.warnings],
                created_by=_actor(by), **judged.fields,
            )
            line_model.objects.bulk_create(
                line_model(account=account, order_line=ol, quantity=q, **{parent: obj}) for ol, q in judged.pairs
            )
            order = finish(obj, judged)
            return _accepted(
                account=account, source=source, obj=obj, order=order, by=by, failure=failure, problems=checked.problems
            )
    except _Rejected as rejection:
        return _rejected(
            account=account, source=source, document=document, payload=payload, problems=rejection.problems,
            external_id=external_id, line_count=line_count, failure=failure,
        )
    except IntegrityError:
        existing = find(external_id)
        if existing is None:
            raise
        return DocumentResult(duplicate_of=existing)


# Shipments -----------------------------------------------------------------------------------------------


def _existing_shipment(*, account, external_id: str) -> Shipment | None:
    return _existing_document(Shipment, "order", account=account, external_id=external_id)


def shipment_submit(
    *, account, payload, by=None, source: str = Source.API, failure: IntakeFailure | None = None
) -> DocumentResult:
    """A shipment of a sales order from a payload (see the module docstring)."""
    document = Document.SHIPMENT
    find = lambda external_id: _existing_shipment(account=account, external_id=external_id)  # noqa: E731
    done, checked, external_id = _opening(
        account=account, payload=payload, source=source, document=document, failure=failure, id_label="shipment id",
        find=find,
    )
    if done is not None:
        return done
    number = text(payload.get("order")).upper()
    if not number:
        checked.add("required", "order", "The shipment has no order number.")
    tracking = _short_text(checked, payload, "tracking_number", 100, "tracking number")
    lines = _read_lines(checked, payload, document=document)
    carrier, service = _codes(checked, payload, account=account, document=document)

    def judge() -> _Judged:
        order = _order_locked(
            checked, account=account, number=number, kind=Order.Kind.SALES, field_name="order", name="Order",
            states=SHIPPABLE, verb="shipped",
        )
        if order.warehouse is None:
            checked.add(
                "no_warehouse", "order", f"Order {order.number} has no warehouse to ship from: set its warehouse first."
            )
            raise _Rejected(checked.problems)
        order_lines = _order_lines_with(order, "shipment_lines")
        pairs = _requested(
            checked, lines, order_lines, account=account, name=f"order {order.number}", code="over_shipment",
            verbs=("ship", "shipped"),
        )
        if not pairs and not checked.errors:
            checked.add("nothing_to_ship", "lines", f"Order {order.number} has nothing left to ship.")
        return _Judged(order, order_lines, pairs, fields={
            "order": order, "carrier_code": carrier, "service_code": service, "tracking_number": tracking,
        })

    def finish(shipment: Shipment, judged: _Judged) -> Order:
        order, pairs = judged.order, judged.pairs
        quantities = [(ol.variant_id, q) for ol, q in pairs]
        reason = f"Shipment {shipment.pk} of {order.number}"
        try:
            if order.status == Order.Status.OPEN:
                stock_allocate(
                    account=account, warehouse=order.warehouse, quantities=quantities, by=by, reason=reason, order=order
                )
            stock_ship(
                account=account, warehouse=order.warehouse, quantities=quantities, by=by, reason=reason, order=order
            )
        except StockShortage as shortage:
            message = _shortage_message(shortage, judged.order_lines, order.warehouse)
            raise _Rejected([*checked.problems, Problem("insufficient_stock", "lines", message)])
        except DomainError as error:
            raise _Rejected([*checked.problems, Problem(error.code, error.field or "lines", error.message)])
        OrderEvent.objects.create(
            account=account, order=order, actor=_actor(by), kind="shipment",
            message=f"Shipped {_quantities(pairs)} from {order.warehouse.code}"
            + (f" by {carrier}" if carrier else "") + (f", tracking {tracking}" if tracking else ""),
            data={
                "shipment": shipment.pk, "external_id": external_id,
                "warnings": [p.as_dict() for p in checked.warnings],
            },
        )
        if _complete(judged.order_lines, pairs):
            if order.status == Order.Status.OPEN:
                order = order_transition(
                    order=order, to=Order.Status.ALLOCATED, by=by, message="Allocated to ship in full"
                )
            order = order_transition(order=order, to=Order.Status.SHIPPED, by=by, message="Shipped in full")
        shipment.order = order
        return order

    return _document_write(
        Shipment, account=account, source=source, document=document, payload=payload, by=by, failure=failure,
        checked=checked, external_id=external_id, line_count=len(lines or []), find=find, judge=judge, finish=finish,
    )


# Receipts ------------------------------------------------------------------------------------------------


def _existing_receipt(*, account, external_id: str) -> Receipt | None:
    return _existing_document(Receipt, "purchase_order", account=account, external_id=external_id)


def receipt_submit(
    *, account, payload, by=None, source: str = Source.API, failure: IntakeFailure | None = None
) -> DocumentResult:
    """Goods received against a purchase order, from a payload (see the module docstring)."""
    document = Document.RECEIPT
    find = lambda external_id: _existing_receipt(account=account, external_id=external_id)  # noqa: E731
    done, checked, external_id = _opening(
        account=account, payload=payload, source=source, document=document, failure=failure, id_label="receipt id",
        find=find,
    )
    if done is not None:
        return done
    number = text(payload.get("purchase_order")).upper()
    if not number:
        checked.add("required", "purchase_order", "The receipt has no purchase order number.")
    code = text(payload.get("warehouse"))
    warehouse = warehouse_check(checked, account=account, code=code) if code else None
    lines = _read_lines(checked, payload, document=document)
    if lines is None:
        checked.add("required", "lines", "The receipt has no lines.")
        lines = []
    carrier, service = _codes(checked, payload, account=account, document=document)

    def judge() -> _Judged:
        po = _order_locked(
            checked, account=account, number=number, kind=Order.Kind.PURCHASE, field_name="purchase_order",
            name="Purchase order", states=RECEIVABLE, verb="received",
        )
        into = warehouse
        if into is None and not code:
            into = po.warehouse
            if into is None:
                checked.add(
                    "required", "warehouse", f"Purchase order {po.number} has no warehouse: give the warehouse code."
                )
        order_lines = _order_lines_with(po, "receipt_lines")
        pairs = _requested(
            checked, lines, order_lines, account=account, name=f"purchase order {po.number}", code="over_receipt",
            verbs=("receive", "received"),
        )
        return _Judged(po, order_lines, pairs, fields={
            "purchase_order": po, "warehouse": into, "carrier_code": carrier, "service_code": service,
        })

    def finish(receipt: Receipt, judged: _Judged) -> Order:
        po, pairs = judged.order, judged.pairs
        stock_receive(
            account=account, warehouse=receipt.warehouse, quantities=[(ol.variant_id, q) for ol, q in pairs], by=by,
            reason=f"Receipt {receipt.pk} of {po.number}", order=po,
        )
        events = [
            OrderEvent(
                account=account, order=po, actor=_actor(by), kind="receipt",
                message=f"Received {_quantities(pairs)} into {receipt.warehouse.code}",
                data={
                    "receipt": receipt.pk, "external_id": external_id,
                    "warnings": [p.as_dict() for p in checked.warnings],
                },
            )
        ]
        if _complete(judged.order_lines, pairs):
            before = po.status
            po.status = Order.Status.CLOSED
            Order.objects.filter(pk=po.pk).update(status=po.status, updated_at=timezone.now())
            events.append(
                OrderEvent(
                    account=account, order=po, actor=_actor(by), kind="status", message="Received in full: closed",
                    data={"status": [before, po.status]},
                )
            )
        OrderEvent.objects.bulk_create(events)
        return po

    return _document_write(
        Receipt, account=account, source=source, document=document, payload=payload, by=by, failure=failure,
        checked=checked, external_id=external_id, line_count=len(lines), find=find, judge=judge, finish=finish,
    )


# For replaying a stored failure of any of these documents through its own flow.
DOCUMENT_SUBMIT = {
    Document.PURCHASE_ORDER: purchase_order_submit,
    Document.SHIPMENT: shipment_submit,
    Document.RECEIPT: receipt_submit,
}
