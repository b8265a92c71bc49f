"""A group-commit batch runs in one pipeline (oms/rows.py): its statements go out without waiting for each answer,
the reads it sends together come back as the ORM would give them, an error in a statement nobody waited for
still rolls the batch back, and the answers' lines come from what was written, not read again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja.responses import Status

from accounts.models import Warehouse
from api import group_commit
from api.orders import order_body
from channels.models import Channel
from channels.selectors import channels_receiving_inventory, channels_receiving_inventory_from_send
from intake.models import IdempotencyKey
from intake.services.orders import _from_door, _live_customers_send, _taken_send
from intake.validation import _default_warehouse_send, _known_codes_send, _variants_send
from oms.rows import atomic_pipelined, pipelined, rows_insert, select_list, send, send_instances
from orders.models import Customer, Order, OrderEvent, Product, Promotion, ShippingMethod, Variant
from orders.pricing import promotions_query, promotions_send, promotions_with_scopes
from tests import factories
from tests.conftest import build_world
from tests.api.conftest import order_payload


def _statements_in_pipeline(calls):
    """Run `calls()` recording, for every statement, whether the connection was in pipeline mode."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append((sql.split()[0].upper(), bool(connection.connection.pgconn.pipeline_status)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        calls()
    return seen


def test_every_statement_of_a_batch_runs_in_the_pipeline(world, mug):
    batch = [group_commit._Pending(payload=order_payload(external_id=f"P-{n}"), key=f"key-{n}", hashed="h")
             for n in range(3)]

    seen = _statements_in_pipeline(
        lambda: group_commit._write(account=world.store, batch=batch, answer=lambda r: Status(201, order_body(r.order)))
    )

    assert all(p.answer is not None and p.answer.status_code == 201 for p in batch)  # written together
    # The batch's transaction opens before the pipeline. Here it is a savepoint inside the test's transaction, so
    # the pipeline ends before its RELEASE; an outermost one's COMMIT goes in the pipeline (the committed test).
    assert seen[0] == ("SAVEPOINT", False) and seen[-1] == ("RELEASE", False)
    assert len(seen) > 10 and all(in_pipeline for _, in_pipeline in seen[1:-1]), "\n".join(map(str, seen))
    assert sum(1 for verb, _ in seen if verb == "INSERT") >= 5  # keys, numbers, orders, events, ledger, lines
    assert not connection.connection.pgconn.pipeline_status  # and the pipeline is over


def test_keys_of_orders_taken_alone_are_given_back_whether_or_not_intake_read_them(world, mug):
    unreadable = group_commit._Pending(payload=["not", "an", "order"], key="key-unreadable", hashed="h")
    rejected = group_commit._Pending(payload=order_payload(external_id="R-1", lines=[{"sku": "NOPE", "quantity": 1}]),
                                     key="key-rejected", hashed="h")

    group_commit._write(account=world.store, batch=[unreadable], answer=lambda r: Status(201, {}))
    group_commit._write(account=world.store, batch=[unreadable, rejected], answer=lambda r: Status(201, {}))

    assert unreadable.answer is None and rejected.answer is None  # each taken alone, by `idempotent`
    assert not IdempotencyKey.objects.filter(account=world.store).exists()


def test_an_error_in_a_pipelined_transaction_rolls_it_back_and_ends_the_pipeline(world, mug):
    order = factories.make_orders(world.store, [factories.order_draft(world.store, [(mug, 1)])])[0]
    events = OrderEvent.objects.count()
    row = {"account_id": world.store.pk, "order_id": order.pk, "actor_id": None, "kind": "note", "message": "x",
           "data": {}, "created_at": order.created_at}

    with atomic_pipelined():
        rows_insert(OrderEvent, [row])
    with pytest.raises(IntegrityError), atomic_pipelined():
        rows_insert(OrderEvent, [row])
        rows_insert(OrderEvent, [{**row, "kind": None}])
    with pytest.raises(ValueError), atomic_pipelined():
        rows_insert(OrderEvent, [row])
        raise ValueError("stop")

    assert OrderEvent.objects.count() == events + 1  # only the first block's row
    assert not connection.connection.pgconn.pipeline_status


def test_the_answers_lines_are_the_written_rows_and_read_nothing(world, mug):
    batch = [group_commit._Pending(payload=order_payload(external_id="L-1", lines=[{"sku": "MUG-1", "quantity": 3}]),
                                   key=None, hashed=None)]
    answers = []

    def answer(result):
        with CaptureQueriesContext(connection) as queries:
            body = order_body(result.order)
            lines = [(line.pk, line.variant.sku, line.quantity, line.unit_price) for line in result.order.lines.all()]
        answers.append((len(queries), body, lines))
        return Status(201, body)

    group_commit._write(account=world.store, batch=batch, answer=answer)

    count, body, lines = answers[0]
    assert count == 0
    order = Order.objects.select_related("warehouse", "shipping_method").get(account=world.store, external_id="L-1")
    assert body == order_body(order)
    assert lines == [(line.pk, line.variant.sku, line.quantity, line.unit_price) for line in order.lines.all()]
    assert lines[0][1:] == ("MUG-1", 3, mug.price)


def test_reads_sent_together_come_back_as_the_orm_reads_them(world, mug):
    product = Product.objects.create(account=world.store, name="Cups", description="Ceramic")
    cup = factories.VariantFactory(account=world.store, product=product, sku="CUP", price=Decimal("7.25"))
    table = Variant._meta.db_table
    with transaction.atomic(), pipelined():
        variants = send_instances(
            f"SELECT {select_list(Variant, 'v')}, {select_list(Product, 'p')} FROM {table} v "
            f"JOIN {Product._meta.db_table} p ON p.id = v.product_id WHERE v.id = ANY(%s) ORDER BY v.id",
            [[mug.pk, cup.pk]], Variant, Product,
        )
        warehouses = send_instances(
            f"SELECT {select_list(Warehouse, 'w')} FROM {Warehouse._meta.db_table} w WHERE w.account_id = %s "
            "ORDER BY w.id", [world.store.pk], Warehouse,
        )
        counted = send("SELECT count(*) FROM orders_variant WHERE account_id = %s", [world.store.pk])
        read = variants.rows(), warehouses.rows(), counted.rows()

    pairs, warehouses, counted = read
    for (variant, its_product), expected in zip(pairs, Variant.objects.select_related("product").order_by("id")
                                                 .filter(pk__in=[mug.pk, cup.pk])):
        for field in Variant._meta.concrete_fields:
            assert getattr(variant, field.attname) == getattr(expected, field.attname), field.name
        for field in Product._meta.concrete_fields:
            assert getattr(its_product, field.attname) == getattr(expected.product, field.attname), field.name
        assert not variant._state.adding and variant._state.db == "default"
    assert warehouses == list(Warehouse.objects.filter(account=world.store).order_by("id"))
    assert [w.name for w in warehouses] == list(Warehouse.objects.filter(account=world.store).order_by("id")
                                                .values_list("name", flat=True))
    assert counted == [(Variant.objects.filter(account=world.store).count(),)]


def test_a_refused_write_nobody_waited_for_rolls_the_transaction_back(world, mug):
    order = factories.make_orders(world.store, [factories.order_draft(world.store, [(mug, 1)])])[0]
    events = OrderEvent.objects.count()
    row = {"account_id": world.store.pk, "order_id": order.pk, "actor_id": None, "kind": "note", "message": "x",
           "data": {}, "created_at": order.created_at}

    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        rows_insert(OrderEvent, [row])
        with pipelined():  # nested: joins the open pipeline
            rows_insert(OrderEvent, [{**row, "kind": None}])  # a NOT NULL column: refused at the end

    assert OrderEvent.objects.count() == events  # the first row went with the transaction


def test_a_pipelined_transaction_commits_with_its_last_writes_or_not_at_all(committed_org):
    connection.set_tenant(committed_org)
    account = build_world(committed_org).store
    row = {"account_id": account.pk, "request_hash": "h", "created_at": timezone.now()}

    with atomic_pipelined():  # the outermost transaction: its COMMIT goes in the pipeline
        rows_insert(IdempotencyKey, [{**row, "key": "kept"}])
    with pytest.raises(IntegrityError), atomic_pipelined():
        rows_insert(IdempotencyKey, [{**row, "key": "refused-with-the-next"}])
        rows_insert(IdempotencyKey, [{**row, "key": None}])  # answered only at the COMMIT
    with pytest.raises(ValueError), atomic_pipelined():
        rows_insert(IdempotencyKey, [{**row, "key": "rolled-back"}])
        raise ValueError("stop")

    assert connection.get_autocommit() and not connection.in_atomic_block
    assert not connection.connection.pgconn.pipeline_status
    assert list(IdempotencyKey.objects.filter(account=account).values_list("key", flat=True)) == ["kept"]


def test_the_hand_written_reads_find_what_their_querysets_find(world, mug):
    store, main = world.store, world.store.default_warehouse
    factories.ChannelFactory(account=store, name="Receives").warehouses.add(main)
    for changes in ({"is_active": False}, {"supports_inventory_updates": False}, {"kind": Channel.Kind.FULFILLMENT}):
        factories.ChannelFactory(account=store, **changes).warehouses.add(main)
    factories.ChannelFactory(account=store, name="Other warehouse")
    factories.ChannelFactory(account=factories.AccountFactory()).warehouses.add(main)  # another account's
    with transaction.atomic(), pipelined():
        receiving = channels_receiving_inventory_from_send(account=store, warehouse_id=main.pk).rows()
    assert sorted(r[0] for r in receiving) == sorted(
        channels_receiving_inventory(account=store).filter(warehouses=main).values_list("id", flat=True)
    ) and len(receiving) == 1

    factories.make_orders(store, [factories.order_draft(store, [(mug, 1)], external_id=e) for e in ("T-1", "T-2")])
    taken = {r[0] for r in _taken_send(account=store, channel=None, source="api", external_ids=["T-1", "T-2", "T-3"])
             .rows()}
    assert taken == set(_from_door(account=store, channel=None, source="api")
                        .filter(external_id__in=["T-1", "T-2", "T-3"]).values_list("external_id", flat=True))

    found = _variants_send(account=store, channel=None, skus={"MUG-1", "NONE"})()
    assert list(found) == ["MUG-1"]
    _same(found["MUG-1"], Variant.objects.select_related("product").get(pk=mug.pk))
    _same(found["MUG-1"].product, mug.product)
    _same(_default_warehouse_send(account=store, channel=None)(), main)
    mapped = factories.ChannelFactory(account=store, name="Mapped")
    closed = Warehouse.objects.create(account=store, name="Closed", code="AAA", is_active=False)
    second = Warehouse.objects.create(account=store, name="Second", code="BBB")
    mapped.warehouses.add(closed, second, main)  # the first active one by code: BBB before MAIN
    _same(_default_warehouse_send(account=store, channel=mapped)(), second)

    ShippingMethod.objects.create(account=store, code="EXP", name="Express", price=9, carrier_code="dhl",
                                  service_code="express")
    ShippingMethod.objects.create(account=store, code="OLD", name="Old", price=9, carrier_code="old", is_active=False)
    assert _known_codes_send(account=store)() == ({"DHL"}, {"EXPRESS"})

    today = dt.date(2026, 12, 2)
    for name, changes in (("Now", {}), ("Ended", {"valid_to": today - dt.timedelta(days=1)}),
                          ("Off", {"is_active": False}), ("Later", {"valid_from": today + dt.timedelta(days=1)})):
        Promotion.objects.create(account=store, name=name, kind=Promotion.Kind.PERCENTAGE, value=10,
                                 valid_from=changes.pop("valid_from", today - dt.timedelta(days=3)), **changes)
    sent = promotions_with_scopes(promotions_send(account=store, on=today).rows())
    expected = list(promotions_query(account=store, on=today))
    assert [p.name for p in sent] == ["Now"] and len(expected) == 1
    _same(sent[0], expected[0])

    ada = Customer.objects.create(account=store, name="Ada", email="ada@example.com", phone="+1 555 0100")
    Customer.objects.create(account=store, name="Gone", email="gone@example.com", redacted_at=timezone.now())
    live = _live_customers_send(account=store, emails=["ada@example.com", "gone@example.com"])()
    assert list(live) == ["ada@example.com"]
    _same(live["ada@example.com"], ada)


def _same(read, expected) -> None:
    """Every column of a hand-written read's instance equals what the ORM reads."""
    assert read is not None and type(read) is type(expected)
    expected.refresh_from_db()
    for field in type(expected)._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
    assert not read._state.adding
