"""The API's one error shape, and the helpers every endpoint (orders, inventory, documents) uses to return it.

    {"code": "unknown_sku", "message": "Line 1: SKU “X” is not a product of ...", "field": "lines[0].sku",
     "errors": [{"code", "message", "field"}, ...]}

`code` is for machines, `message` for people, `field` names the input at fault (null when none does) and
`errors` lists every problem (the first one is repeated at the top). Import from here (or `api.core`, which
re-exports these): `error(status, code, message, field=None)` and `problems_response(status, problems)` return
a ninja `Status` an endpoint can return; `ApiError` can be raised from a helper and becomes the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ninja import Schema
from ninja.responses import Status


class ErrorItem(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[ErrorItem] = []


class DuplicateOut(ErrorOut):
    """409 for a payload whose external id was already taken: the order it became."""

    order_number: str


class ApiError(Exception):
    """Raise anywhere below an endpoint to answer with this error (and, inside `idempotent`, store it)."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None, errors=None, **extra):
        super().__init__(message)
        self.status = status
        self.body = error_body(code, message, field=field, errors=errors, **extra)

    def as_status(self) -> Status:
        return Status(self.status, self.body)


def error_body(code: str, message: str, *, field: str | None = None, errors=None, **extra: Any) -> dict:
    items = [_item(e) for e in errors] if errors else [{"code": code, "message": message, "field": field or None}]
    return {"code": code, "message": message, "field": field or None, "errors": items, **extra}


def _item(entry) -> dict:
    if isinstance(entry, dict):
        return {"code": entry.get("code", "invalid"), "message": entry.get("message", ""), "field": entry.get("field") or None}
    return {"code": entry.code, "message": entry.message, "field": getattr(entry, "field", None) or None}


def error(status: int, code: str, message: str, field: str | None = None, errors=None, **extra: Any) -> Status:
    """`return error(404, "not_found", "No such order.")` from an endpoint."""
    return Status(status, error_body(code, message, field=field, errors=errors, **extra))


def problems_body(problems: Iterable) -> dict:
    """Intake `Problem`s (or dicts with code/field/message) as one error body; the first one heads it."""
    items = [_item(p) for p in problems]
    if not items:
        items = [{"code": "invalid", "message": "The request was refused.", "field": None}]
    first = items[0]
    return {"code": first["code"], "message": first["message"], "field": first["field"], "errors": items}


def problems_response(status: int, problems: Iterable) -> Status:
    """`return problems_response(422, result.errors)` after an intake service refused a payload."""
    return Status(status, problems_body(problems))


# Responses every authenticated operation may give besides its own; spread into `response={...}` so the
# OpenAPI document lists every code the endpoint can return.
READ_ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 414: ErrorOut, 422: ErrorOut, 429: ErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut}
