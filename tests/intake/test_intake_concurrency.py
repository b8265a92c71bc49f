"""Intake under parallel load, on committed data and real threads: one order per channel order id, no
oversold stock, unique order numbers, one customer record per new buyer."""

import json
from pathlib import Path

from django.db import connection

from accounts.models import Account
from accounts.services import account_create, warehouse_create
from channels.models import Channel
from intake.models import IntakeFailure, SourceStats
from intake.services import intake_submit
from inventory.models import StockLevel
from orders.models import Customer, Order
from tests.concurrency import run_in_parallel
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, stock

SAMPLE = json.loads((Path(__file__).parent / "samples" / "sandbox.json").read_text())


def busy_shop(org, on_hand: dict[str, int]):
    """An account with one warehouse, a sandbox channel selling from it, and stock of each SKU."""
    connection.set_tenant(org)
    account, _ = account_create(name="Busy Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    channel = ChannelFactory(account=account, name="Sandbox market", order_format="sandbox")
    channel.warehouses.set([warehouse])
    product = ProductFactory(account=account)
    variants = {}
    for sku, quantity in on_hand.items():
        variants[sku] = VariantFactory(product=product, sku=sku)
        stock(variants[sku], warehouse, quantity)
    return account, channel, warehouse, variants


def submit_as_a_worker(account_id: int, channel_id: int, payload: dict):
    """What a worker does: load the account and channel afresh, then submit."""
    def call():
        account = Account.objects.get(pk=account_id)
        channel = Channel.objects.get(pk=channel_id, account=account)
        return intake_submit(account=account, payload=payload, channel=channel)
    return call


def assert_numbers_unique(account, expected: int):
    numbers = list(Order.objects.filter(account=account).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == expected


def test_the_same_channel_order_submitted_at_once_becomes_one_order(committed_org):
    account, channel, warehouse, variants = busy_shop(committed_org, {"MUG-BLUE": 50, "TEE-M": 50})

    results = run_in_parallel(
        committed_org, [submit_as_a_worker(account.pk, channel.pk, SAMPLE) for _ in range(4)]
    )
    connection.set_tenant(committed_org)

    assert all(kind == "ok" for kind, _ in results), results
    made = [r.order for _, r in results if r.order is not None]
    duplicates = [r.duplicate_of for _, r in results if r.duplicate_of is not None]
    assert len(made) == 1 and len(duplicates) == 3
    assert {d.pk for d in duplicates} == {made[0].pk}
    order = Order.objects.get(account=account)
    assert (order.external_id, order.channel_id, order.status) == ("SBX-1001", channel.pk, Order.Status.ALLOCATED)
    assert StockLevel.objects.get(variant=variants["MUG-BLUE"], warehouse=warehouse).allocated == 2
    assert StockLevel.objects.get(variant=variants["TEE-M"], warehouse=warehouse).allocated == 1
    assert not IntakeFailure.objects.filter(account=account).exists()
    assert sum(SourceStats.objects.filter(account=account).values_list("accepted", flat=True)) == 1
    assert_numbers_unique(account, 1)


def test_orders_racing_for_the_last_units_never_oversell_and_are_all_taken(committed_org):
    account, channel, warehouse, variants = busy_shop(committed_org, {"HOT": 5})
    payloads = [
        {**SAMPLE, "id": f"SBX-{n}", "items": [{"sku": "HOT", "qty": 1, "price": "9.50"}]} for n in range(8)
    ]

    results = run_in_parallel(committed_org, [submit_as_a_worker(account.pk, channel.pk, p) for p in payloads])
    connection.set_tenant(committed_org)

    assert all(kind == "ok" and r.accepted for kind, r in results), results
    level = StockLevel.objects.get(variant=variants["HOT"], warehouse=warehouse)
    assert level.allocated == level.on_hand == 5  # every unit sold once, none twice
    orders = Order.objects.filter(account=account)
    assert orders.count() == 8  # no order lost
    assert orders.filter(status=Order.Status.ALLOCATED, flags=[]).count() == 5
    waiting = orders.filter(status=Order.Status.OPEN)
    assert waiting.count() == 3
    for order in waiting:
        assert order.flags == ["Not allocated: not enough stock in MAIN of HOT (1 wanted, 0 available)."]
    assert sorted(orders.values_list("external_id", flat=True)) == sorted(p["id"] for p in payloads)
    customer = Customer.objects.get(account=account)  # one buyer, made once
    assert set(orders.values_list("customer_id", flat=True)) == {customer.pk}
    assert_numbers_unique(account, 8)
