"""The creation service writes orders, lines, history and ledger entries as JSON rows (oms/rows.py), with no
Django field conversion: what it hands back and what a later read finds are the same in every column, ids
come back in the order of the rows, and a value PostgreSQL refuses writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DataError, transaction

from inventory.models import StockMovement
from orders.models import Order, OrderEvent, OrderLine
from tests import factories


@pytest.fixture
def tee(world):
    variant = factories.VariantFactory(account=world.store, sku="ROW-TEE", name="Tee «é»", price=Decimal("12.35"))
    factories.stock(variant, world.store.default_warehouse, 100)
    return variant


def test_orders_read_back_equal_to_what_was_written_in_every_column(world, tee):
    drafts = [
        factories.order_draft(
            world.store, [(tee, n)], warehouse=world.store.default_warehouse, external_id=f"ROW-{n}",
            customer_name=f"Zoë {n}", notes='Quotes " and \\ and a\nnew line', tags=["vip", "a,b"],
            created_at=dt.datetime(2026, 11, 20, 9, 30, n, 123456, tzinfo=dt.timezone.utc),
        )
        for n in (1, 2, 3)
    ]
    drafts[1].line_charged = [{"unit_price": "9.99", "discounts": [{"amount": "1.00", "code": "X"}]}]
    drafts[1].event_data = {"nested": {"list": [1, "two", None, True]}}

    orders = factories.make_orders(world.store, drafts, by=world.admin)

    assert [o.external_id for o in orders] == ["ROW-1", "ROW-2", "ROW-3"]
    for order in orders:
        stored = Order.objects.get(pk=order.pk)
        assert stored.external_id == order.external_id  # each id came back to its own row
        for field in Order._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(order, field.attname), field.name
    assert Order.objects.get(external_id="ROW-3").created_at == dt.datetime(
        2026, 11, 20, 9, 30, 3, 123456, tzinfo=dt.timezone.utc
    )

    second = orders[1]
    line = OrderLine.objects.get(order=second)
    assert (line.sku, line.name, line.quantity, line.position) == ("ROW-TEE", "Tee «é»", 2, 1)
    assert line.unit_price == Decimal("12.35") and line.line_total == second.subtotal
    assert line.charged == drafts[1].line_charged[0] and line.order_created_at == second.created_at
    event = OrderEvent.objects.get(order=second)
    assert (event.kind, event.actor_id, event.data) == ("created", world.admin.pk, drafts[1].event_data)
    movement = StockMovement.objects.get(order_id=second.pk)
    assert (movement.variant_id, movement.allocated_delta, movement.actor_id, movement.kind) == (
        tee.pk, 2, world.admin.pk, StockMovement.Kind.ALLOCATION,
    )


def test_a_value_postgresql_refuses_writes_nothing(world, tee):
    good = factories.order_draft(world.store, [(tee, 1)], warehouse=world.store.default_warehouse, external_id="OK-1")
    bad = factories.order_draft(world.store, [(tee, 1)], warehouse=world.store.default_warehouse, external_id="BAD-1",
                                notes="a\x00b")  # a NUL: no text column can hold it

    with pytest.raises(DataError), transaction.atomic():
        factories.make_orders(world.store, [good, bad])

    assert not Order.objects.filter(external_id__in=["OK-1", "BAD-1"]).exists()
    assert not StockMovement.objects.filter(variant=tee, kind=StockMovement.Kind.ALLOCATION).exists()
