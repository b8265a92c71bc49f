"""Deleting a warehouse, channel, shipping method or tax jurisdiction: refused with the number of orders using
it (deactivate instead), done when none does; the same rule and message through each service."""

from decimal import Decimal

import pytest

from accounts.services import warehouse_delete
from accounts.models import ActivityLog, Warehouse
from channels.models import Channel
from channels.services import channel_delete
from oms.exceptions import DomainError
from orders.models import ShippingMethod, TaxJurisdiction
from orders.services.charges import shipping_method_delete, tax_jurisdiction_delete
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, WarehouseFactory, make_orders, order_draft


@pytest.fixture
def parts(world):
    account = world.store
    return {
        "warehouse": WarehouseFactory(account=account, name="Leeds"),
        "channel": ChannelFactory(account=account, name="Web Shop"),
        "fulfillment_channel": ChannelFactory(account=account, name="Shipper", kind=Channel.Kind.FULFILLMENT),
        "shipping_method": ShippingMethod.objects.create(account=account, code="UPS", name="UPS Ground",
                                                         price=Decimal("5.00")),
        "tax_jurisdiction": TaxJurisdiction.objects.create(account=account, code="US-NY", name="New York",
                                                           rate=Decimal("0.08875")),
    }


DELETES = {
    "warehouse": (lambda row, by: warehouse_delete(warehouse=row, by=by), "Warehouse Leeds"),
    "channel": (lambda row, by: channel_delete(channel=row, by=by), "Channel Web Shop"),
    "fulfillment_channel": (lambda row, by: channel_delete(channel=row, by=by), "Channel Shipper"),
    "shipping_method": (lambda row, by: shipping_method_delete(method=row, by=by), "Shipping method UPS Ground"),
    "tax_jurisdiction": (lambda row, by: tax_jurisdiction_delete(jurisdiction=row, by=by),
                         "Tax jurisdiction New York"),
}


@pytest.mark.parametrize("field", list(DELETES))
def test_a_row_used_by_orders_is_refused_with_their_number(world, parts, field):
    variant = VariantFactory(product=ProductFactory(account=world.store), sku="CUP-1")
    row = parts[field]
    make_orders(world.store, [order_draft(world.store, [(variant, 1)], status="open", **{field: row})
                              for _ in range(3)])
    delete, what = DELETES[field]

    with pytest.raises(DomainError) as refused:
        delete(row, world.admin)

    assert refused.value.message == f"{what} is used by 3 orders: deactivate it instead."
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("field", list(DELETES))
def test_a_row_no_order_uses_is_deleted_and_logged(world, parts, field):
    row = parts[field]
    delete, _ = DELETES[field]

    delete(row, world.admin)

    assert not type(row).objects.filter(pk=row.pk).exists()
    assert ActivityLog.objects.filter(account=world.store, action__endswith=".deleted").count() == 1


def test_a_warehouse_with_stock_history_or_the_default_is_refused(world):
    from inventory.services import stock_levels_create

    variant = VariantFactory(product=ProductFactory(account=world.store), sku="CUP-2")
    stocked = WarehouseFactory(account=world.store, name="Stocked")
    from inventory.models import StockLevel

    stock_levels_create(account=world.store, levels=[StockLevel(account=world.store, warehouse=stocked,
                                                                variant=variant, on_hand=4)])

    with pytest.raises(DomainError, match="Warehouse Stocked has stock history: deactivate it instead."):
        warehouse_delete(warehouse=stocked, by=world.admin)
    default = Warehouse.objects.get(pk=world.store.default_warehouse_id)
    with pytest.raises(DomainError, match="default warehouse"):
        warehouse_delete(warehouse=default, by=world.admin)
