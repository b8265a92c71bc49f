"""POST /orders/bulk: each order answered on its own (created, duplicate, rejected with reasons) in one answer,
Idempotency-Key over the whole request, and a fixed number of queries for a batch of plain orders."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import IntakeFailure
from orders.models import Order
from tests import factories
from tests.api.conftest import counts, order_payload


def test_a_mix_of_good_duplicate_and_rejected_orders_is_answered_order_by_order(world, store_api, mug):
    first = store_api.post("/orders", order_payload(external_id="OLD-1"))
    assert first.status_code == 201
    old_number = first.json()["number"]
    body = {"orders": [
        order_payload(external_id="NEW-1"),
        order_payload(external_id="OLD-1"),  # already taken by the order above
        order_payload(external_id="BAD-SKU", lines=[{"sku": "NOPE", "quantity": 1}]),
        order_payload(external_id="BAD-TYPE", lines=[{"sku": "MUG-1", "quantity": "two"}]),  # refused by the schema
        order_payload(external_id="NEW-2", lines=[{"sku": "MUG-1", "quantity": 3}]),
        order_payload(external_id="NEW-1"),  # twice in the same request
    ]}
    before = counts(world.store)

    response = store_api.post("/orders/bulk", body, **{"Idempotency-Key": "bulk-1"})

    assert response.status_code == 200, response.content
    answer = response.json()
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["created", "duplicate", "rejected", "rejected", "created", "duplicate"]
    assert [r["index"] for r in answer["results"]] == list(range(6))
    assert (answer["created"], answer["duplicates"], answer["rejected"]) == (2, 2, 2)
    results = answer["results"]
    assert results[1]["order_number"] == old_number and results[1]["code"] == "duplicate_external_id"
    assert results[5]["order_number"] == results[0]["order_number"]
    assert results[2]["code"] == "unknown_sku" and results[2]["errors"][0]["field"] == "lines[0].sku"
    assert results[3]["errors"][0]["field"] == "lines[0].quantity"
    assert "whole number" in results[3]["errors"][0]["message"]
    created = Order.objects.filter(account=world.store, external_id__in=["NEW-1", "NEW-2"])
    assert sorted(o.number for o in created) == sorted([results[0]["order_number"], results[4]["order_number"]])
    assert created.get(external_id="NEW-2").lines.get().quantity == 3
    kept = set(IntakeFailure.objects.filter(account=world.store).values_list("external_id", flat=True))
    assert kept == {"BAD-SKU", "BAD-TYPE"}  # both rejected orders wait on the Intake page
    after = counts(world.store)
    assert after["orders"] == before["orders"] + 2
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1

    retry = store_api.post("/orders/bulk", body, **{"Idempotency-Key": "bulk-1"})

    assert retry.status_code == 200
    assert retry.json() == answer
    assert retry["Idempotent-Replayed"] == "true"
    assert counts(world.store) == after  # nothing made twice, no second failure


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(world, store_api, mug):
    store_api.post("/orders/bulk", {"orders": [order_payload(external_id="K-1")]}, **{"Idempotency-Key": "k"})
    before = counts(world.store)

    response = store_api.post("/orders/bulk", {"orders": [order_payload(external_id="K-2")]}, **{"Idempotency-Key": "k"})

    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert counts(world.store) == before


def test_more_than_100_orders_or_none_are_refused_whole(world, store_api, mug):
    before = counts(world.store)
    too_many = {"orders": [order_payload(external_id=f"M-{i}") for i in range(101)]}

    for body in (too_many, {"orders": []}, {"orders": "x"}, {}):
        response = store_api.post("/orders/bulk", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["field"] == "orders"
    assert counts(world.store) == before


def test_a_batch_of_100_plain_orders_costs_a_fixed_number_of_queries(world, store_api, django_assert_max_num_queries):
    variants = [factories.VariantFactory(account=world.store, sku=f"SKU-B{i}") for i in range(5)]
    for variant in variants:
        factories.stock(variant, world.store.default_warehouse, 10_000)
    lines = [{"sku": v.sku, "quantity": 1} for v in variants]

    def body(prefix: str, n: int) -> dict:
        return {"orders": [
            order_payload(external_id=f"{prefix}-{i}", lines=lines, customer={"name": "C", "email": f"c{i}@example.com"})
            for i in range(n)
        ]}

    store_api.post("/orders/bulk", body("WARM", 2))  # the first request also reads the key's cached parts
    with CaptureQueriesContext(connection) as ten:
        assert store_api.post("/orders/bulk", body("TEN", 10)).json()["created"] == 10
    with django_assert_max_num_queries(len(ten)):
        response = store_api.post("/orders/bulk", body("HUNDRED", 100))

    assert response.json()["created"] == 100
    assert Order.objects.filter(account=world.store, external_id__startswith="HUNDRED-").count() == 100


def test_another_accounts_key_sees_its_own_account_only(world, store_api, outlet_api, mug):
    store_api.post("/orders/bulk", {"orders": [order_payload(external_id="SHARED")]})

    response = outlet_api.post("/orders/bulk", {"orders": [order_payload(external_id="SHARED")]})

    assert response.json()["results"][0]["status"] == "rejected"  # MUG-1 is not the outlet's: not a duplicate
    assert response.json()["results"][0]["code"] == "unknown_sku"


def test_the_bulk_endpoint_is_documented_with_an_example(world, store_api):
    schema = store_api.get("/openapi.json").json()

    operation = schema["paths"]["/api/v1/orders/bulk"]["post"]
    assert "200" in operation["responses"]
    bulk_in = schema["components"]["schemas"]["BulkIn"]
    assert bulk_in["properties"]["orders"]["items"] == {"$ref": "#/components/schemas/OrderIn"}
    assert bulk_in["examples"][0]["orders"]
