"""Retries racing each other, for real: threads posting at the same instant against committed rows."""

import json

from django.db import connection
from django.test import Client

from accounts.services import account_create, warehouse_create
from intake.models import IdempotencyKey
from inventory.models import StockLevel
from orders.models import Order
from tests.api.conftest import order_payload
from tests.concurrency import run_in_parallel
from tests.factories import VariantFactory, stock

THREADS = 8


def _shop(org):
    connection.set_tenant(org)
    account, key = account_create(name="Race Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    account.default_warehouse = warehouse
    account.save(update_fields=["default_warehouse"])
    stock(VariantFactory(account=account, sku="MUG-1"), warehouse, 100)
    return account, key


def _post(org, key: str, body: dict, **headers):
    def call():
        client = Client(HTTP_HOST=f"{org.schema_name}.localhost")
        response = client.post(
            "/api/v1/orders", json.dumps(body), content_type="application/json",
            headers={"X-Api-Key": key, **headers},
        )
        return response.status_code, response.json()

    return call


def test_concurrent_retries_with_one_key_make_exactly_one_order(committed_org):
    account, key = _shop(committed_org)
    body = order_payload(external_id=None)  # only the key keeps these apart

    results = run_in_parallel(committed_org, [_post(committed_org, key, body, **{"Idempotency-Key": "race-1"})] * THREADS)

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    answers = [value for _, value in results]
    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(b, sort_keys=True) for _, b in answers}) == 1  # every retry got the first answer
    assert Order.objects.filter(account=account).count() == 1
    assert IdempotencyKey.objects.filter(account=account).count() == 1
    assert StockLevel.objects.get(account=account).allocated == 2


def test_concurrent_posts_of_one_external_id_make_exactly_one_order(committed_org):
    account, key = _shop(committed_org)

    results = run_in_parallel(committed_org, [_post(committed_org, key, order_payload())] * THREADS)

    connection.set_tenant(committed_org)
    answers = [value for kind, value in results if kind == "ok"]
    assert len(answers) == THREADS, results
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (THREADS - 1)
    numbers = {b.get("number") or b.get("order_number") for _, b in answers}
    assert len(numbers) == 1
    assert Order.objects.filter(account=account).count() == 1
    assert StockLevel.objects.get(account=account).allocated == 2
