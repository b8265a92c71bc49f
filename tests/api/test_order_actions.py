"""POST /orders/{number}/hold, release, address, reallocate, notes, tags, assign (and cancel with a reason): the
same services as the order page. The key acts for its account only (another account's or organization's order
is 404), a refusal by the order's state is a 409 and bad input a 422, each with a JSON error."""

import pytest
from django.db import connection

from accounts.services import account_rotate_api_key
from inventory.models import StockLevel
from orders.history import event_sentence
from orders.models import Order, OrderEvent
from tests import factories
from tests.api.conftest import ApiClient


@pytest.fixture
def held(world, mug):
    """An allocated order of 3 × MUG-1 in MAIN."""
    return factories.make_order(world.store, [(mug, 3)], warehouse=world.store.default_warehouse)


def test_hold_then_release_with_reasons_in_the_history(world, store_api, held):
    response = store_api.post(f"/orders/{held.number}/hold", {"reason": "fraud check"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "on_hold"
    event = OrderEvent.objects.filter(order=held).latest("id")
    assert (event.kind, event.actor, event_sentence(event)) == ("hold", None, "Put on hold by The system: fraud check.")

    again = store_api.post(f"/orders/{held.number}/hold", {"reason": "again"})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert again.json()["message"] == f"{held.number} is on hold: it is already held."

    released = store_api.post(f"/orders/{held.number}/release", {"reason": "cleared"})
    assert released.status_code == 200 and released.json()["status"] == "allocated"
    not_held = store_api.post(f"/orders/{held.number}/release", {"reason": "cleared"})
    assert not_held.status_code == 409


def test_a_reason_is_required(world, store_api, held):
    missing = store_api.post(f"/orders/{held.number}/hold", {})
    blank = store_api.post(f"/orders/{held.number}/hold", {"reason": "  "})
    assert (missing.status_code, blank.status_code) == (422, 422)
    assert blank.json()["field"] == "reason"
    held.refresh_from_db()
    assert held.status == Order.Status.ALLOCATED


def test_cancel_takes_an_optional_reason(world, store_api, held, mug):
    response = store_api.post(f"/orders/{held.number}/cancel", {"reason": "customer asked"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert StockLevel.objects.get(variant=mug).allocated == 0
    assert OrderEvent.objects.filter(order=held, kind="cancelled").get().data["reason"] == "customer asked"


def test_address_change_and_the_409_once_shipped(world, store_api, held):
    response = store_api.post(f"/orders/{held.number}/address", {"city": "Springfield", "country": "gb"})
    assert response.status_code == 200, response.content
    assert response.json()["shipping_address"]["city"] == "Springfield"
    assert response.json()["shipping_address"]["line1"] == "12 Analytical St"  # fields not given stay

    bad = store_api.post(f"/orders/{held.number}/address", {"country": "XX"})
    assert bad.status_code == 422 and bad.json()["field"] == "shipping_country"

    Order.objects.filter(pk=held.pk).update(status=Order.Status.SHIPPED)
    shipped = store_api.post(f"/orders/{held.number}/address", {"city": "Elsewhere"})
    assert shipped.status_code == 409
    assert shipped.json()["message"] == f"{held.number} has shipped: its address can no longer be changed."


def test_reallocate_in_another_warehouse_or_409_when_short(world, store_api, held, mug):
    east = factories.WarehouseFactory(account=world.store, code="EAST", name="East")
    factories.stock(mug, east, 2)

    short = store_api.post(f"/orders/{held.number}/reallocate", {"warehouse": "east"})
    assert short.status_code == 409 and short.json()["code"] == "insufficient_stock"
    unknown = store_api.post(f"/orders/{held.number}/reallocate", {"warehouse": "NOPE"})
    assert unknown.status_code == 422
    factories.WarehouseFactory(account=world.store, code="OLD", name="Old", is_active=False)
    inactive = store_api.post(f"/orders/{held.number}/reallocate", {"warehouse": "old"})
    assert inactive.status_code == 422 and inactive.json()["code"] == "unknown_warehouse"

    factories.stock(mug, east, 5)
    moved = store_api.post(f"/orders/{held.number}/reallocate", {"warehouse": "EAST"})
    assert moved.status_code == 200 and moved.json()["warehouse"] == "EAST"
    assert StockLevel.objects.get(variant=mug, warehouse=east).allocated == 3
    assert StockLevel.objects.get(variant=mug, warehouse=world.store.default_warehouse).allocated == 0


def test_note_tags_and_assign(world, store_api, held):
    assert store_api.post(f"/orders/{held.number}/notes", {"text": "Gift wrap"}).status_code == 200
    tagged = store_api.post(f"/orders/{held.number}/tags", {"add": ["vip", "gift"]})
    assert tagged.status_code == 200
    held.refresh_from_db()
    assert held.tags == ["vip", "gift"]

    assigned = store_api.post(f"/orders/{held.number}/assign", {"email": world.agent.email.upper()})
    assert assigned.status_code == 200
    held.refresh_from_db()
    assert held.assigned_to == world.agent
    for refused in (world.viewer.email, world.outsider.email, "nobody@example.com"):
        response = store_api.post(f"/orders/{held.number}/assign", {"email": refused})
        assert response.status_code == 422 and response.json()["field"] == "email"
    assert store_api.post(f"/orders/{held.number}/assign", {"email": None}).status_code == 200
    held.refresh_from_db()
    assert held.assigned_to is None


ACTION_BODIES = {
    "hold": {"reason": "x"}, "release": {"reason": "x"}, "cancel": {"reason": "x"}, "address": {"city": "X"},
    "reallocate": {}, "notes": {"text": "x"}, "tags": {"add": ["x"]}, "assign": {"email": None},
}


@pytest.mark.parametrize("action", list(ACTION_BODIES))
def test_another_accounts_or_organizations_order_is_404(world, other_world, keys, held, action):
    outlet_api = ApiClient(world.org, keys.outlet)
    connection.set_tenant(other_world.org)
    other_key = account_rotate_api_key(account=other_world.store, by=None)
    other_api = ApiClient(other_world.org, other_key)
    connection.set_tenant(world.org)
    before = OrderEvent.objects.filter(order=held).count()

    assert outlet_api.post(f"/orders/{held.number}/{action}", ACTION_BODIES[action]).status_code == 404
    assert other_api.post(f"/orders/{held.number}/{action}", ACTION_BODIES[action]).status_code == 404
    unkeyed = ApiClient(world.org).post(f"/orders/{held.number}/{action}", ACTION_BODIES[action])
    assert unkeyed.status_code == 401
    connection.set_tenant(world.org)
    assert OrderEvent.objects.filter(order=held).count() == before
