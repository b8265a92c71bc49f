"""Requests with a wrong or missing API key are limited per client address: past the limit the address gets a
JSON 429 with Retry-After for the rest of the minute, whatever key it sends; other addresses are not concerned."""

import json
import random
import time

import pytest
from django.test import Client, override_settings

from orders.models import Order
from tests.api.conftest import order_payload

LIMIT = 5


@pytest.fixture
def address() -> str:
    """An address no other test used this minute (counts live in Redis, outside the test's transaction), with the
    minute's window far enough from its end for the test's requests to fall in one window."""
    seconds_into_minute = time.time() % 60
    if seconds_into_minute > 55:
        time.sleep(60 - seconds_into_minute + 0.1)
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def _get(org, address: str, **headers):
    return Client(HTTP_HOST=f"{org.schema_name}.localhost").get("/api/v1/orders", headers=headers, REMOTE_ADDR=address)


@override_settings(API_BAD_KEY_LIMIT_PER_MINUTE=LIMIT)
def test_wrong_and_missing_keys_from_one_address_get_429_past_the_limit(world, keys, address):
    answers = [
        _get(world.org, address, **({"X-Api-Key": f"oms_wrong_{n}"} if n % 2 else {})) for n in range(LIMIT)
    ]
    assert [a.status_code for a in answers] == [401] * LIMIT

    refused = _get(world.org, address, **{"X-Api-Key": "oms_wrong_again"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited" and "wrong or missing API key" in body["message"]
    assert body["errors"] == [{"code": "rate_limited", "message": body["message"], "field": None}]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert _get(world.org, address).status_code == 429  # no key at all: the same


@override_settings(API_BAD_KEY_LIMIT_PER_MINUTE=LIMIT)
def test_a_refused_address_cannot_use_even_a_right_key_and_writes_nothing(world, keys, address):
    for _ in range(LIMIT):
        _get(world.org, address, **{"X-Api-Key": "oms_guess"})
    response = Client(HTTP_HOST="acme.localhost").post(
        "/api/v1/orders", json.dumps(order_payload()), content_type="application/json",
        headers={"X-Api-Key": keys.store}, REMOTE_ADDR=address,
    )
    assert response.status_code == 429
    assert not Order.objects.filter(account=world.store).exists()


@override_settings(API_BAD_KEY_LIMIT_PER_MINUTE=LIMIT)
def test_other_addresses_and_organizations_keep_working(world, other_world, keys, address):
    for _ in range(LIMIT):
        _get(world.org, address)
    assert _get(world.org, address).status_code == 429
    # The address is refused on every organization's API: it is one client.
    assert _get(other_world.org, address).status_code == 429

    elsewhere = address.rsplit(".", 1)[0] + (".1" if not address.endswith(".1") else ".2")
    assert _get(world.org, elsewhere, **{"X-Api-Key": keys.store}).status_code == 200
    assert _get(world.org, elsewhere, **{"X-Api-Key": "oms_wrong"}).status_code == 401


@override_settings(API_BAD_KEY_LIMIT_PER_MINUTE=LIMIT)
def test_requests_with_the_right_key_are_not_counted(world, keys, address):
    for _ in range(LIMIT * 2):
        assert _get(world.org, address, **{"X-Api-Key": keys.store}).status_code == 200
    assert _get(world.org, address, **{"X-Api-Key": "oms_wrong"}).status_code == 401
