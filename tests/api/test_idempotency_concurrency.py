"""Retries racing each other, for real: threads posting at the same instant against committed rows."""

import json

from django.db import connection

from intake.models import IdempotencyKey
from inventory.models import StockLevel
from orders.models import Order
from tests.api.conftest import order_payload, posting, race_shop
from tests.concurrency import run_in_parallel

THREADS = 8


def test_concurrent_retries_with_one_key_make_exactly_one_order(committed_org):
    account, key = race_shop(committed_org)
    body = order_payload(external_id=None)  # only the key keeps these apart

    results = run_in_parallel(committed_org, [posting(committed_org, key, body, **{"Idempotency-Key": "race-1"})] * THREADS)

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    answers = [value for _, value in results]
    assert {status for status, _ in answers} == {201}
    assert len({json.dumps(b, sort_keys=True) for _, b in answers}) == 1  # every retry got the first answer
    assert Order.objects.filter(account=account).count() == 1
    assert IdempotencyKey.objects.filter(account=account).count() == 1
    assert StockLevel.objects.get(account=account).allocated == 2


def test_concurrent_posts_of_one_external_id_make_exactly_one_order(committed_org):
    account, key = race_shop(committed_org)

    results = run_in_parallel(committed_org, [posting(committed_org, key, order_payload())] * THREADS)

    connection.set_tenant(committed_org)
    answers = [value for kind, value in results if kind == "ok"]
    assert len(answers) == THREADS, results
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (THREADS - 1)
    numbers = {b.get("number") or b.get("order_number") for _, b in answers}
    assert len(numbers) == 1
    assert Order.objects.filter(account=account).count() == 1
    assert StockLevel.objects.get(account=account).allocated == 2
