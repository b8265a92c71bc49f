"""The account's API validation rules for purchase orders, shipments and receipts: a missing or unknown
carrier or service code is a Warning (accepted, flagged on the document) or an Error (rejected and stored)."""

import pytest

from accounts.choices import ValidationLevel
from intake.services import purchase_order_submit, receipt_submit, shipment_submit
from intake.models import Document, IntakeFailure
from orders.models import Order, Receipt, Shipment, ShippingMethod
from tests import factories

CODES = {"carrier_code": "UPS", "service_code": "GROUND"}


@pytest.fixture
def mug(world):
    ShippingMethod.objects.create(
        account=world.store, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND"
    )
    variant = factories.VariantFactory(account=world.store, sku="MUG-1")
    factories.stock(variant, world.store.default_warehouse, 10)
    return variant


def purchase_order(world, **changes):
    return purchase_order_submit(
        account=world.store,
        payload={"supplier": "Acme Supplies", "warehouse": "MAIN", "lines": [{"sku": "MUG-1", "quantity": 5}], **CODES, **changes},
    )


def submit(document, world, mug, codes):
    """Submit one document of the kind with `codes` in place of the carrier and service codes."""
    if document == Document.PURCHASE_ORDER:
        return purchase_order(world, **codes)
    if document == Document.SHIPMENT:
        order = factories.make_order(world.store, [(mug, 2)], warehouse=world.store.default_warehouse)
        return shipment_submit(account=world.store, payload={"order": order.number, **codes})
    po = purchase_order(world).obj
    return receipt_submit(
        account=world.store, payload={"purchase_order": po.number, "lines": [{"sku": "MUG-1", "quantity": 5}], **codes}
    )


def created(document, account) -> int:
    if document == Document.PURCHASE_ORDER:
        return Order.objects.filter(account=account, kind=Order.Kind.PURCHASE).count()
    model = Shipment if document == Document.SHIPMENT else Receipt
    return model.objects.filter(account=account).count()


def set_rule(account, document, code_kind, level):
    setattr(account, f"{document}_{code_kind}_rule", level)
    account.save(update_fields=[f"{document}_{code_kind}_rule"])


DOCUMENTS = [Document.PURCHASE_ORDER, Document.SHIPMENT, Document.RECEIPT]
KINDS = ["carrier", "service"]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("code_kind", KINDS)
def test_missing_code_in_warning_mode_is_accepted_and_flagged(world, mug, document, code_kind):
    set_rule(world.store, document, code_kind, ValidationLevel.WARNING)
    codes = {**CODES, f"{code_kind}_code": ""}

    result = submit(document, world, mug, codes)

    assert result.accepted, result.problems
    label = Document(document).label.lower()
    assert result.obj.flags == [f"The {label} has no {code_kind} code."]
    assert [p.code for p in result.problems] == [f"missing_{code_kind}_code"]
    assert not IntakeFailure.objects.filter(account=world.store, document=document).exists()


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("code_kind", KINDS)
def test_missing_code_in_error_mode_is_rejected_and_stored_with_the_reason(world, mug, document, code_kind):
    set_rule(world.store, document, code_kind, ValidationLevel.ERROR)
    codes = {**CODES, f"{code_kind}_code": ""}
    before = created(document, world.store)

    result = submit(document, world, mug, codes)

    assert not result.accepted
    assert created(document, world.store) == before
    failure = IntakeFailure.objects.get(account=world.store, document=document)
    assert failure == result.failure and failure.status == IntakeFailure.Status.DEAD
    label = Document(document).label.lower()
    assert failure.reasons == [
        {"code": f"missing_{code_kind}_code", "field": f"{code_kind}_code", "message": f"The {label} has no {code_kind} code."}
    ]
    assert failure.payload[f"{code_kind}_code"] == ""


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_code_that_is_not_one_of_the_accounts_shipping_methods_follows_the_rule(world, mug, document):
    set_rule(world.store, document, "carrier", ValidationLevel.ERROR)
    rejected = submit(document, world, mug, {**CODES, "carrier_code": "dhl"})
    assert not rejected.accepted
    assert rejected.failure.reasons == [{
        "code": "unknown_carrier_code", "field": "carrier_code",
        "message": "Carrier code “DHL” is not one of the account's shipping methods (UPS).",
    }]

    set_rule(world.store, document, "carrier", ValidationLevel.WARNING)
    flagged = submit(document, world, mug, {**CODES, "carrier_code": "dhl"})
    assert flagged.accepted
    assert flagged.obj.carrier_code == "DHL"
    assert flagged.obj.flags == ["Carrier code “DHL” is not one of the account's shipping methods (UPS)."]


def test_known_codes_in_error_mode_pass_without_flags(world, mug):
    for document in DOCUMENTS:
        for code_kind in KINDS:
            set_rule(world.store, document, code_kind, ValidationLevel.ERROR)
    for document in DOCUMENTS:
        result = submit(document, world, mug, {"carrier_code": "ups", "service_code": "ground"})
        assert result.accepted, result.problems
        assert result.obj.flags == [] and result.problems == []


def test_any_code_is_accepted_when_the_account_has_no_shipping_methods(world, mug):
    ShippingMethod.objects.filter(account=world.store).delete()
    set_rule(world.store, Document.RECEIPT, "carrier", ValidationLevel.ERROR)
    result = submit(Document.RECEIPT, world, mug, {"carrier_code": "FREIGHTCO", "service_code": "LTL"})
    assert result.accepted, result.problems
    assert result.obj.flags == []


def test_each_document_follows_its_own_rule(world, mug):
    set_rule(world.store, Document.SHIPMENT, "carrier", ValidationLevel.ERROR)
    set_rule(world.store, Document.RECEIPT, "carrier", ValidationLevel.WARNING)
    assert not submit(Document.SHIPMENT, world, mug, {"service_code": "GROUND"}).accepted
    assert submit(Document.RECEIPT, world, mug, {"service_code": "GROUND"}).accepted
