"""POST /orders costs a fixed number of queries: not one more for more lines or a bigger account."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tenancy.lookups import lookups_changed
from tests import factories
from tests.api.conftest import order_payload


def _post(store_api, n_lines: int, external_id: str | None) -> int:
    lines = [{"sku": f"SKU-Q{i}", "quantity": 1} for i in range(n_lines)]
    lookups_changed()  # every request counted reads the organization and the key, as the first after a change does
    with CaptureQueriesContext(connection) as queries:
        response = store_api.post("/orders", order_payload(external_id=external_id, lines=lines))
    assert response.status_code == 201, response.content
    return len(queries)


def test_creating_an_order_costs_the_same_queries_whatever_its_lines_and_the_accounts_size(world, store_api):
    variants = [factories.VariantFactory(account=world.store, sku=f"SKU-Q{i}") for i in range(5)]
    for variant in variants:
        factories.stock(variant, world.store.default_warehouse, 100)
    _post(store_api, 1, "Q-0")  # the first order also creates the customer's profile
    one_line = _post(store_api, 1, "Q-1")
    five_lines = _post(store_api, 5, "Q-2")
    for i in range(20):  # a bigger account: more orders and products
        factories.VariantFactory(account=world.store, sku=f"OTHER-{i}")
    factories.make_orders(world.store, [factories.order_draft(world.store, [(variants[0], 1)]) for _ in range(20)])
    later = _post(store_api, 5, "Q-3")

    assert one_line == five_lines == later, (one_line, five_lines, later)
    assert five_lines <= 30


def test_an_order_without_an_external_id_costs_no_more_queries_than_one_with_it(world, store_api):
    # Its fingerprint is looked up instead of its external id; a refused body costs nothing on this path.
    factories.stock(factories.VariantFactory(account=world.store, sku="SKU-Q0"), world.store.default_warehouse, 100)
    _post(store_api, 1, "Q-0")
    with_id = _post(store_api, 1, "Q-1")
    without_id = _post(store_api, 1, None)

    assert without_id == with_id, (without_id, with_id)
