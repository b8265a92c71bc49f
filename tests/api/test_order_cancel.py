"""POST /orders/{number}/cancel: the order is cancelled and its stock given back, once."""

from inventory.models import StockLevel
from orders.models import Order
from tests import factories


def test_cancelling_releases_the_stock_and_a_second_cancel_is_409(world, store_api, mug):
    order = factories.make_order(world.store, [(mug, 3)], warehouse=world.store.default_warehouse)
    assert StockLevel.objects.get(variant=mug).allocated == 3

    response = store_api.post(f"/orders/{order.number}/cancel")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert StockLevel.objects.get(variant=mug).allocated == 0

    again = store_api.post(f"/orders/{order.number}/cancel")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
