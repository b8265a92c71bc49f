"""GET /orders (filters, cursor pagination) and GET /orders/{number}."""

import datetime as dt

from django.utils import timezone

from orders.models import Order
from tests import factories


def _orders(world, mug, n: int, **fields):
    made = []
    for _ in range(n):
        made.append(factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse, **fields))
    return made


def test_the_list_walks_every_order_once_newest_first_with_a_cursor(world, store_api, mug):
    made = _orders(world, mug, 7)
    numbers, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = store_api.get("/orders", params)
        assert response.status_code == 200, response.content
        body = response.json()
        numbers += [item["number"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    expected = [o.number for o in sorted(made, key=lambda o: (o.created_at, o.pk), reverse=True)]
    assert numbers == expected and pages == 3


def test_the_list_filters_by_status_external_id_dates_and_search(world, store_api, mug):
    old, fresh = _orders(world, mug, 2)
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3), status="cancelled")
    tagged = _orders(world, mug, 1, external_id="EXT-9", customer_name="Grace Hopper")[0]

    def numbers(**params):
        response = store_api.get("/orders", params)
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert numbers(status="cancelled") == {old.number}
    assert numbers(external_id="EXT-9") == {tagged.number}
    assert numbers(q="hopper") == {tagged.number}
    assert numbers(q=fresh.number.lower()) == {fresh.number}
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert numbers(created_after=since) == {fresh.number, tagged.number}
    assert numbers(created_before=since) == {old.number}


def test_bad_list_parameters_are_422(store_api):
    for params in ({"limit": 0}, {"limit": 101}, {"status": "lost"}, {"cursor": "not-a-cursor"},
                   {"created_after": "yesterday"}):
        response = store_api.get("/orders", params)
        assert response.status_code == 422, (params, response.content)
        assert response.json()["field"] in params


def test_the_list_is_one_query_for_the_orders(world, store_api, mug, django_assert_max_num_queries):
    _orders(world, mug, 5)
    # The tenant's domain and two search_path switches (middleware), the key, then the page: one query.
    with django_assert_max_num_queries(5):
        assert len(store_api.get("/orders").json()["items"]) == 5


def test_an_order_is_returned_by_its_number(world, store_api, mug):
    order = _orders(world, mug, 1)[0]
    response = store_api.get(f"/orders/{order.number}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number and body["lines"][0]["sku"] == "MUG-1"
    assert body["warehouse"] == "MAIN" and body["status"] == "allocated"


def test_an_order_shows_the_number_of_the_order_it_was_cloned_from(world, store_api, mug,
                                                                   django_assert_max_num_queries):
    source, plain = _orders(world, mug, 2)
    clone = factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse, cloned_from=source)

    with django_assert_max_num_queries(8):  # domain, key, the order, its lines, its source's number, ...
        cloned = store_api.get(f"/orders/{clone.number}").json()
    assert cloned["cloned_from"] == source.number
    assert store_api.get(f"/orders/{plain.number}").json()["cloned_from"] is None


def test_an_unknown_number_is_a_json_404(store_api):
    response = store_api.get("/orders/SO-9999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
