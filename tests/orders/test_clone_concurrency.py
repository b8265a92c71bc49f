"""Agents cloning at the same moment can never oversell: a real parallel run against PostgreSQL."""

from django.db import connection

from accounts.services import account_create, warehouse_create
from inventory.models import StockLevel
from orders.models import Order
from orders.services.clone import CloneInvalid, CloneLine, order_clone
from tests.concurrency import run_in_parallel
from tests.factories import ProductFactory, VariantFactory, make_order, stock


def test_parallel_clones_never_allocate_more_than_is_on_hand(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Busy Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = ProductFactory(account=account)
    hot, cold = (VariantFactory(product=product, sku=sku) for sku in ("HOT", "COLD"))
    stock(hot, warehouse, 13)
    stock(cold, warehouse, 100)
    source = make_order(account, [(hot, 3), (cold, 1)], warehouse=warehouse)  # 10 HOT left

    def clone_once():
        fresh = Order.objects.prefetch_related("lines__variant").select_related("account", "warehouse").get(
            pk=source.pk
        )
        return order_clone(source=fresh, by=None, lines=[CloneLine("COLD", 1), CloneLine("HOT", 3)])

    results = run_in_parallel(committed_org, [clone_once for _ in range(8)])
    connection.set_tenant(committed_org)
    made = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "error"]
    assert len(made) == 3, results  # 3 × 3 = 9 of the 10 left
    assert all(isinstance(e, CloneInvalid) and "HOT" in e.one_line() for e in refused), refused
    level = StockLevel.objects.get(variant=hot, warehouse=warehouse)
    assert level.allocated == 3 + 3 * len(made) <= level.on_hand
    assert StockLevel.objects.get(variant=cold, warehouse=warehouse).allocated == 1 + len(made)
    numbers = list(Order.objects.filter(account=account).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 1 + len(made)
