"""Values at the edge of what the database holds are refused as intake problems (kept, never a 500); a
client's corrected resend resolves the earlier rejected copy."""

from decimal import Decimal

from intake.models import IntakeFailure, Source
from intake.services import intake_replay, intake_submit
from orders.models import Order
from tests import factories


def body(**changes) -> dict:
    payload = {
        "external_id": "EDGE-1",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "shipping_address": {"name": "Ada", "line1": "1 St", "city": "Boston", "postal_code": "02110", "country": "US"},
        "lines": [{"sku": "MUG-1", "quantity": 1}],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }
    payload.update(changes)
    return payload


def test_an_email_longer_than_its_column_is_a_problem_not_a_database_error(world):
    factories.VariantFactory(account=world.store, sku="MUG-1")
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"
    assert len(email) > 254

    result = intake_submit(account=world.store, payload=body(customer={"name": "Ada", "email": email}), source=Source.API)

    assert not result.accepted
    assert ("too_long", "customer.email") in {(p.code, p.field) for p in result.errors}


def test_totals_the_columns_cannot_hold_are_refused_line_by_line(world):
    factories.VariantFactory(account=world.store, sku="MUG-1", price=Decimal("10.00"))
    lines = [{"sku": "MUG-1", "quantity": 100_000, "unit_price": "999999.99"}] * 12

    result = intake_submit(account=world.store, payload=body(lines=lines), source=Source.API)

    assert not result.accepted and result.failure is not None
    assert {p.code for p in result.errors} == {"too_large"}
    assert not Order.objects.filter(account=world.store).exists()


def test_nul_characters_from_a_channel_are_dropped_before_anything_is_stored(world):
    factories.VariantFactory(account=world.store, sku="MUG-1")
    channel = factories.ChannelFactory(account=world.store, name="Web", order_format="oms")

    result = intake_submit(
        account=world.store, payload=body(notes="gift\x00wrap", lines=[{"sku": "NOPE\x00", "quantity": 1}]),
        channel=channel, source=Source.CHANNEL,
    )

    assert result.failure is not None
    assert result.failure.payload["notes"] == "giftwrap"
    assert result.failure.payload["lines"][0]["sku"] == "NOPE"


def test_a_corrected_resend_resolves_the_rejected_copy_so_a_later_replay_creates_nothing(world):
    factories.VariantFactory(account=world.store, sku="MUG-1")
    rejected = intake_submit(account=world.store, payload=body(lines=[{"sku": "OLD-MUG", "quantity": 1}]), source=Source.API)
    assert rejected.failure.status == IntakeFailure.Status.DEAD

    fixed = intake_submit(account=world.store, payload=body(), source=Source.API)
    assert fixed.accepted

    failure = IntakeFailure.objects.get(pk=rejected.failure.pk)
    assert failure.status == IntakeFailure.Status.REPLAYED and failure.order == fixed.order
    assert intake_replay(failure=failure).order == fixed.order
    assert Order.objects.filter(account=world.store).count() == 1


def test_a_retried_payload_counts_once_in_the_sources_health(world):
    from intake.models import SourceStats

    factories.VariantFactory(account=world.store, sku="MUG-1")
    channel = factories.ChannelFactory(account=world.store, name="Web", order_format="oms")
    rejected = intake_submit(account=world.store, payload=body(lines=[{"sku": "OLD", "quantity": 1}]),
                             channel=channel, source=Source.CHANNEL)
    for _ in range(3):
        intake_submit(account=world.store, payload=rejected.failure.payload, channel=channel, source=Source.CHANNEL,
                      failure=rejected.failure)

    stats = SourceStats.objects.get(account=world.store, channel=channel)
    assert (stats.accepted, stats.rejected) == (0, 1)
    assert IntakeFailure.objects.get(pk=rejected.failure.pk).attempts == 4
