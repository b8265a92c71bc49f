"""Every text field of every write the API takes has a length limit, and a value over it is a 422 naming the
field in words (never a database error, never a 500); the intake writes keep the refused body as a failure."""

import json

import pytest

from api.core import api
from intake.models import IntakeFailure

KEPT = {"/orders", "/orders/bulk", "/purchase-orders", "/shipments", "/receipts"}
BULK = {"/orders/bulk"}


def _writes() -> dict[str, dict]:
    doc = api.get_openapi_schema()
    return {
        path.removeprefix("/api/v1"): op["requestBody"]["content"]["application/json"]["schema"]
        for path, ops in doc["paths"].items() for method, op in ops.items() if "requestBody" in op
    }, doc["components"]["schemas"]


def _text_leaves(schema, components, where=()) -> list[tuple[tuple, int | None]]:
    """(path in the body, maxLength) of every text a body may hold (not dates or amounts, which are parsed);
    list items and map values by their first."""
    if "$ref" in schema:
        return _text_leaves(components[schema["$ref"].rsplit("/", 1)[1]], components, where)
    found = []
    options = schema.get("anyOf", [])
    amount = any(o.get("type") in ("number", "integer") for o in options)  # an amount, as a number or its text
    for option in options:
        if not (amount and option.get("type") == "string"):
            found += _text_leaves(option, components, where)
    kind = schema.get("type")
    parsed = {"enum", "const", "format", "pattern"} & set(schema)  # dates, amounts: parsed, not kept as text
    if kind == "string" and not parsed:
        found.append((where, schema.get("maxLength")))
    elif kind == "object":
        for name, sub in schema.get("properties", {}).items():
            found += _text_leaves(sub, components, (*where, name))
        if isinstance(schema.get("additionalProperties"), dict):
            found += _text_leaves(schema["additionalProperties"], components, (*where, "SKU-1"))
            keys = schema.get("propertyNames", {})
            found.append(((*where, "<key>"), keys.get("maxLength")))
    elif kind == "array":
        found += _text_leaves(schema.get("items", {}), components, (*where, 0))
    return found


def _body(where: tuple, value: str):
    """A body with `value` at `where` (a "<key>" step puts it as a map's key)."""
    if not where:
        return value
    step, rest = where[0], where[1:]
    if step == 0:
        return [_body(rest, value)]
    if step == "<key>":
        return {value: 1}
    return {step: _body(rest, value)}


def _field(where: tuple) -> str:
    out = ""
    for step in where:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _cases():
    writes, components = _writes()
    return [
        pytest.param(path, where, limit, id=f"{path}:{_field(where)}")
        for path, schema in writes.items() for where, limit in _text_leaves(schema, components)
    ]


@pytest.mark.parametrize("path, where, limit", _cases())
def test_an_over_long_text_is_a_422_naming_the_field(world, store_api, mug, path, where, limit):
    assert limit is not None, f"{path} takes {_field(where)} of any length"
    path = path.replace("{number}", "SO-1")
    body = _body(where, "x" * (limit + 1))

    response = store_api.post(path, body)

    if path in BULK:  # answered order by order: the order is rejected, with its reasons, and kept
        assert response.status_code == 200, response.content
        (result,) = response.json()["results"]
        assert result["status"] == "rejected"
        errors = result["errors"]
        where = where[2:]  # the field inside the order, as the order's reasons name it
    else:
        assert response.status_code == 422, response.content
        errors = response.json()["errors"]
    if where[-1] != "<key>":
        problem = next(e for e in errors if e["field"] == _field(where))
        assert "should" not in problem["message"], problem  # in words, not the library's
        assert "Use" in problem["message"], problem
    kept = IntakeFailure.objects.filter(account=world.store).count()
    assert kept == (1 if path in KEPT else 0)


def _order_cases():
    writes, components = _writes()
    return [
        pytest.param(where, limit, id=_field(where))
        for where, limit in _text_leaves(writes["/orders"], components) if "<key>" not in where
    ]


def _set(body, where: tuple, value: str):
    """`body` with `value` at `where`, the steps on the way made when missing."""
    target = body
    for step, following in zip(where, where[1:]):
        if isinstance(target, list):
            target = target[step]
        else:
            target = target.setdefault(step, [{}] if isinstance(following, int) else {})
            if isinstance(following, int) and not target:
                target.append({})
    target[where[-1]] = value
    return body


# The API's limits on these are its own; their columns hold longer text, and intake (the judge on replay) takes it.
INTAKE_TAKES = {"notes", "discount_codes[0]"}


@pytest.mark.parametrize("where, limit", _order_cases())
def test_an_order_kept_with_an_over_long_text_replays_without_an_error(world, store_api, mug, where, limit):
    from intake.services import intake_replay
    from orders.models import Order
    from tests.api.conftest import order_payload

    body = _set(order_payload(discount_codes=["SAVE"]), where, "x" * (limit + 1))
    assert store_api.post("/orders", body).status_code == 422
    failure = IntakeFailure.objects.get(account=world.store)

    result = intake_replay(failure=failure)  # the kept body as sent, through intake's own checks

    if _field(where) in INTAKE_TAKES:
        order = Order.objects.get(account=world.store)
        assert "x" * (limit + 1) in (order.notes, *(c.lower() for c in order.discount_codes))
    elif _field(where).endswith(".title"):  # a charged discount's or tax's title: intake keeps its first 200
        order = Order.objects.get(account=world.store)
        kept = json.dumps([order.charged, *(line.charged for line in order.lines.all())])
        assert "x" * limit in kept and "x" * (limit + 1) not in kept
    else:  # refused again, in words, and still kept
        assert result.order is None and not Order.objects.filter(account=world.store).exists()
        assert result.failure.reasons and all(r["message"] for r in result.failure.reasons)
