"""Purchase orders, shipments and receipts over the API: create (through intake/services/documents.py) and get.

Writes answer 201 with the document, 409 `duplicate` with the existing document's number or id when the
external id was already taken (nothing created), or 422 with every problem (the payload is kept as an intake
failure, whose id is `failure_id`). Reads answer 404 for a number or id that is missing or another account's.
All take `Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, DuplicateOut, ErrorOut, error, problems_body
from api.idempotency import IdempotencyKeyHeader, idempotent
from api.types import MoneyText, Notes, Str30, Str64, Str100, Str200, money_text
from intake.services import DocumentResult, purchase_order_submit, receipt_submit, shipment_submit
from intake.models import Source
from intake.validation import MAX_LINES
from orders.models import (
    MAX_LINE_QUANTITY, Order, OrderEvent, OrderLine, Receipt, ReceiptLine, Shipment, ShipmentLine,
)

router = Router(tags=["Documents"])

Quantity = Field(..., ge=1, le=MAX_LINE_QUANTITY)


# Request bodies ---------------------------------------------------------------------------------------------


class PurchaseOrderLineIn(Schema):
    sku: Str64
    quantity: int = Quantity
    unit_cost: Decimal | None = Field(None, ge=0, lt=1_000_000, description="Cost per unit; 0 when omitted")


class PurchaseOrderIn(Schema):
    external_id: Str100 | None = Field(None, description="Your id; a second purchase order with it is a 409")
    supplier: Str200
    warehouse: Str30 = Field(..., description="Code of the warehouse the goods will arrive at")
    expected_date: dt.date | None = None
    lines: list[PurchaseOrderLineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    carrier_code: Str30 | None = None
    service_code: Str30 | None = None
    notes: Notes | None = None


class DocumentLineIn(Schema):
    sku: Str64
    quantity: int = Quantity


class ShipmentIn(Schema):
    order: Str30 = Field(..., description="Number of the sales order shipped, e.g. SO-0000042")
    external_id: Str100 | None = Field(None, description="Your id; a second shipment with it is a 409")
    carrier_code: Str30 | None = None
    service_code: Str30 | None = None
    tracking_number: Str100 | None = None
    lines: list[DocumentLineIn] | None = Field(
        None, min_length=1, max_length=MAX_LINES, description="Omitted: everything on the order not yet shipped",
    )


class ReceiptIn(Schema):
    purchase_order: Str30 = Field(..., description="Number of the purchase order received, e.g. PO-0000007")
    warehouse: Str30 | None = Field(None, description="Warehouse code; the purchase order's warehouse when omitted")
    external_id: Str100 | None = Field(None, description="Your id; a second receipt with it is a 409")
    carrier_code: Str30 | None = None
    service_code: Str30 | None = None
    lines: list[DocumentLineIn] = Field(..., min_length=1, max_length=MAX_LINES)


# Responses --------------------------------------------------------------------------------------------------


class PurchaseOrderLineOut(Schema):
    sku: str
    name: str
    quantity: int
    received: int
    unit_cost: MoneyText


class PurchaseOrderOut(Schema):
    number: str
    status: str
    external_id: str
    supplier: str
    warehouse: str | None
    expected_date: dt.date | None
    carrier_code: str
    service_code: str
    notes: str
    currency: str
    total: MoneyText
    flags: list[str]
    lines: list[PurchaseOrderLineOut]
    receipts: list[int]
    created_at: dt.datetime


class DocumentLineOut(Schema):
    sku: str
    quantity: int


class ShipmentOut(Schema):
    id: int
    order: str
    order_status: str
    external_id: str
    warehouse: str | None
    carrier_code: str
    service_code: str
    tracking_number: str
    flags: list[str]
    shipped_at: dt.datetime
    lines: list[DocumentLineOut]


class ReceiptOut(Schema):
    id: int
    purchase_order: str
    purchase_order_status: str
    external_id: str
    warehouse: str
    carrier_code: str
    service_code: str
    flags: list[str]
    received_at: dt.datetime
    lines: list[DocumentLineOut]


class RejectedOut(ErrorOut):
    """422 from intake: every problem, and the stored failure an operator can fix and replay."""

    failure_id: int | None = None


class DuplicateShipmentOut(ErrorOut):
    shipment_id: int


class DuplicateReceiptOut(ErrorOut):
    receipt_id: int


WRITE_RESPONSES = {**WRITE_ERRORS, 422: RejectedOut}


# Reads (every number or id goes through the account) ----------------------------------------------------------


def purchase_order_get_for_api(*, account, number: str) -> Order:
    """The account's purchase order with lines (and what each has received), receipts and creation event:
    4 queries; 404 for missing and not yours alike."""
    lines = OrderLine.objects.annotate(received=Coalesce(Sum("receipt_lines__quantity"), 0)).order_by("position")
    po = (
        Order.objects.filter(account=account, kind=Order.Kind.PURCHASE, number=number.strip().upper())
        .select_related("warehouse")
        .prefetch_related(
            Prefetch("lines", queryset=lines),
            Prefetch("receipts", queryset=Receipt.objects.only("id", "purchase_order_id").order_by("id")),
            Prefetch("events", queryset=OrderEvent.objects.filter(kind="created"), to_attr="created_events"),
        )
        .first()
    )
    if po is None:
        raise ApiError(404, "not_found", f"No purchase order {number} in this account.", field="number")
    return po


def shipment_get_for_api(*, account, shipment_id: int) -> Shipment:
    shipment = (
        Shipment.objects.filter(account=account, pk=shipment_id)
        .select_related("order__warehouse")
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id")))
        .first()
    )
    if shipment is None:
        raise ApiError(404, "not_found", f"No shipment {shipment_id} in this account.", field="id")
    return shipment


def receipt_get_for_api(*, account, receipt_id: int) -> Receipt:
    receipt = (
        Receipt.objects.filter(account=account, pk=receipt_id)
        .select_related("purchase_order", "warehouse")
        .prefetch_related(Prefetch("lines", queryset=ReceiptLine.objects.select_related("order_line").order_by("id")))
        .first()
    )
    if receipt is None:
        raise ApiError(404, "not_found", f"No receipt {receipt_id} in this account.", field="id")
    return receipt


# Bodies -----------------------------------------------------------------------------------------------------


def purchase_order_body(po: Order) -> dict:
    created = po.created_events[0].data if po.created_events else {}
    expected = created.get("expected_date")
    return {
        "number": po.number,
        "status": po.status,
        "external_id": po.external_id,
        "supplier": po.customer_name,
        "warehouse": po.warehouse.code if po.warehouse else None,
        "expected_date": dt.date.fromisoformat(expected) if expected else None,
        "carrier_code": po.carrier_code,
        "service_code": po.service_code,
        "notes": po.notes,
        "currency": po.currency,
        "total": money_text(po.total),
        "flags": po.flags,
        "lines": [
            {
                "sku": line.sku, "name": line.name, "quantity": line.quantity, "received": line.received,
                "unit_cost": money_text(line.unit_price),
            }
            for line in po.lines.all()
        ],
        "receipts": [receipt.pk for receipt in po.receipts.all()],
        "created_at": po.created_at,
    }


def _lines(document) -> list[dict]:
    return [{"sku": line.order_line.sku, "quantity": line.quantity} for line in document.lines.all()]


def shipment_body(shipment: Shipment) -> dict:
    order = shipment.order
    return {
        "id": shipment.pk,
        "order": order.number,
        "order_status": order.status,
        "external_id": shipment.external_id,
        "warehouse": order.warehouse.code if order.warehouse else None,
        "carrier_code": shipment.carrier_code,
        "service_code": shipment.service_code,
        "tracking_number": shipment.tracking_number,
        "flags": shipment.flags,
        "shipped_at": shipment.shipped_at,
        "lines": _lines(shipment),
    }


def receipt_body(receipt: Receipt) -> dict:
    return {
        "id": receipt.pk,
        "purchase_order": receipt.purchase_order.number,
        "purchase_order_status": receipt.purchase_order.status,
        "external_id": receipt.external_id,
        "warehouse": receipt.warehouse.code,
        "carrier_code": receipt.carrier_code,
        "service_code": receipt.service_code,
        "flags": receipt.flags,
        "received_at": receipt.received_at,
        "lines": _lines(receipt),
    }


# Writes -----------------------------------------------------------------------------------------------------


def _payload(request, body: Schema) -> dict:
    """The body as the client sent it (kept as is when refused), else the parsed schema."""
    sent = getattr(request, "json_body", None)
    return sent if isinstance(sent, dict) else body.model_dump(mode="json", exclude_none=True)


def _duplicate(label: str, external_id, **existing) -> Status:
    """409 for an external id already taken: `existing` names the document that has it (order_number=...)."""
    (_, ref), = existing.items()
    return error(
        409, "duplicate_external_id", f"{label} {ref} already has external id {external_id}; nothing was created.",
        field="external_id", **existing,
    )


def _refused(result: DocumentResult) -> Status:
    body = problems_body(result.errors)
    body["failure_id"] = result.failure.pk if result.failure else None
    return Status(422, body)


def _create(request, payload: Schema, *, submit, label: str, ref, body) -> Status:
    """A document write: `submit` it through intake (idempotently); 409 naming `ref(duplicate)` for an external
    id already taken, 422 with every problem, else 201 with `body(created)`."""
    account = request.auth

    def run():
        result = submit(account=account, payload=_payload(request, payload), source=Source.API)
        if result.duplicate_of is not None:
            return _duplicate(label, payload.external_id, **ref(result.duplicate_of))
        if not result.accepted:
            return _refused(result)
        return Status(201, body(account, result.obj))

    return idempotent(request, run)


@router.post(
    "/purchase-orders", response={201: PurchaseOrderOut, 409: DuplicateOut, **WRITE_RESPONSES},
    summary="Create a purchase order", operation_id="purchase_order_create",
)
def purchase_order_create(request, payload: PurchaseOrderIn, idempotency_key: IdempotencyKeyHeader = None):
    return _create(
        request, payload, submit=purchase_order_submit, label="Purchase order",
        ref=lambda po: {"order_number": po.number},
        body=lambda account, po: purchase_order_body(purchase_order_get_for_api(account=account, number=po.number)),
    )


@router.get(
    "/purchase-orders/{number}", response={200: PurchaseOrderOut, 404: ErrorOut, **READ_ERRORS},
    summary="Get a purchase order", operation_id="purchase_order_get",
)
def purchase_order_get(request, number: Str30):
    return purchase_order_body(purchase_order_get_for_api(account=request.auth, number=number))


@router.post(
    "/shipments", response={201: ShipmentOut, 409: DuplicateShipmentOut, **WRITE_RESPONSES},
    summary="Record a shipment of a sales order", operation_id="shipment_create",
)
def shipment_create(request, payload: ShipmentIn, idempotency_key: IdempotencyKeyHeader = None):
    return _create(
        request, payload, submit=shipment_submit, label="Shipment", ref=lambda shipment: {"shipment_id": shipment.pk},
        body=lambda account, shipment: shipment_body(shipment_get_for_api(account=account, shipment_id=shipment.pk)),
    )


@router.get(
    "/shipments/{shipment_id}", response={200: ShipmentOut, 404: ErrorOut, **READ_ERRORS},
    summary="Get a shipment", operation_id="shipment_get",
)
def shipment_get(request, shipment_id: int = Path(..., ge=1, lt=2**63)):
    return shipment_body(shipment_get_for_api(account=request.auth, shipment_id=shipment_id))


@router.post(
    "/receipts", response={201: ReceiptOut, 409: DuplicateReceiptOut, **WRITE_RESPONSES},
    summary="Record goods received against a purchase order", operation_id="receipt_create",
)
def receipt_create(request, payload: ReceiptIn, idempotency_key: IdempotencyKeyHeader = None):
    return _create(
        request, payload, submit=receipt_submit, label="Receipt", ref=lambda receipt: {"receipt_id": receipt.pk},
        body=lambda account, receipt: receipt_body(receipt_get_for_api(account=account, receipt_id=receipt.pk)),
    )


@router.get(
    "/receipts/{receipt_id}", response={200: ReceiptOut, 404: ErrorOut, **READ_ERRORS},
    summary="Get a receipt", operation_id="receipt_get",
)
def receipt_get(request, receipt_id: int = Path(..., ge=1, lt=2**63)):
    return receipt_body(receipt_get_for_api(account=request.auth, receipt_id=receipt_id))
