"""The one entry flow: a good payload becomes one allocated order; a bad one is stored with its reasons."""

from decimal import Decimal

from intake.models import IntakeFailure, Source
from intake.services import intake_replay, intake_submit, sku_alias_set
from inventory.models import StockLevel
from orders.models import Order
from tests import factories


def payload(**changes):
    body = {
        "external_id": "WEB-1001",
        "currency": "USD",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 555 0100"},
        "shipping_address": {
            "name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Boston", "region": "MA",
            "postal_code": "02110", "country": "us",
        },
        "lines": [{"sku": "MUG-1", "quantity": 2, "unit_price": "9.50"}],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }
    body.update(changes)
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
