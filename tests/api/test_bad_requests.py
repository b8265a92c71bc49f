"""Malformed JSON, wrong types, text the database cannot hold and oversized bodies are 4xx JSON errors and
write nothing (but the refused order, kept for the Intake page); unknown paths and wrong methods answer JSON too."""

import json

import pytest
from django.test import override_settings

from tests.api.conftest import counts, order_payload

NOTHING = {"orders": 0, "failures": 0, "idempotency_keys": 0}


def _nothing_written(account):
    found = counts(account)
    return {k: found[k] for k in NOTHING} == NOTHING


@pytest.mark.parametrize("raw", ['{"lines": [', "not json", '{"a": NaN}', '{"a": 1e400}', b"\xff\xfe{"])
def test_malformed_json_is_400(world, store_api, mug, raw):
    response = store_api.post("/orders", raw=raw, **{"Idempotency-Key": "k1"})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid_json"
    assert _nothing_written(world.store)


@pytest.mark.parametrize("change, field", [
    ({"lines": "MUG-1"}, "lines"),
    ({"lines": [{"sku": "MUG-1", "quantity": "two"}]}, "lines[0].quantity"),
    ({"lines": [{"sku": "MUG-1", "quantity": 1.5}]}, "lines[0].quantity"),
    ({"lines": [{"quantity": 1}]}, "lines[0].sku"),
    ({"customer": "Ada"}, "customer"),
    ({"shipping_address": {"postal_code": "1" * 21, "country": "US"}}, "shipping_address.postal_code"),
    ({"carrier_code": 7}, "carrier_code"),
])
def test_wrong_types_are_422_naming_the_field_and_only_the_refused_order_is_kept(world, store_api, mug, change, field):
    response = store_api.post("/orders", order_payload(**change), **{"Idempotency-Key": "k2"})
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert {k: v for k, v in counts(world.store).items() if k in NOTHING} == {**NOTHING, "failures": 1}


def test_a_body_that_is_not_an_object_is_422(world, store_api, mug):
    for raw in ("[]", '"order"', "1"):
        assert store_api.post("/orders", raw=raw).status_code == 422
    assert store_api.post("/orders", raw="").status_code == 422
    assert _nothing_written(world.store)


def test_text_postgres_cannot_store_is_422(world, store_api, mug):
    payload = order_payload(notes="a\x00b")
    response = store_api.post("/orders", raw=json.dumps(payload))
    assert response.status_code == 422 and response.json()["field"] == "notes"
    response = store_api.post("/orders", raw=json.dumps(order_payload(extra={"\ud800": 1})))
    assert response.status_code == 422
    assert store_api.get("/orders", {"q": "a\x00"}).status_code == 422
    assert _nothing_written(world.store)


@override_settings(API_MAX_BODY_BYTES=2_000)
def test_an_oversized_body_is_413(world, store_api, mug):
    big = order_payload(notes="x" * 3_000)
    response = store_api.post("/orders", big, **{"Idempotency-Key": "k3"})
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert store_api.post("/inventory/adjustments", {"sku": "MUG-1", "delta": 1, "reason": "x" * 3000}).status_code == 413
    assert _nothing_written(world.store)
    assert counts(world.store)["movements"] == 1  # the opening balance only


def test_the_actual_body_is_measured_not_only_its_declared_length(world, store_api, mug):
    from django.test import RequestFactory

    from api.core import _body_limit

    request = RequestFactory().post("/api/v1/orders", data="x" * 50, content_type="application/json")
    request.META["CONTENT_LENGTH"] = "10"  # understated
    request._body = b"x" * 50
    with override_settings(API_MAX_BODY_BYTES=20):
        response = _body_limit(lambda *a, **k: pytest.fail("reached the endpoint"))(request)
    assert response.status_code == 413


def test_unknown_paths_and_wrong_methods_answer_json(store_api):
    for path in ("/nothing-here", "/orders/SO-1/explode", "/"):
        response = store_api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    response = store_api.call("DELETE", "/orders")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed" and "POST" in response["Allow"]


def test_an_unexpected_error_is_a_json_500_not_a_page(world, store_api, mug, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("api.group_commit.intake_submit_batch", broken)  # the batch falls back to one alone,
    monkeypatch.setattr("api.orders.intake_submit", broken)  # which fails too
    response = store_api.post("/orders", order_payload())
    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and "boom" not in response.content.decode()


def test_paths_outside_the_api_version_and_unknown_organizations_answer_json_404(world):
    from django.test import Client

    for host, path in ((f"{world.org.schema_name}.localhost", "/api/v2/orders"),
                       (f"{world.org.schema_name}.localhost", "/api/"),
                       ("no-such-org.localhost", "/api/v1/orders")):
        response = Client(HTTP_HOST=host).get(path)
        assert response.status_code == 404, (host, path)
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("change", [
    {"lines": [{"sku": "MUG-1", "quantity": 100_000, "unit_price": "999999.99"}] * 12},
    {"lines": [{"sku": "MUG-1", "quantity": 100_000}]},
    {"customer": {"name": "A" * 200, "email": ("a" * 64) + "@" + ".".join(["b" * 60] * 3) + ".com", "phone": "9" * 40}},
    {"order_date": "9999-12-31", "currency": "ZZZ", "discount_codes": ["X" * 40]},
])
def test_values_at_the_edges_of_the_schema_are_answered_not_500(world, store_api, mug, change):
    response = store_api.post("/orders", order_payload(**change))
    assert response.status_code in (201, 409, 422), response.content
    assert "code" in response.json() or "number" in response.json()
