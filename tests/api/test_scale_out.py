"""Scaled out as docs/scaling.md describes: two web processes and two Celery workers against one database. API
orders and signed webhook deliveries reach both web processes at once (some Idempotency-Keys and some webhook ids
sent to both at the same moment) while both workers drain the inbox: every 201 is one order, every delivery one
order, and nothing is lost or made twice."""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from contextlib import ExitStack

from django.db import connection

from accounts.services import account_rotate_api_key
from intake.models import WebhookDelivery
from intake.services import webhook_signature
from orders.models import Order
from tests.api.conftest import order_payload
from tests.conftest import build_world
from tests.intake.failure_helpers import mug
from tests.intake.webhook_helpers import SECRET, shop_channel, shopify_order
from tests.processes import web_process
from tests.workers import celery_processes, worker_broker_url

CLIENTS = 4
ORDERS_EACH = 10  # API orders per client, each to the other process than the last
TWICE = 8  # Idempotency-Keys and webhook ids each sent to both processes at once
DELIVERIES = 24


def _post(port: int, host: str, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Host": host, "Content-Type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def _at_once(calls) -> list:
    """Run the calls in threads started together; their results in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i, call):
        start.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_web_processes_and_two_workers_lose_and_double_no_order(committed_org, django_db_blocker):
    org = committed_org
    host = f"{org.schema_name}.localhost"
    with django_db_blocker.unblock():
        world = build_world(org)
        mug(world.store, sku="MUG-1", on_hand=100_000)
        mug(world.store, sku="MUG-BLUE", on_hand=100_000)
        channel = shop_channel(world.store)
        key = account_rotate_api_key(account=world.store, by=None)
        connection.set_schema_to_public()
    api = {"X-Api-Key": key}
    broker = worker_broker_url()

    def order(port: int, external_id: str, idempotency_key: str):
        body = json.dumps(order_payload(external_id=external_id)).encode()
        return lambda: _post(port, host, "/api/v1/orders", body, {**api, "Idempotency-Key": idempotency_key})

    def hook(port: int, n: int):
        body = json.dumps(shopify_order(90_000 + n)).encode()
        headers = {"X-Shopify-Hmac-Sha256": webhook_signature(SECRET, body), "X-Shopify-Webhook-Id": f"so-{n}",
                   "X-Shopify-Topic": "orders/create"}
        return lambda: _post(port, host, f"/hooks/{channel.webhook_token}/orders", body, headers)

    with ExitStack() as stack:
        workers = [stack.enter_context(celery_processes(concurrency=1)) for _ in range(2)]
        ports = [stack.enter_context(web_process(REDIS_URL=broker, CELERY_BROKER_URL=broker)) for _ in range(2)]

        def client(c: int):
            answers = []
            for n in range(ORDERS_EACH):
                answers.append(order(ports[n % 2], f"SO-{c}-{n}", f"so-{c}-{n}")())
                answers.append(hook(ports[(n + c) % 2], c * ORDERS_EACH + n)())
            return answers

        spread = _at_once([lambda c=c: client(c) for c in range(CLIENTS)])
        twice_orders = [_at_once([order(port, f"SO-TWICE-{n}", f"twice-{n}") for port in ports]) for n in range(TWICE)]
        twice_hooks = [_at_once([hook(port, 1_000 + n) for port in ports]) for n in range(TWICE)]

        with django_db_blocker.unblock():
            connection.set_tenant(org)
            workers[0].wait_for(
                lambda: not WebhookDelivery.objects.filter(channel=channel, processed_at__isnull=True).exists(),
                timeout=90,
            )
            api_ids = Counter(Order.objects.filter(source=Order.Source.API).values_list("external_id", flat=True))
            hook_ids = Counter(Order.objects.filter(channel=channel).values_list("external_id", flat=True))
            deliveries = WebhookDelivery.objects.filter(channel=channel).count()
            connection.set_schema_to_public()

    answers = [a for answers in spread for a in answers] + [a for pair in twice_orders + twice_hooks for a in pair]
    assert all(status in (200, 201) for status, _ in answers), [a for a in answers if a[0] not in (200, 201)][:3]
    for pair in twice_orders:  # the same key at both processes at once: one order, the same answer twice
        assert [status for status, _ in pair] == [201, 201] and pair[0][1]["number"] == pair[1][1]["number"]
    for pair in twice_hooks:  # the same delivery at both processes at once: kept once
        assert sorted(body["code"] for _, body in pair) == ["duplicate", "received"]

    expected_api = CLIENTS * ORDERS_EACH + TWICE
    assert len(api_ids) == expected_api and set(api_ids.values()) == {1}
    expected_hooks = CLIENTS * ORDERS_EACH + TWICE
    assert deliveries == expected_hooks
    assert len(hook_ids) == expected_hooks and set(hook_ids.values()) == {1}
