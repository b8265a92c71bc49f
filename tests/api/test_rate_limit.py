"""Requests per key and minute are limited (a window counted in Redis): over it, a JSON 429 with Retry-After."""

from django.test import override_settings

from orders.models import Order
from tests.api.conftest import ApiClient, order_payload


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_over_the_limit_is_429_with_retry_after_and_writes_nothing(world, keys, mug):
    store = ApiClient(world.org, keys.store)
    assert [store.get("/orders").status_code for _ in range(3)] == [200, 200, 200]

    refused = store.post("/orders", order_payload())
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert not Order.objects.filter(account=world.store).exists()

    # The limit is per key: the outlet's key still has its own minute.
    assert ApiClient(world.org, keys.outlet).get("/orders").status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_a_cached_key_is_counted_in_the_look_up_round_trip_and_still_limited(world, keys, monkeypatch):
    from api import ratelimit

    own_trips = []
    client = ratelimit._client
    monkeypatch.setattr(ratelimit, "_client", lambda: own_trips.append(1) or client())
    store = ApiClient(world.org, keys.store)

    assert store.get("/orders").status_code == 200  # the key is read from the database, counted on its own
    assert len(own_trips) == 1
    assert [store.get("/orders").status_code for _ in range(3)] == [200, 200, 429]
    assert len(own_trips) == 1  # counted in the tenant middleware's one Redis call, and the fourth refused
