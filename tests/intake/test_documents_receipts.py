"""Purchase orders and receipts through intake: a purchase order never allocates; a receipt adds stock through
the ledger, never more than ordered, and closes the purchase order when everything has arrived. Duplicate
external ids create nothing."""

from decimal import Decimal

from intake.services import documents
from intake.services import purchase_order_submit, receipt_submit, shipment_submit
from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_ledger_drift
from orders.models import Order, Receipt, Shipment
from orders.services.create import order_transition
from tests import factories

CODES = {"carrier_code": "UPS", "service_code": "FREIGHT"}


def new_po(world, **changes):
    body = {
        "supplier": "Acme Supplies", "warehouse": "main", "expected_date": "2026-12-01",
        "lines": [{"sku": "MUG-1", "quantity": 10, "unit_cost": "3.20"}, {"sku": "CAP-1", "quantity": 5}],
        **CODES, **changes,
    }
    return purchase_order_submit(account=world.store, payload=body)


def receive(world, po, lines, **fields):
    payload = {"purchase_order": po.number, "lines": [{"sku": s, "quantity": q} for s, q in lines], **CODES, **fields}
    return receipt_submit(account=world.store, payload=payload)


def on_hand(variant, warehouse):
    row = StockLevel.objects.filter(variant=variant, warehouse=warehouse).first()
    return row.on_hand if row else 0


def setup(world):
    mug = factories.VariantFactory(account=world.store, sku="MUG-1", price=Decimal("12.00"))
    cap = factories.VariantFactory(account=world.store, sku="CAP-1")
    factories.stock(mug, world.store.default_warehouse, 2)
    return mug, cap


def test_purchase_order_is_open_with_the_supplier_and_never_allocates(world):
    mug, _ = setup(world)

    result = new_po(world, external_id="SUP-1", notes="Dock 4")

    assert result.accepted, result.problems
    po = result.obj
    assert po.kind == Order.Kind.PURCHASE and po.status == Order.Status.OPEN
    assert po.number.startswith("PO-") and po.source == Order.Source.API
    assert po.customer_name == "Acme Supplies" and po.warehouse == world.store.default_warehouse
    assert po.notes == "Dock 4" and po.external_id == "SUP-1"
    assert [(line.sku, line.quantity, line.unit_price) for line in po.lines.all()] == [
        ("MUG-1", 10, Decimal("3.20")), ("CAP-1", 5, Decimal("0.00")),
    ]
    assert po.total == Decimal("32.00")
    assert po.events.get().data["expected_date"] == "2026-12-01"
    assert StockLevel.objects.get(variant=mug).allocated == 0


def test_purchase_order_needs_a_supplier_a_warehouse_and_known_skus(world):
    setup(world)
    result = purchase_order_submit(
        account=world.store,
        payload={"lines": [{"sku": "NOPE", "quantity": 1, "unit_cost": "x"}], "expected_date": "soon", **CODES},
    )
    assert not result.accepted
    assert [(r["code"], r["field"]) for r in result.failure.reasons] == [
        ("required", "supplier"), ("required", "warehouse"), ("invalid_date", "expected_date"),
        ("invalid_price", "lines[0].unit_cost"), ("unknown_sku", "lines[0].sku"),
    ]
    assert not Order.objects.filter(kind=Order.Kind.PURCHASE).exists()


def test_receipt_adds_stock_through_the_ledger_and_closes_the_po_when_complete(world):
    mug, cap = setup(world)
    po = new_po(world).obj
    main = world.store.default_warehouse

    first = receive(world, po, [("MUG-1", 4)])

    assert first.accepted, first.problems
    assert first.obj.warehouse == main
    assert on_hand(mug, main) == 6 and on_hand(cap, main) == 0
    receipts = StockMovement.objects.filter(kind=StockMovement.Kind.RECEIPT)
    assert list(receipts.values_list("variant_id", "on_hand_delta", "allocated_delta")) == [(mug.pk, 4, 0)]
    po.refresh_from_db()
    assert po.status == Order.Status.OPEN

    rest = receive(world, po, [("MUG-1", 6), ("CAP-1", 5)])

    assert rest.accepted, rest.problems
    assert on_hand(mug, main) == 12 and on_hand(cap, main) == 5
    po.refresh_from_db()
    assert po.status == Order.Status.CLOSED
    assert po.events.last().message == "Received in full: closed"
    assert stock_ledger_drift(account=world.store) == []

    late = receive(world, po, [("CAP-1", 1)])
    assert late.failure.reasons == [{
        "code": "invalid_state", "field": "purchase_order",
        "message": f"Purchase order {po.number} is closed: it cannot be received.",
    }]


def test_receipt_into_another_warehouse(world):
    mug, _ = setup(world)
    east = factories.WarehouseFactory(account=world.store, code="EAST")
    po = new_po(world).obj

    assert receive(world, po, [("MUG-1", 3)], warehouse="EAST").accepted

    assert on_hand(mug, east) == 3 and on_hand(mug, world.store.default_warehouse) == 2
    assert stock_ledger_drift(account=world.store) == []


def test_over_receipt_is_refused_and_nothing_written(world):
    mug, _ = setup(world)
    po = new_po(world).obj
    assert receive(world, po, [("MUG-1", 8)]).accepted
    movements = StockMovement.objects.count()

    result = receive(world, po, [("MUG-1", 3)])

    assert result.failure.reasons == [{
        "code": "over_receipt", "field": "lines[0].quantity",
        "message": "Line 1: 3 × MUG-1 is more than is left to receive: 10 ordered, 8 already received, so at most 2.",
    }]
    assert Receipt.objects.count() == 1 and StockMovement.objects.count() == movements
    assert on_hand(mug, world.store.default_warehouse) == 10


def test_receipt_for_a_cancelled_po_or_a_sales_order_is_refused(world):
    mug, _ = setup(world)
    po = new_po(world).obj
    order_transition(order=po, to=Order.Status.CANCELLED, by=None)
    assert receive(world, po, [("MUG-1", 1)]).failure.reasons[0]["message"] == (
        f"Purchase order {po.number} is cancelled: it cannot be received."
    )

    sales = factories.make_order(world.store, [(mug, 1)], warehouse=world.store.default_warehouse)
    assert receive(world, sales, [("MUG-1", 1)]).failure.reasons[0]["code"] == "unknown_order"
    assert not Receipt.objects.exists()


def test_duplicate_external_ids_create_nothing(world):
    mug, _ = setup(world)
    po = new_po(world, external_id="SUP-1").obj
    assert new_po(world, external_id="SUP-1").duplicate_of == po
    assert Order.objects.filter(kind=Order.Kind.PURCHASE).count() == 1

    first = receive(world, po, [("MUG-1", 1)], external_id="ASN-1")
    again = receive(world, po, [("MUG-1", 1)], external_id="ASN-1")
    assert again.duplicate_of == first.obj and not again.accepted
    assert Receipt.objects.count() == 1
    assert on_hand(mug, world.store.default_warehouse) == 3

    # External ids are per account: the outlet may use the same one.
    factories.VariantFactory(account=world.outlet, sku="MUG-1")
    other = purchase_order_submit(
        account=world.outlet,
        payload={"supplier": "Acme", "warehouse": "MAIN", "external_id": "SUP-1", "lines": [{"sku": "MUG-1", "quantity": 1}]},
    )
    assert other.accepted, other.problems


def test_a_duplicate_committed_in_parallel_is_returned_not_raised(world, monkeypatch):
    setup(world)
    po = new_po(world).obj
    first = receive(world, po, [("MUG-1", 1)], external_id="ASN-9")
    real = documents._existing_receipt
    calls = []

    def missed_once(**kwargs):  # the check ran before the parallel request committed
        calls.append(1)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(documents, "_existing_receipt", missed_once)
    again = receive(world, po, [("MUG-1", 1)], external_id="ASN-9")

    assert again.duplicate_of == first.obj
    assert Receipt.objects.count() == 1


def test_shipment_external_ids_are_unique_per_account(world):
    mug, _ = setup(world)
    order = factories.make_order(world.store, [(mug, 2)], warehouse=world.store.default_warehouse)
    payload = {"order": order.number, "lines": [{"sku": "MUG-1", "quantity": 1}], "external_id": "3PL-5", **CODES}
    first = shipment_submit(account=world.store, payload=payload)
    assert shipment_submit(account=world.store, payload=payload).duplicate_of == first.obj
    assert Shipment.objects.count() == 1


def test_purchase_order_and_receipt_queries_do_not_grow_with_the_account(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    setup(world)
    skus = [factories.VariantFactory(account=world.store, sku=f"S-{n}").sku for n in range(5)]
    lines = [{"sku": sku, "quantity": 2} for sku in skus]

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as po_queries:
            po = purchase_order_submit(
                account=world.store, payload={"supplier": "Acme", "warehouse": "MAIN", "lines": lines, **CODES}
            ).obj
        with CaptureQueriesContext(connection) as receipt_queries:
            assert receive(world, po, [(sku, 1) for sku in skus]).accepted
        return len(po_queries), len(receipt_queries)

    queries()  # the first purchase order creates the number counter and the stock levels
    small = queries()
    for n in range(40):
        factories.VariantFactory(account=world.store, sku=f"M-{n}")
        assert new_po(world).accepted
    assert queries() == small
