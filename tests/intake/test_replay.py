"""A dead-lettered payload, fixed (its SKU mapped) and replayed, becomes exactly one order: replayed twice,
or by several people at the same instant, still one."""

from django.db import connection

from intake.models import IntakeFailure
from intake.services import intake_replay, sku_alias_set
from orders.models import Order
from tests import factories
from tests.concurrency import run_in_parallel
from tests.intake.failure_helpers import failure, mug, sales_channel


def test_a_dead_letter_fixed_and_replayed_becomes_one_order(world):
    variant = mug(world.store)
    channel = sales_channel(world.store)
    dead = failure(world.store, channel=channel, external_id="SBX-9", sku="their-mug", qty=3)
    assert dead.status == IntakeFailure.Status.DEAD

    still = intake_replay(failure=dead)  # not fixed yet: rejected again, nothing created
    assert still.order is None and still.failure.status == IntakeFailure.Status.DEAD
    assert still.failure.attempts == 2

    sku_alias_set(account=world.store, external_sku="THEIR-MUG", variant=variant, channel=channel)
    first = intake_replay(failure=dead, by=world.agent)
    second = intake_replay(failure=dead, by=world.agent)

    assert first.order is not None and second.order == first.order
    assert Order.objects.filter(account=world.store).count() == 1
    order = first.order
    assert (order.external_id, order.channel, order.source) == ("SBX-9", channel, Order.Source.SALES_CHANNEL)
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG-1", 3)]
    dead.refresh_from_db()
    assert (dead.status, dead.order, dead.resolved_by) == (IntakeFailure.Status.REPLAYED, order, world.agent)


def test_replays_at_the_same_instant_make_one_order(committed_org):
    account, _, _ = factories.shop(committed_org, "Replay Shop")
    variant = mug(account)
    channel = sales_channel(account)
    dead = failure(account, channel=channel, external_id="SBX-RACE")
    sku_alias_set(account=account, external_sku="THEIR-MUG", variant=variant, channel=channel)

    results = run_in_parallel(committed_org, [lambda: intake_replay(failure=dead)] * 5)

    connection.set_tenant(committed_org)
    assert all(kind == "ok" for kind, _ in results), results
    orders = list(Order.objects.filter(account=account))
    assert len(orders) == 1
    assert {value.order.pk for _, value in results} == {orders[0].pk}
    dead.refresh_from_db()
    assert dead.status == IntakeFailure.Status.REPLAYED and dead.order == orders[0]
