"""Sales orders: create (through intake, the one entry flow), list, get, cancel and clone.

- POST /orders hands the JSON body, as sent, to `intake_submit(source=API)`: the body's types are checked first
  (a wrong type is a 422 and nothing is written), then intake validates, de-duplicates and creates. A rejected
  order is stored by intake as a failure with every reason and answered 422 with all of them; warnings an
  accepted order was flagged with come back in `warnings`; an external id already taken is a 409 naming the
  order it became, and so is an order without one whose refused earlier copy was replayed (409 duplicate_order).
- POST /orders/{number}/cancel, hold, release, address, reallocate, notes, tags and assign call the same services
  as the order page; a refusal by the order's state is a 409.
- POST /orders/{number}/clone takes the clone page's options and calls the one clone service (door "api").
- Writes are by the account's key, not a person: events show no actor.
"""

import datetime as dt
import json
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from accounts.models import Warehouse
from accounts.selectors import account_order_worker_by_email, warehouse_by_code
from api import group_commit
from api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, DuplicateOut, ErrorOut, error, error_body, problems_response
from api.idempotency import IdempotencyKeyHeader, idempotent
from api.selectors import order_get_for_api, order_get_for_clone, orders_by_id_for_api, orders_page_for_api
from api.types import (
    AddressIn, AddressOut, In, Money, MoneyText, Notes, Str3, Str30, Str40, Str64, Str100, Str200, Str254, Timestamp,
    money_text, text,
)
from intake.models import Source
from intake.services import intake_submit
from intake.validation import WARNING
from oms.exceptions import DomainError
from orders.models import Order, ShippingMethod, TaxJurisdiction
from orders.services.clone import CloneInvalid, CloneLine, Destination, order_clone
from orders.services import actions
from orders.services.actions import REASON_MAX

router = Router(tags=["Sales orders"])

OrderStatus = Literal[tuple(Order.Status.values)]  # type: ignore[valid-type]


# Input --------------------------------------------------------------------------------------------------------


class CustomerIn(In):
    name: Str200 | None = None
    email: Str254 | None = None
    phone: text(40) | None = None


class ChargedDiscountIn(In):
    title: Str200 | None = None
    amount: Money


class ChargedTaxIn(ChargedDiscountIn):
    rate: Money | None = Field(None, description="A fraction: 0.06 for 6 %")


class ShippingLineIn(In):
    title: Str200 | None = None
    price: Money
    discounts: list[ChargedDiscountIn] | None = Field(None, max_length=50)
    taxes: list[ChargedTaxIn] | None = Field(None, max_length=50)


class OrderLineIn(In):
    sku: Str64 = Field(..., description="One of the account's SKUs (or a SKU mapped to one)")
    quantity: int = Field(..., description="A whole number from 1 to 100,000")
    unit_price: Money | None = Field(None, description="Omit for the account's price with its promotions")
    discounts: list[ChargedDiscountIn] | None = Field(None, max_length=50, description="What was taken off the line, as charged")
    taxes: list[ChargedTaxIn] | None = Field(None, max_length=50, description="The line's taxes, as charged")


class OrderIn(In):
    """The OMS's own order JSON (intake format "oms")."""

    external_id: Str100 | None = Field(None, description="Your order id; an order is created once per id")
    order_date: Str30 | None = Field(None, description="YYYY-MM-DD; prices and promotions of that day. Default today")
    currency: Str3 | None = Field(None, description="ISO 4217, e.g. EUR; the account's currency (else USD) when absent")
    customer: CustomerIn
    shipping_address: AddressIn
    billing_address: AddressIn | None = Field(None, description="Omit when it is the shipping address")
    lines: list[OrderLineIn]
    carrier_code: Str30 | None = None
    service_code: Str30 | None = None
    shipping_method: Str30 | None = Field(None, description="The code of one of the account's shipping methods")
    warehouse: Str30 | None = Field(None, description="Warehouse code; default: the account's default warehouse")
    discount_codes: list[Str40] | None = Field(None, max_length=20)
    notes: Notes | None = None
    shipping_lines: list[ShippingLineIn] | None = Field(None, max_length=20, description="Shipping as charged")
    order_discounts: list[ChargedDiscountIn] | None = Field(None, max_length=50)
    total: Money | None = Field(None, description="The total you charged: the order is flagged if its parts differ")
    taxes_included: bool | None = Field(None, description="Whether prices (lines and shipping) include their tax")


# Output -------------------------------------------------------------------------------------------------------


class CustomerOut(Schema):
    name: str
    email: str
    phone: str


class OrderLineOut(Schema):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyText
    line_discount: MoneyText
    tax_amount: MoneyText
    line_total: MoneyText


class ProblemOut(Schema):
    code: str
    field: str | None = None
    message: str


class OrderOut(Schema):
    number: str
    status: str
    source: str
    external_id: str
    order_date: str
    currency: str
    customer: CustomerOut
    shipping_address: AddressOut
    billing_address: AddressOut
    lines: list[OrderLineOut]
    discount_codes: list[str]
    shipping_method: str | None
    carrier_code: str
    service_code: str
    warehouse: str | None
    notes: str
    subtotal: MoneyText
    discount_total: MoneyText
    shipping_total: MoneyText
    tax_total: MoneyText
    total: MoneyText
    flags: list[str]
    is_simulation: bool
    cloned_from: str | None
    clone_purpose: str
    created_at: str
    updated_at: str
    warnings: list[ProblemOut] = Field([], description="Problems the order was accepted with (create only)")


class OrderSummaryOut(Schema):
    number: str
    status: str
    source: str
    external_id: str
    customer_name: str
    customer_email: str
    currency: str
    total: MoneyText
    is_simulation: bool
    created_at: str


class OrderListOut(Schema):
    items: list[OrderSummaryOut]
    next: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


class ClonedOut(Schema):
    orders: list[OrderOut]


def _stamp(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def order_body(order: Order, warnings=()) -> dict:
    """An order as the API shows it (its lines, warehouse, shipping method and source must be loaded)."""
    return {
        "number": order.number,
        "status": order.status,
        "source": order.source,
        "external_id": order.external_id,
        "order_date": order.order_date.isoformat(),
        "currency": order.currency,
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "shipping_address": order.address("shipping"),
        "billing_address": order.address("billing"),
        "lines": [
            {
                "sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": money_text(line.unit_price),
                "line_discount": money_text(line.line_discount), "tax_amount": money_text(line.tax_amount),
                "line_total": money_text(line.line_total),
            }
            for line in order.lines.all()
        ],
        "discount_codes": list(order.discount_codes),
        "shipping_method": order.shipping_method.code if order.shipping_method_id else None,
        "carrier_code": order.carrier_code,
        "service_code": order.service_code,
        "warehouse": order.warehouse.code if order.warehouse_id else None,
        "notes": order.notes,
        "subtotal": money_text(order.subtotal),
        "discount_total": money_text(order.discount_total),
        "shipping_total": money_text(order.shipping_total),
        "tax_total": money_text(order.tax_total),
        "total": money_text(order.total),
        "flags": list(order.flags),
        "is_simulation": order.is_simulation,
        "cloned_from": order.cloned_from.number if order.cloned_from_id else None,
        "clone_purpose": order.clone_purpose,
        "created_at": _stamp(order.created_at),
        "updated_at": _stamp(order.updated_at),
        "warnings": [{"code": p.code, "field": p.field or None, "message": p.message} for p in warnings],
    }


def _summary(order: Order) -> dict:
    return {
        "number": order.number, "status": order.status, "source": order.source, "external_id": order.external_id,
        "customer_name": order.customer_name, "customer_email": order.customer_email, "currency": order.currency,
        "total": money_text(order.total), "is_simulation": order.is_simulation, "created_at": _stamp(order.created_at),
    }


# Endpoints ----------------------------------------------------------------------------------------------------


@router.post(
    "/orders",
    response={201: OrderOut, 409: DuplicateOut, **WRITE_ERRORS},
    summary="Create a sales order",
)
def order_create(request, payload: OrderIn, idempotency_key: IdempotencyKeyHeader = None):
    """Create a sales order through the intake flow (validate, de-duplicate, create, rules, allocate)."""
    account, body = request.auth, request.json_body

    def created(result):
        # The row intake just wrote carries its warehouse and shipping method: only its lines are read.
        warnings = [p for p in result.problems if p.severity == WARNING]
        return Status(201, order_body(result.order, warnings=warnings))

    if group_commit.enabled():
        grouped = group_commit.order_create_grouped(request, created)
        if grouped is not None:
            return grouped

    def run():
        result = intake_submit(account=account, payload=body, source=Source.API)
        if result.duplicate_of is not None:
            number = result.duplicate_of.number
            if not (payload.external_id or "").strip():  # recognised by its fingerprint (who, what and when)
                return error(
                    409, "duplicate_order", f"Order {number} was already created from an earlier copy of this "
                    "order (same customer, lines and date) that was refused and then replayed; nothing was created.",
                    order_number=number,
                )
            return error(
                409, "duplicate_external_id", f"Order {number} was already created from external id "
                f"“{payload.external_id}”; nothing was created.", field="external_id", order_number=number,
            )
        if not result.accepted:
            return problems_response(422, result.errors or result.problems)
        return created(result)

    return idempotent(request, run)


WHEN = "ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z; without an offset it is UTC, a date alone its midnight."


@router.get("/orders", response={200: OrderListOut, **READ_ERRORS}, summary="List sales orders")
def order_list(
    request,
    status: OrderStatus | None = None,
    created_after: Timestamp | None = Query(None, description=f"Orders created at or after this time. {WHEN}"),
    created_before: Timestamp | None = Query(None, description=f"Orders created before this time. {WHEN}"),
    external_id: Str100 | None = None,
    q: Str200 | None = Query(None, description="An order number, or part of the customer's name or email"),
    limit: int = Query(50, ge=1, le=100),
    cursor: Str200 | None = Query(None, description="The `next` of the previous page"),
):
    """The account's sales orders, newest first, without simulations (SIM-…; get one by its number).
    `created_after` is inclusive, `created_before` exclusive."""
    page = orders_page_for_api(
        account=request.auth, status=status, created_after=created_after, created_before=created_before,
        external_id=external_id, q=q, cursor=cursor, limit=limit,
    )
    return Status(200, {"items": [_summary(o) for o in page.items], "next": page.next})


@router.get("/orders/{number}", response={200: OrderOut, 404: ErrorOut, **READ_ERRORS}, summary="Get a sales order")
def order_get(request, number: Str30):
    return Status(200, order_body(order_get_for_api(account=request.auth, number=number)))


@router.post(
    "/orders/{number}/cancel",
    response={200: OrderOut, 404: ErrorOut, 409: ErrorOut, **WRITE_ERRORS},
    summary="Cancel a sales order",
)
def order_cancel(request, number: Str30, idempotency_key: IdempotencyKeyHeader = None):
    """Cancel the order and give back its stock; 409 `invalid_transition` when it can no longer be cancelled.
    An optional JSON body `{"reason": "..."}` goes into the order's history."""
    reason = "Cancelled through the API"
    if request.body:
        try:
            given = json.loads(request.body)
        except ValueError:
            given = None
        if not isinstance(given, dict) or not isinstance(given.get("reason", ""), str):
            return error(422, "invalid", 'The body, when given, is {"reason": "..."}.', field="reason")
        reason = given.get("reason", "").strip()[:REASON_MAX] or reason
    return _act(request, number, lambda order: actions.order_cancel(order=order, by=None, reason=reason))


# Actions on one order: each calls the same service as the order page. A refusal by the order's state is a
# 409 (`invalid_transition`, `insufficient_stock`, `unchanged`), bad input a 422.

ACTION_ERRORS = {200: OrderOut, 404: ErrorOut, 409: ErrorOut, **WRITE_ERRORS}


def _act(request, number: str, act):
    account = request.auth

    def run():
        order = order_get_for_api(account=account, number=number)
        try:
            act(order)
        except DomainError as refused:
            status = 422 if refused.code == "invalid" else 409
            return Status(status, error_body(refused.code, refused.message, field=refused.field))
        return Status(200, order_body(order_get_for_api(account=account, number=number)))

    return idempotent(request, run)


class ReasonIn(In):
    reason: Str200 = Field(..., description="Why; it goes into the order's history")


class ShippingAddressIn(AddressIn):
    """Only the fields given change."""


class ReallocateIn(In):
    warehouse: Str30 | None = Field(None, description="An active warehouse's code; omit for the order's own")


NoteText = text(2000)


class NoteIn(In):
    text: NoteText = Field(..., description="The note, shown in the order's history")


class TagsIn(In):
    add: list[Str40] = Field(default_factory=list, max_length=20)
    remove: list[Str40] = Field(default_factory=list, max_length=20)


class AssignIn(In):
    email: Str254 | None = Field(..., description="A member who can work orders on this account; null for nobody")


@router.post("/orders/{number}/hold", response=ACTION_ERRORS, summary="Put a sales order on hold")
def order_hold_api(request, number: Str30, body: ReasonIn, idempotency_key: IdempotencyKeyHeader = None):
    """An open or allocated order goes on hold, keeping what it has allocated."""
    return _act(request, number, lambda order: actions.order_hold(order=order, by=None, reason=body.reason))


@router.post("/orders/{number}/release", response=ACTION_ERRORS, summary="Release a sales order from hold")
def order_release_api(request, number: Str30, body: ReasonIn, idempotency_key: IdempotencyKeyHeader = None):
    """Back to allocated (or open, if it held no stock); 409 when the order is not on hold."""
    return _act(request, number, lambda order: actions.order_release(order=order, by=None, reason=body.reason))


@router.post("/orders/{number}/address", response=ACTION_ERRORS, summary="Change a sales order's shipping address")
def order_address_api(request, number: Str30, body: ShippingAddressIn, idempotency_key: IdempotencyKeyHeader = None):
    """Only the fields given change; 409 once the order has shipped (or is closed or cancelled)."""
    address = {name: value or "" for name, value in body.model_dump(exclude_unset=True).items()}
    return _act(request, number, lambda order: actions.order_edit_address(order=order, by=None, address=address))


@router.post("/orders/{number}/reallocate", response=ACTION_ERRORS, summary="Allocate a sales order's stock again")
def order_reallocate_api(request, number: Str30, body: ReallocateIn, idempotency_key: IdempotencyKeyHeader = None):
    """Try allocation again (after stock arrived), optionally in another active warehouse; 409
    `insufficient_stock` when the stock is not there (nothing changes)."""
    warehouse = None
    if body.warehouse:
        warehouse = warehouse_by_code(account=request.auth, code=body.warehouse)
        if warehouse is None or not warehouse.is_active:
            return error(422, "unknown_warehouse", f"No active warehouse “{body.warehouse}” in this account.",
                         field="warehouse")
    return _act(request, number, lambda order: actions.order_reallocate(order=order, by=None, warehouse=warehouse))


@router.post("/orders/{number}/notes", response=ACTION_ERRORS, summary="Add a note to a sales order's history")
def order_note_api(request, number: Str30, body: NoteIn, idempotency_key: IdempotencyKeyHeader = None):
    return _act(request, number, lambda order: actions.order_note_add(order=order, by=None, text=body.text))


@router.post("/orders/{number}/tags", response=ACTION_ERRORS, summary="Add or remove a sales order's tags")
def order_tags_api(request, number: Str30, body: TagsIn, idempotency_key: IdempotencyKeyHeader = None):
    return _act(request, number,
                lambda order: actions.order_tags_change(order=order, by=None, add=body.add, remove=body.remove))


@router.post("/orders/{number}/assign", response=ACTION_ERRORS, summary="Assign a sales order to a member")
def order_assign_api(request, number: Str30, body: AssignIn, idempotency_key: IdempotencyKeyHeader = None):
    """`email`: a member who can work orders on this account (422 for anyone else); null to unassign."""
    user_id = None
    if body.email:
        person = account_order_worker_by_email(account=request.auth, email=body.email)
        if person is None:
            return error(422, "invalid", "That person cannot work orders on this account.", field="email")
        user_id = person.pk
    return _act(request, number, lambda order: actions.order_assign(order=order, by=None, user_id=user_id))


# Clone --------------------------------------------------------------------------------------------------------


class CloneLineIn(In):
    sku: Str64
    quantity: int
    unit_price: Money | None = Field(None, description="With pricing=manual: the new unit price")
    reason: Str200 = Field("", description="With a manual price that differs from the source's: why")


class DestinationIn(In):
    shipping_address: AddressIn
    quantities: dict[Str64, int] = Field(..., description="SKU -> quantity for this destination")


class CloneIn(In):
    """The clone page's options. Omitted fields are copied from the source order."""

    purpose: Literal["standard", "correction", "split", "simulation"] = "standard"
    pricing: Literal["keep", "reprice", "manual"] = "keep"
    cancel_source: bool = Field(False, description="With purpose=correction: cancel the source in the same step")
    lines: list[CloneLineIn] | None = Field(None, description="Which lines and how many; omit for all of them")
    customer_name: Str200 | None = None
    customer_email: Str254 | None = None
    customer_phone: text(40) | None = None
    billing_address: AddressIn | None = None
    shipping_address: AddressIn | None = None
    discount_codes: list[Str40] | None = Field(None, max_length=20)
    shipping_method: Str30 | None = Field(None, description="Shipping method code")
    tax_jurisdiction: Str30 | None = Field(None, description="Tax jurisdiction code")
    warehouse: Str30 | None = Field(None, description="Warehouse code")
    notes: Notes | None = None
    destinations: list[DestinationIn] | None = Field(None, max_length=10, description="With purpose=split")
    split_shipping: Literal["divide", "first", "per_order"] = Field(
        "divide",
        description="With purpose=split: divide the source's shipping across the orders (remainder on the first), "
        "charge it on the first only, or charge each order its shipping method's price",
    )
    order_date: Str30 | None = Field(None, description="YYYY-MM-DD; default today in the account's timezone")


def _by_code(model, account, field: str, code: str):
    found = model.objects.filter(account=account, code__iexact=code.strip()).first()
    if found is None:
        raise ApiError(422, f"unknown_{field}", f"“{code}” is not a {field.replace('_', ' ')} code of this account.", field=field)
    return found


def _clone_arguments(account, data: CloneIn) -> dict:
    overrides: dict = {}
    for name in ("customer_name", "customer_phone", "notes"):
        value = getattr(data, name)
        if value is not None:
            overrides[name] = value.strip()
    if data.customer_email is not None:
        email = data.customer_email.strip()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                raise ApiError(422, "invalid_email", f"“{email}” is not an email address.", field="customer_email") from None
        overrides["customer_email"] = email
    if data.billing_address is not None:
        overrides["billing"] = data.billing_address.as_dict()
    if data.shipping_address is not None:
        overrides["shipping"] = data.shipping_address.as_dict()
    if data.discount_codes is not None:
        overrides["discount_codes"] = data.discount_codes
    if data.warehouse:
        overrides["warehouse"] = _by_code(Warehouse, account, "warehouse", data.warehouse)
    if data.shipping_method:
        overrides["shipping_method"] = _by_code(ShippingMethod, account, "shipping_method", data.shipping_method)
    if data.tax_jurisdiction:
        overrides["tax_jurisdiction"] = _by_code(TaxJurisdiction, account, "tax_jurisdiction", data.tax_jurisdiction)
    order_date = None
    if data.order_date:
        try:
            order_date = dt.date.fromisoformat(data.order_date)
        except ValueError:
            raise ApiError(422, "invalid_date", f"“{data.order_date}” is not a date (YYYY-MM-DD).", field="order_date") from None
    lines = None
    if data.lines is not None:
        lines = [CloneLine(sku=l.sku, quantity=l.quantity, unit_price=l.unit_price, reason=l.reason) for l in data.lines]
    destinations = None
    if data.destinations is not None:
        destinations = [
            Destination(shipping=d.shipping_address.as_dict(), quantities=dict(d.quantities)) for d in data.destinations
        ]
    return {
        "lines": lines, "overrides": overrides, "pricing": data.pricing, "purpose": data.purpose,
        "cancel_source": data.cancel_source, "destinations": destinations, "order_date": order_date,
        "split_shipping": data.split_shipping,
    }


def _clone_field(key: str) -> str | None:
    """The clone service's error keys in the API's names: 'billing.city' -> 'billing_address.city',
    'destinations.0.shipping.city' -> 'destinations[0].shipping_address.city'; '__all__' -> None."""
    if key == "__all__":
        return None
    parts = key.split(".")
    if parts[0] in ("billing", "shipping"):
        parts[0] += "_address"
    if parts[0] == "destinations" and len(parts) > 1 and parts[1].isdigit():
        rest = parts[2:]
        if rest and rest[0] == "shipping":
            rest[0] = "shipping_address"
        return f"destinations[{parts[1]}]" + "".join(f".{p}" for p in rest)
    return ".".join(parts)


@router.post(
    "/orders/{number}/clone",
    response={201: ClonedOut, 404: ErrorOut, **WRITE_ERRORS},
    summary="Clone a sales order",
)
def order_clone_api(request, number: Str30, options: CloneIn, idempotency_key: IdempotencyKeyHeader = None):
    """Clone the order with the clone page's options: some lines or quantities, other addresses, a purpose
    (re-order, correction, split shipment, simulation) and pricing (keep, reprice, manual with a reason).
    Everything is checked first; any problem is a 422 listing all of them, and nothing is created."""
    account = request.auth

    def run():
        source = order_get_for_clone(account=account, number=number)
        arguments = _clone_arguments(account, options)
        try:
            made = order_clone(source=source, by=None, door="api", **arguments)
        except CloneInvalid as invalid:
            items = [
                {"code": "invalid", "field": _clone_field(key), "message": message}
                for key, messages in invalid.errors.items() for message in messages
            ]
            raise ApiError(422, "clone_invalid", items[0]["message"], field=items[0]["field"], errors=items) from None
        orders = orders_by_id_for_api(account=account, ids=[o.pk for o in made])
        return Status(201, {"orders": [order_body(o) for o in orders]})

    return idempotent(request, run)

