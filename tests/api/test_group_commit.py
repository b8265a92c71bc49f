"""Group commit of POST /orders: orders posted together are written in one transaction, and each request still
gets exactly the answer it would have had alone (plain orders here; anything else is taken alone)."""

import hashlib
import json
import time

from django.db import connection
from ninja.responses import Status

from api import group_commit
from intake.models import IdempotencyKey, IntakeFailure
from inventory.models import StockLevel
from orders.models import Order
from tests.api.conftest import counts, order_payload, posting, race_shop
from tests.concurrency import run_in_parallel

THREADS = 8


def _answer(result):
    return Status(201, {"number": result.order.number, "external_id": result.order.external_id})


def _pending(body: dict, key: str | None = None):
    hashed = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest() if key else None
    return group_commit._Pending(payload=body, key=key, hashed=hashed)


def test_a_batch_answers_the_plain_orders_and_hands_back_everything_else(world, mug):
    batch = [
        _pending(order_payload(external_id="A-1")),
        _pending(order_payload(external_id="A-2", lines=[{"sku": "NOPE", "quantity": 1}])),  # rejected
        _pending(order_payload(external_id="A-1")),  # the same external id twice in one batch
        _pending(order_payload(external_id="A-3"), key="key-3"),
        _pending(order_payload(external_id="A-4"), key="key-3"),  # a key given twice in one batch
    ]

    group_commit._write(account=world.store, batch=batch, answer=_answer)

    first, rejected, twice, keyed, key_again = batch
    assert first.answer.status_code == 201 and first.answer.value["external_id"] == "A-1"
    assert keyed.answer.status_code == 201 and keyed.answer.value["external_id"] == "A-3"
    assert rejected.answer is None and twice.answer is None and key_again.answer is None  # each taken alone
    orders = Order.objects.filter(account=world.store)
    assert sorted(orders.values_list("external_id", flat=True)) == ["A-1", "A-3"]
    assert len({o.created_at for o in orders}) == 1  # one transaction
    assert not IntakeFailure.objects.filter(account=world.store).exists()  # the rejection is recorded alone
    stored = IdempotencyKey.objects.get(account=world.store)
    assert (stored.key, stored.status_code, stored.response) == ("key-3", 201, keyed.answer.value)
    assert StockLevel.objects.get(variant=mug).allocated == 4


def test_fixed_resends_in_one_batch_each_resolve_their_own_rejected_copy(world, mug):
    kept = {
        external_id: IntakeFailure.objects.create(
            account=world.store, source="api", external_id=external_id, payload={}, status=status,
        )
        for external_id, status in (("D-1", IntakeFailure.Status.DEAD), ("D-2", IntakeFailure.Status.RETRYING))
    }
    batch = [_pending(order_payload(external_id="D-2")), _pending(order_payload(external_id="D-1"))]

    group_commit._write(account=world.store, batch=batch, answer=_answer)

    for external_id, failure in kept.items():
        failure.refresh_from_db()
        assert failure.status == IntakeFailure.Status.REPLAYED and failure.next_attempt_at is None
        assert failure.order.external_id == external_id  # its own order, not the other's


def test_a_key_already_used_is_handed_back_to_be_replayed_alone(world, mug):
    IdempotencyKey.objects.create(account=world.store, key="used", request_hash="x", status_code=201, response={})
    batch = [_pending(order_payload(external_id="B-1"), key="used")]

    group_commit._write(account=world.store, batch=batch, answer=_answer)

    assert batch[0].answer is None
    assert not Order.objects.filter(account=world.store).exists()
    assert IdempotencyKey.objects.get(account=world.store, key="used").response == {}


def test_an_order_short_of_stock_rolls_the_batch_back_and_every_order_is_taken_alone(world, mug):
    before = counts(world.store)
    batch = [
        _pending(order_payload(external_id="C-1"), key="c-1"),
        _pending(order_payload(external_id="C-2", lines=[{"sku": "MUG-1", "quantity": 49}]), key="c-2"),
    ]

    group_commit._write(account=world.store, batch=batch, answer=_answer)

    assert [p.answer for p in batch] == [None, None]
    assert counts(world.store) == before  # no order, key, movement or failure left behind
    assert StockLevel.objects.get(variant=mug).allocated == 0


def test_a_short_order_in_a_batch_still_gets_its_flagged_201_through_the_api(world, store_api, mug):
    response = store_api.post("/orders", order_payload(lines=[{"sku": "MUG-1", "quantity": 60}]))

    assert response.status_code == 201
    assert response.json()["status"] == "open" and "not enough stock" in response.json()["flags"][0]


def test_orders_posted_at_once_are_written_together_each_with_its_own_answer(committed_org, monkeypatch):
    account, key = race_shop(committed_org)
    write, queue_key = group_commit._write, (committed_org.schema_name, account.pk)

    held = []

    def first_waits_for_the_others(**kwargs):
        # Hold the first batch until every other request has queued behind it: the next batch takes them all.
        queue = group_commit._queue(queue_key)
        deadline = time.monotonic() + 10
        while not held and len(queue.waiting) < THREADS - len(kwargs["batch"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        held.append(True)
        return write(**kwargs)

    monkeypatch.setattr(group_commit, "_write", first_waits_for_the_others)
    bodies = [order_payload(external_id=f"P-{n}") for n in range(THREADS)]

    results = run_in_parallel(committed_org, [posting(committed_org, key, b, **{"Idempotency-Key": f"k-{n}"}) for n, b in enumerate(bodies)])

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    answers = [value for _, value in results]
    assert [status for status, _ in answers] == [201] * THREADS
    assert [body["external_id"] for _, body in answers] == [b["external_id"] for b in bodies]
    orders = Order.objects.filter(account=account)
    assert orders.count() == THREADS and len({o.number for o in orders}) == THREADS
    assert len(set(orders.values_list("created_at", flat=True))) == 2  # the first alone, then the rest together
    assert StockLevel.objects.get(account=account).allocated == 2 * THREADS
    stored = {k.key: k.response for k in IdempotencyKey.objects.filter(account=account)}
    assert stored == {f"k-{n}": body for n, (_, body) in enumerate(answers)}

    again = posting(committed_org, key, bodies[3], **{"Idempotency-Key": "k-3"})()
    assert again == answers[3]  # a retry is the stored answer
    connection.set_tenant(committed_org)
    assert Order.objects.filter(account=account).count() == THREADS


def test_a_lone_order_is_written_at_once_and_leaves_the_queue_idle(world, store_api, mug):
    response = store_api.post("/orders", order_payload())

    assert response.status_code == 201
    queue = group_commit._queue((world.org.schema_name, world.store.pk))
    assert queue.writers == 0 and not queue.waiting
