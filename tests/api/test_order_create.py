"""POST /orders: through intake into one allocated order; rejected payloads kept with every reason; warnings
returned; an external id already seen is a 409 and nothing is created."""

from decimal import Decimal

from intake.models import IntakeFailure
from inventory.models import StockLevel
from orders.models import Order
from tests.api.conftest import counts, order_payload


def test_a_good_order_is_created_allocated_and_returned(world, store_api, mug):
    response = store_api.post("/orders", order_payload())

    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(account=world.store)
    assert body["number"] == order.number and body["status"] == "allocated" == order.status
    assert body["source"] == "api" and body["external_id"] == "WEB-1001"
    assert body["total"] == "19.00" and body["currency"] == "USD"
    assert body["warehouse"] == "MAIN"
    assert body["lines"] == [{
        "sku": "MUG-1", "name": "", "quantity": 2, "unit_price": "9.50", "line_discount": "0.00",
        "tax_amount": "0.00", "line_total": "19.00",
    }]
    assert body["shipping_address"]["city"] == "Boston" and body["billing_address"]["city"] == "Boston"
    assert body["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 555 0100"}
    assert StockLevel.objects.get(variant=mug).allocated == 2


def test_warnings_are_returned_with_the_accepted_order(world, store_api, mug):
    response = store_api.post("/orders", order_payload(carrier_code=None, service_code=None))

    assert response.status_code == 201, response.content
    codes = [w["code"] for w in response.json()["warnings"]]
    assert codes == ["missing_carrier_code", "missing_service_code"]
    assert len(Order.objects.get(account=world.store).flags) == 2


def test_a_rejected_order_is_422_with_every_problem_and_kept_as_a_failure(world, store_api, mug):
    payload = order_payload(lines=[{"sku": "NOPE", "quantity": 1}, {"sku": "MUG-1", "quantity": 0}], currency="E1R")
    response = store_api.post("/orders", payload)

    assert response.status_code == 422
    body = response.json()
    fields = {e["field"]: e["code"] for e in body["errors"]}
    assert fields == {"currency": "invalid_currency", "lines[0].sku": "unknown_sku", "lines[1].quantity": "invalid_quantity"}
    assert body["code"] == body["errors"][0]["code"] and body["message"] == body["errors"][0]["message"]
    assert not Order.objects.filter(account=world.store).exists()
    failure = IntakeFailure.objects.get(account=world.store)
    assert failure.source == "api" and failure.payload == payload
    assert {r["code"] for r in failure.reasons} == set(fields.values())


def test_an_external_id_already_seen_is_409_with_the_existing_order(world, store_api, mug):
    first = store_api.post("/orders", order_payload())
    again = store_api.post("/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 5}]))

    assert first.status_code == 201
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "duplicate_external_id" and body["field"] == "external_id"
    assert body["order_number"] == first.json()["number"]
    assert counts(world.store)["orders"] == 1
    assert StockLevel.objects.get(variant=mug).allocated == 2


def test_orders_without_external_id_are_each_created(world, store_api, mug):
    for _ in range(2):
        assert store_api.post("/orders", order_payload(external_id=None)).status_code == 201
    assert Order.objects.filter(account=world.store).count() == 2
    assert Order.objects.filter(account=world.store).first().total == Decimal("19.00")
