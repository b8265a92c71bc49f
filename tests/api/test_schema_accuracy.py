"""The OpenAPI document says what the server answers: money as decimal strings with their pattern, the
created_* filters as date-times that refuse anything else, and a JSON 414 for an over-long URL."""

import re

import pytest
from django.test import override_settings

from api.types import MONEY_PATTERN
from orders.models import ShippingMethod
from tests.api.conftest import ApiClient, order_payload

MONEY_FIELDS = {
    "OrderOut": {"subtotal", "discount_total", "shipping_total", "tax_total", "total"},
    "OrderLineOut": {"unit_price", "line_discount", "tax_amount", "line_total"},
    "OrderSummaryOut": {"total"},
    "PurchaseOrderOut": {"total"},
    "PurchaseOrderLineOut": {"unit_cost"},
}


@pytest.fixture
def schema(world):
    return ApiClient(world.org).get("/openapi.json").json()


def test_money_in_answers_is_documented_as_a_decimal_string_with_its_pattern(schema):
    components = schema["components"]["schemas"]
    for name, fields in MONEY_FIELDS.items():
        for field in fields:
            documented = components[name]["properties"][field]
            assert documented["type"] == "string", (name, field, documented)
            assert documented["pattern"] == MONEY_PATTERN, (name, field, documented)


def _money_values(body: dict, fields: set[str]) -> list:
    return [body[field] for field in fields]


def test_order_answers_give_money_as_strings_matching_the_documented_pattern(world, store_api, mug, schema):
    pattern = re.compile(schema["components"]["schemas"]["OrderOut"]["properties"]["total"]["pattern"])
    created = store_api.post("/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 3, "unit_price": 9.5}]))
    assert created.status_code == 201, created.content
    number = created.json()["number"]

    answers = [created.json(), store_api.get(f"/orders/{number}").json()]
    values = [value for body in answers for value in _money_values(body, MONEY_FIELDS["OrderOut"])]
    values += [value for body in answers for line in body["lines"]
               for value in _money_values(line, MONEY_FIELDS["OrderLineOut"])]
    values += [item["total"] for item in store_api.get("/orders").json()["items"]]

    assert answers[1]["lines"][0]["unit_price"] == "9.50" and answers[1]["total"] == "28.50"
    assert all(isinstance(value, str) and pattern.match(value) for value in values), values


def test_purchase_order_answers_give_money_as_strings(world, store_api, mug):
    ShippingMethod.objects.create(account=world.store, code="GROUND", name="Ground", price="5.00",
                                  carrier_code="UPS", service_code="GROUND")
    created = store_api.post("/purchase-orders", {
        "supplier": "Acme Supplies", "warehouse": "MAIN", "carrier_code": "UPS", "service_code": "GROUND",
        "lines": [{"sku": "MUG-1", "quantity": 4, "unit_cost": 2.5}],
    })
    assert created.status_code == 201, created.content
    for body in (created.json(), store_api.get(f"/purchase-orders/{created.json()['number']}").json()):
        assert (body["total"], body["lines"][0]["unit_cost"]) == ("10.00", "2.50")


def test_created_filters_are_documented_as_date_times(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/orders"]["get"]["parameters"]}
    for name in ("created_after", "created_before"):
        kinds = parameters[name]["schema"]["anyOf"]
        assert {"type": "string", "format": "date-time"} in kinds, kinds
        assert "ISO 8601" in parameters[name]["description"]


@pytest.mark.parametrize("value", ["12345", "-1", "yesterday", "2026-13-01T00:00:00Z", "2026-11-23T25:00", "1e3", ""])
def test_created_filters_refuse_what_is_not_a_date_time(store_api, value):
    for name in ("created_after", "created_before"):
        response = store_api.get("/orders", {name: value})
        assert response.status_code == 422, (name, value, response.content)
        body = response.json()
        assert body["field"] == name and name in body["message"], body


def test_created_filters_take_iso_date_times_and_dates(world, store_api, mug):
    from tests import factories

    factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse)
    for after, found in (("2000-01-01T00:00:00Z", 1), ("2000-01-01", 1), ("9998-01-01T00:00:00+02:00", 0)):
        response = store_api.get("/orders", {"created_after": after})
        assert response.status_code == 200, response.content
        assert len(response.json()["items"]) == found, after


def test_414_is_documented_on_every_operation(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "414" in operation["responses"], (method, path)


@override_settings(API_MAX_URL_BYTES=300)
def test_an_over_long_url_is_a_json_414_before_authentication(world, store_api):
    fits = store_api.get("/orders", {"q": "x" * 200})
    assert fits.status_code == 200, fits.content

    for client, path in ((store_api, "/orders"), (ApiClient(world.org), "/orders"), (store_api, "/no-such-thing")):
        response = client.get(path, {"q": "x" * 400})
        assert response.status_code == 414, (path, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "uri_too_long" and "300 bytes" in response.json()["message"]


def test_the_default_url_limit_fits_inside_gunicorns_request_line(settings):
    # gunicorn reads request lines of at most 8,190 bytes ("DELETE " + URL + " HTTP/1.1"): every URL the API
    # refuses with its own 414 must reach it.
    assert len("DELETE ") + settings.API_MAX_URL_BYTES + 1 + len(" HTTP/1.1") <= 8190
