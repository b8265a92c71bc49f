"""Authentication: the key in X-Api-Key or as a Bearer token; a rotated key stops at once; a disabled
account's key is refused; no key or a wrong key is a JSON 401."""

from django.db import connection

from accounts.services import account_rotate_api_key, account_set_active
from tests.api.conftest import ApiClient, counts, order_payload


def test_the_key_works_as_a_header_or_a_bearer_token(world, keys):
    assert ApiClient(world.org, keys.store).get("/orders").status_code == 200
    assert ApiClient(world.org, Authorization=f"Bearer {keys.store}").get("/orders").status_code == 200


def test_missing_or_wrong_keys_are_a_json_401(world, keys):
    for client in (ApiClient(world.org), ApiClient(world.org, "oms_wrong"), ApiClient(world.org, keys.store + "x"),
                   ApiClient(world.org, Authorization=f"Basic {keys.store}")):
        response = client.get("/orders")
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_a_rotated_key_stops_at_once_and_the_new_one_works(world, keys, mug):
    old = ApiClient(world.org, keys.store)
    assert old.get("/orders").status_code == 200

    new_key = account_rotate_api_key(account=world.store, by=None)
    connection.set_tenant(world.org)

    assert old.get("/orders").status_code == 401
    assert old.post("/orders", order_payload()).status_code == 401
    assert counts(world.store)["orders"] == 0
    assert ApiClient(world.org, new_key).post("/orders", order_payload()).status_code == 201


def test_a_disabled_accounts_key_is_refused(world, keys, mug):
    account_set_active(account=world.store, active=False, by=None)
    client = ApiClient(world.org, keys.store)

    response = client.post("/orders", order_payload())
    assert response.status_code == 403
    assert response.json()["code"] == "account_inactive"
    assert counts(world.store)["orders"] == 0
