"""Two agents re-allocating two orders that compete for the same last units, at the same instant, in real threads:
exactly one gets them, the other is refused with the shortage and stays as it was; nothing is oversold."""

from django.db import connection

from accounts.services import account_create, warehouse_create
from inventory.models import StockLevel
from oms.exceptions import DomainError
from orders.models import Order
from orders.services.actions import order_reallocate
from tests.concurrency import run_in_parallel
from tests.factories import ProductFactory, VariantFactory, make_order, stock


def test_parallel_reallocations_of_the_last_units_never_oversell(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Last Units", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    product = ProductFactory(account=account)
    lamp, cord = (VariantFactory(product=product, sku=sku) for sku in ("LAMP", "CORD"))
    # Both orders came in short (no warehouse: open); then 5 lamps arrived: enough for one order of 4, not two.
    first = make_order(account, [(cord, 1), (lamp, 4)])
    second = make_order(account, [(lamp, 4), (cord, 1)])  # the other line order: row locks are taken by id
    stock(lamp, warehouse, 5)
    stock(cord, warehouse, 10)

    def reallocate(order):
        def call():
            fresh = Order.objects.select_related("account").get(pk=order.pk)
            return order_reallocate(order=fresh, by=None, warehouse=warehouse).number

        return call

    for _ in range(3):  # a few rounds, both ways round
        results = run_in_parallel(committed_org, [reallocate(first), reallocate(second)])
        connection.set_tenant(committed_org)
        done = [value for kind, value in results if kind == "ok"]
        refused = [value for kind, value in results if kind == "error"]
        assert len(done) == 1 and len(refused) == 1, results
        assert isinstance(refused[0], DomainError) and "LAMP (4 wanted, 1 available)" in refused[0].message
        assert StockLevel.objects.get(variant=lamp, warehouse=warehouse).allocated == 4
        assert StockLevel.objects.get(variant=cord, warehouse=warehouse).allocated == 1
        statuses = dict(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("number", "status"))
        assert sorted(statuses.values()) == ["allocated", "open"]
        assert statuses[done[0]] == "allocated"
        # Put it back for the next round: cancel and re-create the open pair.
        winner = Order.objects.get(number=done[0], account=account)
        from orders.services.actions import order_cancel

        order_cancel(order=winner, by=None, reason="next round")
        first = make_order(account, [(cord, 1), (lamp, 4)])
        second = make_order(account, [(lamp, 4), (cord, 1)])
        Order.objects.filter(account=account, status="open").exclude(pk__in=[first.pk, second.pk]).update(
            status="cancelled"
        )
