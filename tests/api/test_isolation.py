"""An account's key reaches that account only: never another account's orders or stock in the same
organization (404, nothing written), and a key of another organization is unknown here (401)."""

from django.db import connection

from accounts.services import account_rotate_api_key
from orders.models import Order
from tests import factories
from tests.api.conftest import ApiClient, counts, order_payload


def _outlet_order(world):
    cup = factories.VariantFactory(account=world.outlet, sku="MUG-1")  # the same SKU, another account
    factories.stock(cup, world.outlet.default_warehouse, 10)
    return factories.make_order(world.outlet, [(cup, 1)], warehouse=world.outlet.default_warehouse)


def test_a_key_never_reads_or_writes_another_accounts_orders(world, store_api, mug):
    theirs = _outlet_order(world)
    before = counts(world.outlet)

    assert store_api.get(f"/orders/{theirs.number}").status_code == 404
    assert store_api.post(f"/orders/{theirs.number}/cancel").status_code == 404
    assert store_api.post(f"/orders/{theirs.number}/clone", {}).status_code == 404
    assert theirs.number not in {i["number"] for i in store_api.get("/orders").json()["items"]}
    assert store_api.get("/inventory").json()["items"][0]["sku"] == "MUG-1"
    assert len(store_api.get("/inventory").json()["items"]) == 1  # the store's MUG-1 only

    created = store_api.post("/orders", order_payload())  # MUG-1 resolves to the store's own variant
    assert created.status_code == 201
    assert Order.objects.get(number=created.json()["number"], account=world.store).lines.get().variant == mug

    theirs.refresh_from_db()
    assert theirs.status == Order.Status.ALLOCATED
    assert counts(world.outlet) == before


def test_a_key_of_another_organization_is_unknown_here(world, other_world, mug):
    connection.set_tenant(other_world.org)
    foreign_key = account_rotate_api_key(account=other_world.store, by=None)
    connection.set_tenant(world.org)
    before = counts(world.store)
    stranger = ApiClient(world.org, foreign_key)

    assert stranger.get("/orders").status_code == 401
    assert stranger.post("/orders", order_payload()).status_code == 401
    assert stranger.post("/inventory/adjustments", {"sku": "MUG-1", "delta": 1, "reason": "x"}).status_code == 401
    assert counts(world.store) == before

    # At home the same key works, and sees nothing of acme.
    at_home = ApiClient(other_world.org, foreign_key)
    response = at_home.get("/orders")
    assert response.status_code == 200 and response.json()["items"] == []
    connection.set_tenant(world.org)
