"""POST /orders/bulk: up to 100 sales orders in one request, each answered on its own.

Each order is checked against the order schema by itself (a wrong type in one refuses that one only, kept on the
Intake page as a refused single order is), then the readable ones go through intake together
(`intake_submit_many`: the plain orders in one batch with a fixed number of queries, the rest one by one).
`Idempotency-Key` covers the whole request: a retry with the same key and body gets the first answer.
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, SkipValidation, ValidationError

from api.errors import WRITE_ERRORS, ApiError
from api.idempotency import IdempotencyKeyHeader, idempotent
from api.orders import OrderIn, ProblemOut
from api.schema_errors import schema_problems
from api.types import In
from intake.models import Document, Source
from intake.services import failure_record_unparsed, intake_submit_many
from intake.validation import WARNING, Problem

router = Router(tags=["Sales orders"])

MAX_ORDERS = 100

EXAMPLE_ORDER = {
    "external_id": "web-1001",
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "shipping_address": {"name": "Ada Lovelace", "line1": "1 Main St", "city": "Springfield", "region": "IL",
                         "postal_code": "62701", "country": "US"},
    "lines": [{"sku": "MUG-1", "quantity": 2}],
}


class BulkIn(In):
    """Up to 100 orders in the OMS's own order JSON (as POST /orders takes one)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{"orders": [EXAMPLE_ORDER, {
        **EXAMPLE_ORDER, "external_id": "web-1002", "lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "TEE-M", "quantity": 3}],
    }]}]})

    # Each order is checked on its own below, so that one bad order is refused alone.
    orders: SkipValidation[list[OrderIn]] = Field(..., description=f"1 to {MAX_ORDERS} orders")


class BulkItemOut(Schema):
    index: int = Field(..., description="The order's position in `orders`, from 0")
    status: Literal["created", "duplicate", "rejected"]
    external_id: str | None = None
    order_number: str | None = Field(None, description="Created: the new order; duplicate: the existing one")
    code: str | None = Field(None, description="Duplicate or rejected: why, for machines")
    message: str | None = Field(None, description="Duplicate or rejected: why, in words")
    errors: list[ProblemOut] = Field([], description="Rejected: every reason")
    warnings: list[ProblemOut] = Field([], description="Created: problems the order was accepted with")


class BulkOut(Schema):
    created: int
    duplicates: int
    rejected: int
    results: list[BulkItemOut]

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "created": 1, "duplicates": 1, "rejected": 1, "results": [
            {"index": 0, "status": "created", "external_id": "web-1001", "order_number": "SO-0000042",
             "errors": [], "warnings": []},
            {"index": 1, "status": "duplicate", "external_id": "web-0999", "order_number": "SO-0000040",
             "code": "duplicate_external_id", "message": "Order SO-0000040 was already created from external id "
             "“web-0999”; nothing was created.", "errors": [], "warnings": []},
            {"index": 2, "status": "rejected", "external_id": "web-1003", "code": "unknown_sku",
             "message": "Line 1: SKU “NOPE” is not a product of this account.",
             "errors": [{"code": "unknown_sku", "field": "lines[0].sku",
                         "message": "Line 1: SKU “NOPE” is not a product of this account."}], "warnings": []},
        ],
    }]})


def _problem(p) -> dict:
    if isinstance(p, dict):
        return {"code": p["code"], "field": p.get("field") or None, "message": p["message"]}
    return {"code": p.code, "field": p.field or None, "message": p.message}


def _external_id(raw) -> str | None:
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return value.strip() or None if isinstance(value, str) else None


def _rejected(index: int, raw, problems: list) -> dict:
    items = [_problem(p) for p in problems] or [{"code": "invalid", "field": None, "message": "The order was refused."}]
    return {"index": index, "status": "rejected", "external_id": _external_id(raw), "code": items[0]["code"],
            "message": items[0]["message"], "errors": items, "warnings": []}


def _answer(index: int, raw, result) -> dict:
    external_id = _external_id(raw)
    if result.order is not None:
        return {"index": index, "status": "created", "external_id": external_id, "order_number": result.order.number,
                "errors": [], "warnings": [_problem(p) for p in result.problems if p.severity == WARNING]}
    if result.duplicate_of is not None:
        number = result.duplicate_of.number
        if external_id:
            code, message = "duplicate_external_id", (
                f"Order {number} was already created from external id “{external_id}”; nothing was created.")
        else:
            code, message = "duplicate_order", (
                f"Order {number} was already created from an earlier copy of this order (same customer, lines and "
                "date) that was refused and then replayed; nothing was created.")
        return {"index": index, "status": "duplicate", "external_id": external_id, "order_number": number,
                "code": code, "message": message, "errors": [], "warnings": []}
    return _rejected(index, raw, result.errors or result.problems)


@router.post(
    "/orders/bulk",
    response={200: BulkOut, **WRITE_ERRORS},
    summary="Create up to 100 sales orders",
)
def order_bulk_create(request, payload: BulkIn, idempotency_key: IdempotencyKeyHeader = None):
    """Create up to 100 sales orders in one request, each through the intake flow as POST /orders would, each
    answered on its own in `results` (in the order sent): `created` with its number, `duplicate` naming the
    order its external id (or, without one, its refused and replayed earlier copy) already became, or `rejected`
    with every reason (kept on the Intake page). The answer is 200 whatever each order's outcome; a body that is
    not an object with 1 to 100 orders is a 422 and nothing is created. `Idempotency-Key` covers the whole request."""
    account = request.auth
    orders = request.json_body.get("orders")
    if not isinstance(orders, list) or not 1 <= len(orders) <= MAX_ORDERS:
        raise ApiError(422, "invalid", f"Orders: Send a list of 1 to {MAX_ORDERS} orders.", field="orders")

    def run():
        answers: list[dict | None] = [None] * len(orders)
        readable: dict[int, object] = {}
        for index, raw in enumerate(orders):
            try:
                OrderIn.model_validate(raw)
            except ValidationError as refused:
                problems = schema_problems(refused.errors())
                if isinstance(raw, dict):
                    failure_record_unparsed(
                        account=account, source=Source.API, document=Document.SALES_ORDER, payload=raw,
                        problems=[Problem(p["code"], p["field"] or "", p["message"]) for p in problems],
                    )
                answers[index] = _rejected(index, raw, problems)
            else:
                readable[index] = raw
        if readable:
            with transaction.atomic():
                results = intake_submit_many(account=account, payloads=list(readable.values()), source=Source.API)
            for (index, raw), result in zip(readable.items(), results):
                answers[index] = _answer(index, raw, result)
        counts = {s: sum(1 for a in answers if a["status"] == s) for s in ("created", "duplicate", "rejected")}
        return Status(200, {"created": counts["created"], "duplicates": counts["duplicate"],
                            "rejected": counts["rejected"], "results": answers})

    return idempotent(request, run)
