"""Idempotency-Key: the same key and body replay the first answer and create nothing; the same key with another
body is refused; refusals are replayed too."""

from intake.models import IdempotencyKey, IntakeFailure
from inventory.models import StockMovement
from orders.models import Order
from tests import factories
from tests.api.conftest import order_payload


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(world, store_api, mug):
    first = store_api.post("/orders", order_payload(external_id=None), **{"Idempotency-Key": "order-1"})
    again = store_api.post("/orders", order_payload(external_id=None), **{"Idempotency-Key": "order-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Order.objects.filter(account=world.store).count() == 1
    # Without a key (and without an external id) the same body is another order.
    assert store_api.post("/orders", order_payload(external_id=None)).status_code == 201
    assert Order.objects.filter(account=world.store).count() == 2


def test_the_same_key_with_another_body_is_refused(world, store_api, mug):
    assert store_api.post("/orders", order_payload(), **{"Idempotency-Key": "order-2"}).status_code == 201
    other = store_api.post("/orders", order_payload(external_id="WEB-2"), **{"Idempotency-Key": "order-2"})

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["field"] == "Idempotency-Key"
    assert Order.objects.filter(account=world.store).count() == 1
    # ... and so is the same key on another endpoint.
    adjust = store_api.post("/inventory/adjustments", {"sku": "MUG-1", "delta": 1, "reason": "x"},
                            **{"Idempotency-Key": "order-2"})
    assert adjust.status_code == 422 and adjust.json()["code"] == "idempotency_key_reused"


def test_a_rejection_is_replayed_and_stored_once(world, store_api, mug):
    bad = order_payload(lines=[{"sku": "NOPE", "quantity": 1}])
    first = store_api.post("/orders", bad, **{"Idempotency-Key": "bad-1"})
    again = store_api.post("/orders", bad, **{"Idempotency-Key": "bad-1"})

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert IntakeFailure.objects.filter(account=world.store).count() == 1
    assert not Order.objects.filter(account=world.store).exists()


def test_keys_are_per_account(world, store_api, outlet_api, mug):
    cup = factories.VariantFactory(account=world.outlet, sku="MUG-1")
    factories.stock(cup, world.outlet.default_warehouse, 5)
    assert store_api.post("/orders", order_payload(), **{"Idempotency-Key": "shared"}).status_code == 201
    assert outlet_api.post("/orders", order_payload(), **{"Idempotency-Key": "shared"}).status_code == 201
    assert Order.objects.filter(account=world.outlet).count() == 1
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


def test_cancel_and_adjustments_are_idempotent_too(world, store_api, mug):
    order = factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse)
    first = store_api.post(f"/orders/{order.number}/cancel", **{"Idempotency-Key": "c-1"})
    again = store_api.post(f"/orders/{order.number}/cancel", **{"Idempotency-Key": "c-1"})
    assert first.status_code == again.status_code == 200  # not the 409 a second cancel would get

    moves = StockMovement.objects.filter(variant=mug).count()
    for _ in range(2):
        response = store_api.post("/inventory/adjustments", {"sku": "MUG-1", "delta": 3, "reason": "Found"},
                                  **{"Idempotency-Key": "adj-1"})
        assert response.status_code == 201 and response.json()["on_hand"] == 53
    assert StockMovement.objects.filter(variant=mug).count() == moves + 1


def test_an_unusable_key_is_422(world, store_api, mug):
    response = store_api.post("/orders", order_payload(), **{"Idempotency-Key": "k" * 256})
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"
    assert not Order.objects.filter(account=world.store).exists()


def test_keys_past_their_lifetime_are_purged_and_a_reuse_then_runs_again(world, store_api, mug):
    import datetime as dt

    from django.utils import timezone

    from intake.models import IdempotencyKey
    from intake.services import idempotency_keys_purge

    first = store_api.post("/orders", order_payload(external_id="PURGE-1"), **{"Idempotency-Key": "old-key"})
    assert first.status_code == 201
    assert idempotency_keys_purge(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert idempotency_keys_purge(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not IdempotencyKey.objects.filter(key="old-key").exists()
