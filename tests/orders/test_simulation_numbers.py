"""Simulations are numbered in their own SIM- series: the sales counter never moves for one, so the real
numbers have no gaps, and SIM- numbers are unique per account under concurrency like the others."""

from decimal import Decimal

from django.db import connection

from accounts.services import account_create, warehouse_create
from orders.models import Order, OrderNumberCounter
from orders.services.clone import CloneLine, order_clone
from tests.concurrency import run_in_parallel
from tests.factories import ProductFactory, VariantFactory, make_order, make_orders, order_draft, stock


def counter(account, series: str) -> int | None:
    row = OrderNumberCounter.objects.filter(account=account, kind=series).first()
    return row.last_value if row else None


def test_a_simulated_clone_leaves_the_sales_counter_unchanged_and_gets_a_sim_number(shop, world):
    sales_before = counter(shop.account, Order.Kind.SALES)

    [first] = order_clone(source=shop.order, by=world.agent, purpose="simulation")
    [second] = order_clone(source=shop.order, by=world.agent, purpose="simulation", lines=[CloneLine("TEE-0", 1)])

    assert (first.number, second.number) == ("SIM-0000001", "SIM-0000002")
    assert counter(shop.account, Order.Kind.SALES) == sales_before
    [real] = order_clone(source=shop.order, by=world.agent)
    assert real.number == f"SO-{sales_before + 1:07d}"  # no gap where the simulations were


def test_each_account_has_its_own_sim_series(world):
    drafts = {}
    for account in (world.store, world.outlet):
        variant = VariantFactory(product=ProductFactory(account=account), sku="SIM-SKU")
        drafts[account.pk] = order_draft(account, [(variant, 1)], is_simulation=True)

    [store_sim] = make_orders(world.store, [drafts[world.store.pk]])
    [outlet_sim] = make_orders(world.outlet, [drafts[world.outlet.pk]])

    assert store_sim.number == outlet_sim.number == "SIM-0000001"
    assert counter(world.store, Order.Kind.SALES) is None  # no sales number was ever taken


def test_one_batch_with_sales_and_simulations_numbers_each_in_its_series(world):
    variant = VariantFactory(product=ProductFactory(account=world.store), sku="MIX-1", price=Decimal("5.00"))
    drafts = [order_draft(world.store, [(variant, 1)], is_simulation=n % 2 == 1) for n in range(5)]

    orders = make_orders(world.store, drafts)

    assert [o.number for o in orders] == ["SO-0000001", "SIM-0000001", "SO-0000002", "SIM-0000002", "SO-0000003"]


def test_parallel_simulations_get_unique_sim_numbers_and_take_no_sales_number(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Busy Planner", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    variant = VariantFactory(product=ProductFactory(account=account), sku="PLAN-1")
    stock(variant, warehouse, 10)
    source = make_order(account, [(variant, 1)], warehouse=warehouse)

    def simulate():
        fresh = Order.objects.prefetch_related("lines__variant").select_related("account", "warehouse").get(
            pk=source.pk
        )
        return order_clone(source=fresh, by=None, purpose="simulation", lines=[CloneLine("PLAN-1", 50)])[0].number

    results = run_in_parallel(committed_org, [simulate for _ in range(8)])

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    numbers = sorted(value for _, value in results)
    assert numbers == [f"SIM-{n:07d}" for n in range(1, 9)]
    assert counter(account, Order.Kind.SALES) == 1 and counter(account, "simulation") == 8
