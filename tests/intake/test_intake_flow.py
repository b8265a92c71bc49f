"""The one entry flow: a good payload becomes one allocated order; a bad one is stored with its reasons."""

from decimal import Decimal

from accounts.services import account_update
from intake.models import IntakeFailure, Source
from intake.services import intake_replay, intake_submit, sku_alias_set
from inventory.models import StockLevel
from orders.models import Order
from orders.services.rules import order_rule_save
from tests import factories
from tests.api.conftest import order_payload


def payload(**changes):
    """The API's sample order, its country written in lower case (intake upper-cases it)."""
    body = order_payload(**changes)
    if "shipping_address" not in changes:
        body["shipping_address"] = {**body["shipping_address"], "country": "us"}
    return body


def test_good_payload_becomes_one_allocated_order(world):
    variant = factories.VariantFactory(account=world.store, sku="MUG-1", price=Decimal("12.00"))
    factories.stock(variant, world.store.default_warehouse, 10)

    result = intake_submit(account=world.store, payload=payload(), source=Source.API)

    assert result.accepted, result.problems
    order = result.order
    assert order.status == Order.Status.ALLOCATED
    assert order.source == Order.Source.API and order.external_id == "WEB-1001"
    assert order.shipping_country == "US" and order.total == Decimal("19.00")
    assert StockLevel.objects.get(variant=variant).allocated == 2

    again = intake_submit(account=world.store, payload=payload(), source=Source.API)
    assert again.duplicate_of == order and again.order is None
    assert Order.objects.filter(account=world.store).count() == 1


def test_unknown_sku_is_stored_then_mapped_and_replayed_into_one_order(world):
    variant = factories.VariantFactory(account=world.store, sku="MUG-1")
    result = intake_submit(account=world.store, payload=payload(lines=[{"sku": "THEIR-MUG", "quantity": 1}]), source=Source.API)

    assert not result.accepted
    failure = result.failure
    assert failure.status == IntakeFailure.Status.DEAD
    assert [r["code"] for r in failure.reasons] == ["unknown_sku"]
    assert "THEIR-MUG" in failure.reasons[0]["message"]

    sku_alias_set(account=world.store, external_sku="their-mug", variant=variant)
    replayed = intake_replay(failure=failure)
    assert replayed.accepted
    assert intake_replay(failure=failure).order == replayed.order
    assert Order.objects.filter(account=world.store).count() == 1
    failure.refresh_from_db()
    assert failure.status == IntakeFailure.Status.REPLAYED and failure.order == replayed.order


def test_an_order_a_rule_holds_is_still_taken_when_stock_is_short(world):
    account_update(account=world.store, changes={"auto_sales_order_workflow": True}, by=world.admin)
    world.store.refresh_from_db()
    variant = factories.VariantFactory(account=world.store, sku="MUG-1")
    factories.stock(variant, world.store.default_warehouse, 1)
    order_rule_save(account=world.store, by=None, name="Hold all", conditions=[], actions=[{"type": "hold"}])

    result = intake_submit(account=world.store, payload=payload(), source=Source.API)  # 2 wanted, 1 on hand

    assert result.accepted, result.problems
    order = Order.objects.get(pk=result.order.pk)
    assert order.status == Order.Status.OPEN  # on hold would mean holding stock it does not have
    assert order.flags == ["Not allocated: not enough stock in MAIN of MUG-1 (2 wanted, 1 available)."]
    assert order.events.get(kind="created").data["rules"] == ["Rule “Hold all”: on hold"]
    assert StockLevel.objects.get(variant=variant).allocated == 0
    assert not IntakeFailure.objects.filter(account=world.store).exists()
