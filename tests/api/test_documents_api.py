"""Purchase orders, shipments and receipts over the public API, end to end with the account's API key."""

import json

import pytest
from django.test import Client

from accounts.services import account_rotate_api_key
from intake.models import Document, IntakeFailure
from inventory.models import StockLevel
from orders.models import Order, Receipt, Shipment, ShippingMethod
from orders.services.create import order_transition
from tests import factories

CODES = {"carrier_code": "UPS", "service_code": "GROUND"}


class Api:
    def __init__(self, world, account):
        self.client = Client(HTTP_HOST=f"{world.org.schema_name}.localhost")
        self.key = account_rotate_api_key(account=account, by=None)

    def post(self, path, body, **headers):
        return self.client.post(
            f"/api/v1{path}", data=json.dumps(body), content_type="application/json", HTTP_X_API_KEY=self.key, **headers
        )

    def get(self, path):
        return self.client.get(f"/api/v1{path}", HTTP_X_API_KEY=self.key)


@pytest.fixture
def api(world):
    ShippingMethod.objects.create(
        account=world.store, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND"
    )
    mug = factories.VariantFactory(account=world.store, sku="MUG-1")
    factories.stock(mug, world.store.default_warehouse, 10)
    return Api(world, world.store)


def po_body(**changes):
    return {
        "supplier": "Acme Supplies", "warehouse": "MAIN", "expected_date": "2026-12-01",
        "lines": [{"sku": "MUG-1", "quantity": 4, "unit_cost": "2.50"}], **CODES, **changes,
    }


def test_purchase_order_create_and_get(world, api):
    created = api.post("/purchase-orders", po_body(external_id="SUP-1"))

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "open" and body["supplier"] == "Acme Supplies" and body["warehouse"] == "MAIN"
    assert body["expected_date"] == "2026-12-01" and body["flags"] == []
    assert body["lines"] == [{"sku": "MUG-1", "name": "", "quantity": 4, "received": 0, "unit_cost": "2.50"}]
    fetched = api.get(f"/purchase-orders/{body['number']}")
    assert fetched.status_code == 200 and fetched.json() == body
    assert Order.objects.get(number=body["number"]).kind == Order.Kind.PURCHASE


def test_rejected_purchase_order_is_422_with_every_problem_and_kept(world, api):
    response = api.post("/purchase-orders", po_body(warehouse="NOWHERE", lines=[{"sku": "NOPE", "quantity": 1}], carrier_code=""))

    assert response.status_code == 422
    body = response.json()
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("unknown_warehouse", "warehouse"), ("unknown_sku", "lines[0].sku"),
    ]
    assert body["code"] == "unknown_warehouse" and "NOWHERE" in body["message"]
    failure = IntakeFailure.objects.get(pk=body["failure_id"])
    assert failure.account == world.store and failure.document == Document.PURCHASE_ORDER
    assert failure.payload["warehouse"] == "NOWHERE"
    assert not Order.objects.filter(kind=Order.Kind.PURCHASE).exists()


def test_wrong_types_are_422_and_only_the_refused_shipment_is_kept(world, api):
    sent = {"order": "SO-1", "lines": [{"sku": "MUG-1", "quantity": "two"}]}
    response = api.post("/shipments", sent)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines[0].quantity"
    failure = IntakeFailure.objects.get(pk=response.json()["failure_id"])
    assert (failure.account, failure.document, failure.source, failure.payload) == (
        world.store, Document.SHIPMENT, "api", sent,
    )
    assert failure.reasons == [{
        "code": "invalid", "field": "lines[0].quantity", "message": "Line 1 quantity: Use a whole number of units, e.g. 2.",
    }]
    assert not Shipment.objects.exists()


def test_duplicate_external_id_is_409_with_the_existing_document(world, api):
    first = api.post("/purchase-orders", po_body(external_id="SUP-7")).json()
    again = api.post("/purchase-orders", po_body(external_id="SUP-7"))
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_id" and again.json()["order_number"] == first["number"]

    receipt = api.post("/receipts", {"purchase_order": first["number"], "external_id": "ASN-1", "lines": [{"sku": "MUG-1", "quantity": 1}], **CODES})
    assert receipt.status_code == 201, receipt.json()
    twice = api.post("/receipts", {"purchase_order": first["number"], "external_id": "ASN-1", "lines": [{"sku": "MUG-1", "quantity": 1}], **CODES})
    assert twice.status_code == 409 and twice.json()["receipt_id"] == receipt.json()["id"]
    assert Receipt.objects.count() == 1


def test_shipment_create_and_get(world, api):
    mug = StockLevel.objects.get().variant
    order = factories.make_order(world.store, [(mug, 3)], warehouse=world.store.default_warehouse)

    created = api.post("/shipments", {"order": order.number, "tracking_number": "1Z1", **CODES})

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["order"] == order.number and body["order_status"] == "shipped"
    assert body["lines"] == [{"sku": "MUG-1", "quantity": 3}] and body["warehouse"] == "MAIN"
    assert api.get(f"/shipments/{body['id']}").json() == body
    level = StockLevel.objects.get()
    assert (level.on_hand, level.allocated) == (7, 0)


def test_shipment_for_a_cancelled_order_is_422(world, api):
    mug = StockLevel.objects.get().variant
    order = factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse)
    order_transition(order=order, to=Order.Status.CANCELLED, by=None)

    response = api.post("/shipments", {"order": order.number, **CODES})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_state"
    assert response.json()["message"] == f"Order {order.number} is cancelled: it cannot be shipped."
    assert not Shipment.objects.exists()


def test_receipt_create_and_get_closes_the_purchase_order(world, api):
    po = api.post("/purchase-orders", po_body()).json()

    created = api.post("/receipts", {"purchase_order": po["number"], "lines": [{"sku": "MUG-1", "quantity": 4}], **CODES})

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["purchase_order_status"] == "closed" and body["warehouse"] == "MAIN"
    assert api.get(f"/receipts/{body['id']}").json() == body
    assert StockLevel.objects.get().on_hand == 14
    assert api.get(f"/purchase-orders/{po['number']}").json()["lines"][0]["received"] == 4


def test_a_retry_with_the_same_idempotency_key_creates_one_receipt(world, api):
    po = api.post("/purchase-orders", po_body()).json()
    body = {"purchase_order": po["number"], "lines": [{"sku": "MUG-1", "quantity": 1}], **CODES}

    first = api.post("/receipts", body, HTTP_IDEMPOTENCY_KEY="k-1")
    retry = api.post("/receipts", body, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Receipt.objects.count() == 1
    assert StockLevel.objects.get().on_hand == 11


def test_another_accounts_documents_are_404_and_cannot_be_used(world, api):
    outlet_mug = factories.VariantFactory(account=world.outlet, sku="MUG-1")
    factories.stock(outlet_mug, world.outlet.default_warehouse, 5)
    theirs = Api(world, world.outlet)
    po = theirs.post("/purchase-orders", po_body(carrier_code="", service_code="")).json()
    receipt = theirs.post("/receipts", {"purchase_order": po["number"], "lines": [{"sku": "MUG-1", "quantity": 1}]}).json()
    order = factories.make_order(world.outlet, [(outlet_mug, 1)], warehouse=world.outlet.default_warehouse)
    shipment = theirs.post("/shipments", {"order": order.number}).json()

    for path in (f"/purchase-orders/{po['number']}", f"/receipts/{receipt['id']}", f"/shipments/{shipment['id']}"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert api.get("/purchase-orders/PO-9999999").json()["code"] == "not_found"

    refused = api.post("/receipts", {"purchase_order": po["number"], "lines": [{"sku": "MUG-1", "quantity": 1}], **CODES})
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_order"
    assert Receipt.objects.filter(purchase_order__number=po["number"]).count() == 1


def test_no_key_is_401(world, api):
    response = Client(HTTP_HOST=f"{world.org.schema_name}.localhost").get("/api/v1/shipments/1")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_openapi_documents_the_document_endpoints(world, api):
    schema = api.get("/openapi.json").json()
    create = schema["paths"]["/api/v1/purchase-orders"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PurchaseOrderIn")
    assert {"201", "409", "422"} <= set(create["responses"])
    for path in ("/api/v1/shipments", "/api/v1/receipts", "/api/v1/shipments/{shipment_id}", "/api/v1/receipts/{receipt_id}",
                 "/api/v1/purchase-orders/{number}"):
        assert path in schema["paths"], path
    assert "tracking_number" in schema["components"]["schemas"]["ShipmentIn"]["properties"]
