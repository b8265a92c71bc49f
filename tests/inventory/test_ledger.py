"""Every stock change is one ledger entry, and levels never drift from their ledger."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from inventory.models import InventoryPush, StockLevel, StockMovement
from inventory.selectors import stock_ledger_drift
from inventory.services import StockShortage, stock_adjust, stock_allocate
from oms.exceptions import DomainError
from orders.models import Order
from orders.services.create import order_transition
from tests.factories import ChannelFactory, VariantFactory, WarehouseFactory, make_order
from tests.inventory.conftest import receive


def test_receipt_adjustment_allocation_and_release_each_write_one_entry_with_who_and_why(world):
    account, warehouse = world.store, world.store.default_warehouse
    variant = VariantFactory(product__account=account)
    receive(variant, warehouse, 10, by=world.admin)
    stock_adjust(account=account, warehouse=warehouse, variant=variant, delta=-2, by=world.admin, reason="broken")
    order = make_order(account, [(variant, 3)], warehouse=warehouse)
    order_transition(order=order, to=Order.Status.CANCELLED, by=world.admin)

    entries = list(StockMovement.objects.filter(variant=variant).order_by("id"))
    assert [(e.kind, e.on_hand_delta, e.allocated_delta) for e in entries] == [
        ("receipt", 10, 0), ("adjustment", -2, 0), ("allocation", 0, 3), ("release", 0, -3),
    ]
    assert entries[1].actor == world.admin and entries[1].reason == "broken"
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    assert (level.on_hand, level.allocated) == (8, 0)
    assert stock_ledger_drift(account=account) == []


def test_a_refused_allocation_or_rolled_back_change_leaves_no_entry(world):
    account, warehouse = world.store, world.store.default_warehouse
    variant = VariantFactory(product__account=account)
    receive(variant, warehouse, 2)
    with pytest.raises(StockShortage):
        stock_allocate(account=account, warehouse=warehouse, quantities=[(variant.pk, 3)])
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_adjust(account=account, warehouse=warehouse, variant=variant, delta=5, by=None, reason="x")
        raise RuntimeError
    assert StockMovement.objects.filter(variant=variant).count() == 1
    assert StockLevel.objects.get(variant=variant, warehouse=warehouse).on_hand == 2


def test_on_hand_cannot_go_below_allocated_and_a_reason_is_required(world):
    account, warehouse = world.store, world.store.default_warehouse
    variant = VariantFactory(product__account=account)
    receive(variant, warehouse, 5)
    stock_allocate(account=account, warehouse=warehouse, quantities=[(variant.pk, 4)])
    with pytest.raises(DomainError, match="below the 4 allocated"):
        stock_adjust(account=account, warehouse=warehouse, variant=variant, set_on_hand=3, by=None, reason="count")
    with pytest.raises(DomainError, match="why"):
        stock_adjust(account=account, warehouse=warehouse, variant=variant, delta=1, by=None, reason=" ")


def test_changes_write_outbox_rows_only_for_sales_channels_mapped_to_the_warehouse_when_realtime_is_on(world):
    account, warehouse = world.store, world.store.default_warehouse
    other_wh = WarehouseFactory(account=account, code="EAST")
    mapped = ChannelFactory(account=account)
    mapped.warehouses.add(warehouse)
    unmapped = ChannelFactory(account=account)
    unmapped.warehouses.add(other_wh)
    ChannelFactory(account=account, kind="fulfillment").warehouses.add(warehouse)
    variant = VariantFactory(product__account=account)
    receive(variant, warehouse, 5)
    assert list(InventoryPush.objects.values_list("channel_id", "variant_id")) == [(mapped.pk, variant.pk)]

    account.inventory_realtime_updates = False
    account.save(update_fields=["inventory_realtime_updates"])
    receive(variant, warehouse, 5)
    assert InventoryPush.objects.count() == 1


def test_inventory_check_exits_non_zero_naming_a_level_that_differs_from_its_ledger(world):
    account, warehouse = world.store, world.store.default_warehouse
    variant = VariantFactory(product__account=account, sku="DRIFT-1")
    receive(variant, warehouse, 5)
    call_command("inventory_check", org=world.org.schema_name)  # clean: exits normally

    StockLevel.objects.filter(variant=variant).update(on_hand=7)  # a write that bypassed the ledger
    with pytest.raises(SystemExit) as exit_info:
        call_command("inventory_check", org=world.org.schema_name)
    assert exit_info.value.code == 1
    connection.set_tenant(world.org)
    drift = stock_ledger_drift(account=account)
    assert drift == [{
        "account_id": account.pk, "variant_id": variant.pk, "warehouse_id": warehouse.pk,
        "on_hand": 7, "ledger_on_hand": 5, "allocated": 0, "ledger_allocated": 0,
    }]


def test_bulk_created_levels_get_opening_entries_and_match_their_ledger(world):
    from inventory.services import stock_levels_create

    account, warehouse = world.store, world.store.default_warehouse
    variants = [VariantFactory(product__account=account) for _ in range(3)]
    stock_levels_create(account=account, levels=[
        StockLevel(account=account, variant=v, warehouse=warehouse, on_hand=10 * (i + 1)) for i, v in enumerate(variants)
    ])
    assert StockMovement.objects.filter(kind="opening").count() == 3
    assert stock_ledger_drift(account=account) == []
