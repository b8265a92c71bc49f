"""A rejected shipment, fixed, is replayed through the shipment flow: one shipment, the failure resolved."""

from accounts.choices import ValidationLevel
from intake.services import shipment_submit
from intake.models import IntakeFailure
from intake.services import intake_replay
from orders.models import Order, Shipment
from tests import factories


def test_a_rejected_shipment_replayed_after_the_rule_changes_becomes_one_shipment(world):
    account = world.store
    account.shipment_carrier_rule = ValidationLevel.ERROR
    account.save(update_fields=["shipment_carrier_rule"])
    mug = factories.VariantFactory(account=account, sku="MUG-1")
    factories.stock(mug, account.default_warehouse, 5)
    order = factories.make_order(account, [(mug, 2)], warehouse=account.default_warehouse)

    rejected = shipment_submit(account=account, payload={"order": order.number, "service_code": "GROUND"})
    assert not rejected.accepted
    assert [r["code"] for r in rejected.failure.reasons] == ["missing_carrier_code"]

    account.shipment_carrier_rule = ValidationLevel.WARNING
    account.save(update_fields=["shipment_carrier_rule"])
    result = intake_replay(failure=rejected.failure)
    again = intake_replay(failure=rejected.failure)

    assert result.accepted and result.order == order
    assert again.order == order
    assert Shipment.objects.filter(order=order).count() == 1
    failure = IntakeFailure.objects.get(pk=rejected.failure.pk)
    assert failure.status == IntakeFailure.Status.REPLAYED and failure.order == order
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
