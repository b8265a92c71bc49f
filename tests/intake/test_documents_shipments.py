"""Shipments through intake: only shippable orders ship, never more than ordered, and stock leaves the
warehouse through the ledger (allocated and on hand together)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.services import shipment_submit
from intake.models import Document, IntakeFailure
from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_ledger_drift
from orders.models import Order, Shipment, ShippingMethod
from orders.services.create import order_transition
from tests import factories

CODES = {"carrier_code": "UPS", "service_code": "GROUND"}


def ship(account, order, lines=None, **fields):
    payload = {"order": order.number, **CODES, **fields}
    if lines is not None:
        payload["lines"] = [{"sku": sku, "quantity": quantity} for sku, quantity in lines]
    return shipment_submit(account=account, payload=payload)


def level(variant):
    row = StockLevel.objects.get(variant=variant)
    return row.on_hand, row.allocated


def setup_order(world, status=None):
    mug = factories.VariantFactory(account=world.store, sku="MUG-1")
    cap = factories.VariantFactory(account=world.store, sku="CAP-1")
    for variant in (mug, cap):
        factories.stock(variant, world.store.default_warehouse, 10)
    fields = {"status": status} if status else {}
    order = factories.make_order(world.store, [(mug, 3), (cap, 2)], warehouse=world.store.default_warehouse, **fields)
    return order, mug, cap


def test_shipment_for_a_cancelled_order_is_refused_with_a_clear_reason_and_nothing_written(world):
    order, mug, _ = setup_order(world)
    order_transition(order=order, to=Order.Status.CANCELLED, by=None)
    movements = StockMovement.objects.count()

    result = ship(world.store, order)

    assert not result.accepted
    assert result.failure.document == Document.SHIPMENT
    assert result.failure.reasons == [
        {"code": "invalid_state", "field": "order", "message": f"Order {order.number} is cancelled: it cannot be shipped."}
    ]
    assert not Shipment.objects.exists()
    assert StockMovement.objects.count() == movements
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert level(mug) == (10, 0)


def test_draft_on_hold_and_simulation_orders_are_refused(world):
    order, mug, _ = setup_order(world)
    order_transition(order=order, to=Order.Status.ON_HOLD, by=None)
    assert ship(world.store, order).failure.reasons[0]["message"] == f"Order {order.number} is on hold: it cannot be shipped."

    simulation = factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse, is_simulation=True)
    result = ship(world.store, simulation)
    assert result.failure.reasons[0] == {
        "code": "invalid_state", "field": "order", "message": f"Order {simulation.number} is a simulation: it cannot be shipped.",
    }
    assert not Shipment.objects.exists()


def test_partial_then_full_shipment_ships_the_order_and_keeps_the_ledger(world):
    order, mug, cap = setup_order(world)
    assert order.status == Order.Status.ALLOCATED
    assert level(mug) == (10, 3)

    first = ship(world.store, order, [("MUG-1", 1)], tracking_number="1Z999")
    assert first.accepted, first.problems
    assert [(line.order_line.sku, line.quantity) for line in first.obj.lines.all()] == [("MUG-1", 1)]
    assert first.obj.tracking_number == "1Z999" and first.obj.carrier_code == "UPS"
    order.refresh_from_db()
    assert order.status == Order.Status.ALLOCATED
    assert level(mug) == (9, 2) and level(cap) == (10, 2)

    rest = ship(world.store, order)  # no lines: everything not yet shipped
    assert rest.accepted, rest.problems
    assert sorted((line.order_line.sku, line.quantity) for line in rest.obj.lines.all()) == [("CAP-1", 2), ("MUG-1", 2)]
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert level(mug) == (7, 0) and level(cap) == (8, 0)
    shipped = StockMovement.objects.filter(kind=StockMovement.Kind.SHIPMENT, variant=mug)
    assert sorted(shipped.values_list("on_hand_delta", "allocated_delta")) == [(-2, -2), (-1, -1)]
    assert stock_ledger_drift(account=world.store) == []
    assert list(order.events.values_list("kind", flat=True)) == ["created", "shipment", "shipment", "status"]

    again = ship(world.store, order)
    assert again.failure.reasons[0]["code"] == "invalid_state"


def test_over_shipment_is_refused_and_says_how_much_is_left(world):
    order, mug, _ = setup_order(world)
    assert ship(world.store, order, [("MUG-1", 1)]).accepted

    result = ship(world.store, order, [("MUG-1", 2), ("MUG-1", 1)])

    assert not result.accepted
    assert result.failure.reasons == [{
        "code": "over_shipment", "field": "lines[0].quantity",
        "message": "Line 1: 3 × MUG-1 is more than is left to ship: 3 ordered, 1 already shipped, so at most 2.",
    }]
    assert Shipment.objects.count() == 1
    assert level(mug) == (9, 2)


def test_every_problem_is_reported_at_once(world):
    order, _, _ = setup_order(world)
    result = shipment_submit(
        account=world.store,
        payload={"order": order.number, "lines": [{"sku": "NOPE", "quantity": 1}, {"sku": "MUG-1", "quantity": "two"}], **CODES},
    )
    assert [(r["code"], r["field"]) for r in result.failure.reasons] == [
        ("invalid_quantity", "lines[1].quantity"), ("not_on_order", "lines[0].sku"),
    ]
    assert result.failure.reasons[1]["message"] == f"Line 1: SKU “NOPE” is not on order {order.number}."


def test_an_open_unallocated_order_ships_from_available_stock(world):
    order, mug, cap = setup_order(world, status=Order.Status.OPEN)
    assert level(mug) == (10, 0)

    result = ship(world.store, order)

    assert result.accepted, result.problems
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert level(mug) == (7, 0) and level(cap) == (8, 0)
    assert stock_ledger_drift(account=world.store) == []


def test_an_open_order_never_ships_stock_held_for_other_orders(world):
    order, mug, _ = setup_order(world, status=Order.Status.OPEN)
    factories.make_order(world.store, [(mug, 9)], warehouse=world.store.default_warehouse)  # holds 9 of 10
    movements = StockMovement.objects.count()

    result = ship(world.store, order, [("MUG-1", 3)])

    assert not result.accepted
    assert result.failure.reasons == [{
        "code": "insufficient_stock", "field": "lines",
        "message": "Not enough stock in MAIN to ship: MUG-1 (3 to ship, 1 available).",
    }]
    assert not Shipment.objects.exists()
    assert StockMovement.objects.count() == movements
    assert level(mug) == (10, 9)


def test_unknown_and_other_accounts_orders_are_refused(world):
    mug = factories.VariantFactory(account=world.outlet, sku="MUG-1")
    factories.stock(mug, world.outlet.default_warehouse, 5)
    theirs = factories.make_order(world.outlet, [(mug, 1)], warehouse=world.outlet.default_warehouse)

    result = ship(world.store, theirs)

    assert result.failure.reasons == [
        {"code": "unknown_order", "field": "order", "message": f"There is no sales order {theirs.number} in {world.store.name}."}
    ]
    assert result.failure.account == world.store
    assert not Shipment.objects.exists()


def test_a_payload_that_is_not_an_object_is_stored_not_raised(world):
    result = shipment_submit(account=world.store, payload=["not", "an", "object"])
    assert result.failure.reasons[0]["code"] == "unreadable"
    assert IntakeFailure.objects.get().payload == ["not", "an", "object"]


def test_duplicate_shipment_external_id_creates_nothing(world):
    order, _, _ = setup_order(world)
    first = ship(world.store, order, [("MUG-1", 1)], external_id="3PL-1")
    again = ship(world.store, order, [("MUG-1", 1)], external_id="3PL-1")
    assert again.duplicate_of == first.obj and not again.accepted and again.failure is None
    assert Shipment.objects.count() == 1


def test_shipment_query_count_does_not_grow_with_the_account(world):
    ShippingMethod.objects.create(account=world.store, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND")
    variants = [factories.VariantFactory(account=world.store, sku=f"S-{n}") for n in range(5)]
    for variant in variants:
        factories.stock(variant, world.store.default_warehouse, 100)

    def queries() -> int:
        order = factories.make_order(world.store, [(v, 2) for v in variants], warehouse=world.store.default_warehouse)
        with CaptureQueriesContext(connection) as captured:
            assert ship(world.store, order, [(v.sku, 1) for v in variants]).accepted
        return len(captured)

    small = queries()
    for n in range(40):
        other = factories.VariantFactory(account=world.store, sku=f"M-{n}")
        factories.stock(other, world.store.default_warehouse, 100)
        factories.make_order(world.store, [(other, 1)], warehouse=world.store.default_warehouse)
    assert queries() == small


def test_cancelling_a_partly_shipped_order_gives_back_only_what_was_not_shipped(world):
    order, mug, cap = setup_order(world)
    assert ship(world.store, order, lines=[("MUG-1", 1)]).accepted
    assert level(mug) == (9, 2)

    order_transition(order=order, to=Order.Status.CANCELLED, by=None)

    assert level(mug) == (9, 0)
    assert level(cap) == (10, 0)
    assert stock_ledger_drift(account=world.store) == []
