"""Every intake validation rule: a rejected payload names the code, the field and the problem in words, and is
kept as one IntakeFailure with every reason; the carrier/service rules as Warning or Error, account-wide or
overridden by a channel; a stock shortage never loses an order."""

from decimal import Decimal

import pytest

from accounts.choices import ValidationLevel
from intake.models import Document, IntakeFailure, SkuAlias, Source
from intake.services import intake_submit
from intake.validation import rule_level
from inventory.models import StockLevel, StockMovement
from orders.models import Order, ShippingMethod
from tests import factories

WARNING, ERROR = ValidationLevel.WARNING, ValidationLevel.ERROR


def payload(**changes):
    body = {
        "external_id": "WEB-2001",
        "order_date": "2026-11-23",
        "currency": "USD",
        "customer": {"name": "Jane Doe", "email": "jane.doe@example.com"},
        "shipping_address": {
            "name": "Jane Doe", "line1": "123 Main Street", "city": "Boston", "region": "MA",
            "postal_code": "02110", "country": "US",
        },
        "lines": [{"sku": "MUG-BLUE", "quantity": 2, "unit_price": "9.50"}],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }
    body.update(changes)
    return body


def line(**changes):
    return [{"sku": "MUG-BLUE", "quantity": 2, "unit_price": "9.50", **changes}]


def address(**changes):
    return {**payload()["shipping_address"], **changes}


@pytest.fixture
def shop(world):
    account = world.store
    product = factories.ProductFactory(account=account, name="Mug")
    mug = factories.VariantFactory(product=product, sku="MUG-BLUE", price=Decimal("12.00"))
    factories.VariantFactory(product=product, sku="MUG-OLD", is_active=False)
    retired = factories.ProductFactory(account=account, name="Retired", is_active=False)
    factories.VariantFactory(product=retired, sku="RETIRED-1")
    factories.stock(mug, account.default_warehouse, 50)
    east = factories.WarehouseFactory(account=account, name="East", code="EAST")
    factories.stock(mug, east, 50)
    factories.WarehouseFactory(account=account, name="Closed", code="CLOSED", is_active=False)
    ShippingMethod.objects.create(account=account, code="UPS-GROUND", name="UPS Ground", price=Decimal("0"),
                                  carrier_code="UPS", service_code="GROUND")
    ShippingMethod.objects.create(account=account, code="OLD-POST", name="Old post", price=Decimal("0"),
                                  carrier_code="POST", service_code="SLOW", is_active=False)
    channel = factories.ChannelFactory(account=account, name="Marketplace", order_format="oms")
    channel.warehouses.set([account.default_warehouse])
    return account


def channel_of(account):
    return account.channels.get(name="Marketplace")


def set_rules(obj, **rules):
    for name, level in rules.items():
        setattr(obj, name, level)
    obj.save(update_fields=list(rules))


def submit(account, body, *, via_channel=False):
    channel = channel_of(account) if via_channel else None
    return intake_submit(account=account, payload=body, source=None if via_channel else Source.API, channel=channel)


def assert_rejected(result, account, code, field, words):
    """Rejected, with the reason stored once; returns the stored reasons."""
    assert not result.accepted and result.order is None
    assert (code, field) in [(p.code, p.field) for p in result.errors], result.problems
    failure = IntakeFailure.objects.get(account=account)
    assert failure == result.failure and failure.document == Document.SALES_ORDER
    reason = next(r for r in failure.reasons if (r["code"], r["field"]) == (code, field))
    assert words in reason["message"], reason["message"]
    assert reason["message"].endswith(".") and "None" not in reason["message"]
    assert not Order.objects.filter(account=account).exists()
    return failure.reasons


# Completeness ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, code, field, words",
    [
        ({"lines": []}, "required", "lines", "The order has no lines."),
        ({"lines": None}, "required", "lines", "The order has no lines."),
        ({"customer": {"email": "jane.doe@example.com"}, "shipping_address": address(name="")},
         "required", "customer.name", "The order has no customer name."),
        ({"shipping_address": address(line1="")}, "required", "shipping_address.line1",
         "The shipping address has no first address line."),
        ({"shipping_address": address(city="  ")}, "required", "shipping_address.city",
         "The shipping address has no city."),
        ({"shipping_address": address(postal_code=None)}, "required", "shipping_address.postal_code",
         "The shipping address has no postal code."),
        ({"shipping_address": address(country="")}, "required", "shipping_address.country",
         "The shipping address has no country."),
        ({"shipping_address": None}, "required", "shipping_address.line1", "has no first address line"),
        ({"billing_address": address(city="")}, "required", "billing_address.city", "The billing address has no city."),
        ({"lines": line(sku="")}, "required", "lines[0].sku", "Line 1 has no SKU."),
    ],
)
def test_incomplete_orders_are_rejected(shop, changes, code, field, words):
    assert_rejected(submit(shop, payload(**changes)), shop, code, field, words)


def test_a_channel_order_without_an_id_is_rejected(shop):
    result = submit(shop, payload(external_id=""), via_channel=True)
    assert_rejected(result, shop, "required", "external_id", "The order from Marketplace has no order id.")
    assert result.failure.channel == channel_of(shop) and result.failure.source == Source.CHANNEL
    assert result.failure.status == IntakeFailure.Status.RETRYING  # channel imports are retried


def test_an_api_order_may_come_without_an_id(shop):
    assert submit(shop, payload(external_id="")).accepted


# References ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, code, field, words",
    [
        ({"lines": line(sku="NOPE-1")}, "unknown_sku", "lines[0].sku",
         "Line 1: SKU “NOPE-1” is not a product of Acme Corporation Store. Map it to one of its SKUs"),
        ({"lines": line(sku="mug-blue")}, "unknown_sku", "lines[0].sku", "“mug-blue”"),  # SKUs keep their case
        ({"lines": line(sku="MUG-OLD")}, "inactive_sku", "lines[0].sku", "Line 1: SKU MUG-OLD is not for sale"),
        ({"lines": line(sku="RETIRED-1")}, "inactive_sku", "lines[0].sku", "SKU RETIRED-1 is not for sale"),
        ({"warehouse": "NOWHERE"}, "unknown_warehouse", "warehouse",
         "Warehouse “NOWHERE” is not an active warehouse of Acme Corporation Store."),
        ({"warehouse": "CLOSED"}, "unknown_warehouse", "warehouse", "“CLOSED” is not an active warehouse"),
        ({"shipping_method": "TELEPORT"}, "unknown_shipping_method", "shipping_method",
         "Shipping method “TELEPORT” is unknown."),
        ({"shipping_method": "OLD-POST"}, "unknown_shipping_method", "shipping_method", "“OLD-POST” is unknown"),
    ],
)
def test_unknown_references_are_rejected(shop, changes, code, field, words):
    assert_rejected(submit(shop, payload(**changes)), shop, code, field, words)


def test_a_warehouse_not_mapped_to_the_channel_is_rejected(shop):
    result = submit(shop, payload(warehouse="EAST"), via_channel=True)
    assert_rejected(result, shop, "warehouse_not_mapped", "warehouse",
                    "Warehouse EAST is not mapped to channel Marketplace.")


def test_a_warehouse_by_code_is_used_when_allowed(shop):
    result = submit(shop, payload(warehouse="east"))
    assert result.accepted and result.order.warehouse.code == "EAST"
    assert StockLevel.objects.get(warehouse__code="EAST", account=shop).allocated == 2


def test_a_channel_of_another_account_is_rejected(shop, world):
    foreign = factories.ChannelFactory(account=world.outlet, name="Outlet market", order_format="oms")
    result = intake_submit(account=shop, payload=payload(), channel=foreign)
    assert_rejected(result, shop, "unknown_channel", "channel", "Channel Outlet market is not a channel of")


def test_a_sku_alias_maps_their_sku_and_the_channels_own_beats_the_account_wide_one(shop):
    mug = shop.variants.get(sku="MUG-BLUE")
    tee = factories.VariantFactory(account=shop, product=mug.product, sku="TEE-M")
    factories.stock(tee, shop.default_warehouse, 10)
    SkuAlias.objects.create(account=shop, external_sku="THEIR-1", variant=mug)
    SkuAlias.objects.create(account=shop, channel=channel_of(shop), external_sku="their-1", variant=tee)

    from_api = submit(shop, payload(external_id="A-1", lines=line(sku="THEIR-1")))
    from_channel = submit(shop, payload(external_id="C-1", lines=line(sku="THEIR-1")), via_channel=True)

    assert from_api.accepted and from_channel.accepted
    assert list(from_api.order.lines.values_list("sku", flat=True)) == ["MUG-BLUE"]
    assert list(from_channel.order.lines.values_list("sku", flat=True)) == ["TEE-M"]  # matched whatever the case


# Values --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, code, field, words",
    [
        ({"lines": line(quantity=0)}, "invalid_quantity", "lines[0].quantity",
         "Line 1: quantity “0” is not a whole number from 1 to 100,000."),
        ({"lines": line(quantity=-1)}, "invalid_quantity", "lines[0].quantity", "quantity “-1” is not a whole number"),
        ({"lines": line(quantity="abc")}, "invalid_quantity", "lines[0].quantity", "quantity “abc” is not"),
        ({"lines": line(quantity=1.5)}, "invalid_quantity", "lines[0].quantity", "quantity “1.5” is not"),
        ({"lines": line(quantity=100_001)}, "invalid_quantity", "lines[0].quantity", "“100001” is not a whole number"),
        ({"lines": line(quantity=True)}, "invalid_quantity", "lines[0].quantity", "is not a whole number"),
        ({"lines": line(quantity=None)}, "invalid_quantity", "lines[0].quantity", "Line 1 has no quantity."),
        ({"lines": line(unit_price="x")}, "invalid_price", "lines[0].unit_price",
         "Line 1: price “x” is not an amount from 0 to 999,999.99."),
        ({"lines": line(unit_price="-1.00")}, "invalid_price", "lines[0].unit_price", "price “-1.00” is not an amount"),
        ({"lines": line(unit_price="NaN")}, "invalid_price", "lines[0].unit_price", "price “NaN” is not an amount"),
        ({"lines": line(unit_price="1e9")}, "invalid_price", "lines[0].unit_price", "price “1e9” is not an amount"),
        ({"currency": "US$"}, "invalid_currency", "currency",
         "“US$” is not a currency code; use a three-letter ISO 4217 code such as USD."),
        ({"currency": "dollars"}, "invalid_currency", "currency", "“DOLLARS” is not a currency code"),
        ({"currency": "XYZ"}, "invalid_currency", "currency", "“XYZ” is not a currency code"),
        ({"shipping_address": address(country="USA")}, "invalid_country", "shipping_address.country",
         "Shipping address: “USA” is not a country code; use a two-letter ISO code such as US."),
        ({"shipping_address": address(country="XX")}, "invalid_country", "shipping_address.country", "“XX” is not"),
        ({"shipping_address": address(country="1A")}, "invalid_country", "shipping_address.country", "“1A” is not"),
        ({"customer": {"name": "Jane Doe", "email": "jane@"}}, "invalid_email", "customer.email",
         "“jane@” is not an email address."),
        ({"order_date": "2026-02-30"}, "invalid_date", "order_date", "“2026-02-30” is not a date (YYYY-MM-DD)."),
        ({"order_date": "yesterday"}, "invalid_date", "order_date", "“yesterday” is not a date"),
    ],
)
def test_bad_values_are_rejected(shop, changes, code, field, words):
    assert_rejected(submit(shop, payload(**changes)), shop, code, field, words)


def test_every_reason_is_kept_in_one_failure(shop):
    body = payload(
        currency="US$",
        customer={"name": "Jane Doe", "email": "jane@"},
        lines=[
            {"sku": "NOPE-1", "quantity": 1},
            {"sku": "MUG-BLUE", "quantity": "abc"},
            {"sku": "MUG-OLD", "quantity": 1, "unit_price": "x"},
        ],
    )
    result = submit(shop, body)

    assert not result.accepted
    failure = IntakeFailure.objects.get(account=shop)
    assert sorted((r["code"], r["field"]) for r in failure.reasons) == sorted([
        ("invalid_currency", "currency"),
        ("invalid_email", "customer.email"),
        ("unknown_sku", "lines[0].sku"),
        ("invalid_quantity", "lines[1].quantity"),
        ("invalid_price", "lines[2].unit_price"),
        ("inactive_sku", "lines[2].sku"),
    ])
    assert failure.payload == body and failure.status == IntakeFailure.Status.DEAD
    assert failure.external_id == "WEB-2001" and failure.line_count == 3
    assert not Order.objects.filter(account=shop).exists()


# Carrier and service codes -----------------------------------------------------------------------------

CODE_CASES = [
    # (kind, payload changes, code, words)
    ("carrier", {"carrier_code": ""}, "missing_carrier_code", "The sales order has no carrier code."),
    ("carrier", {"carrier_code": "dhl"}, "unknown_carrier_code",
     "Carrier code “DHL” is not one of the account's shipping methods (UPS)."),
    ("carrier", {"carrier_code": "POST"}, "unknown_carrier_code", "“POST” is not one"),  # only active methods count
    ("service", {"service_code": None}, "missing_service_code", "The sales order has no service code."),
    ("service", {"service_code": "EXPRESS"}, "unknown_service_code",
     "Service code “EXPRESS” is not one of the account's shipping methods (GROUND)."),
]


@pytest.mark.parametrize("kind, changes, code, words", CODE_CASES)
def test_code_rule_as_warning_accepts_and_flags_the_order(shop, kind, changes, code, words):
    set_rules(shop, **{f"sales_order_{kind}_rule": WARNING})
    result = submit(shop, payload(**changes))

    assert result.accepted
    assert [(p.code, p.field, p.severity) for p in result.problems] == [(code, f"{kind}_code", "warning")]
    order = Order.objects.get(pk=result.order.pk)
    assert any(words in flag for flag in order.flags), order.flags
    assert order.status == Order.Status.ALLOCATED
    assert not IntakeFailure.objects.filter(account=shop).exists()


@pytest.mark.parametrize("kind, changes, code, words", CODE_CASES)
def test_code_rule_as_error_rejects_and_stores_the_order(shop, kind, changes, code, words):
    set_rules(shop, **{f"sales_order_{kind}_rule": ERROR})
    result = submit(shop, payload(**changes))
    reasons = assert_rejected(result, shop, code, f"{kind}_code", words)
    assert [r["code"] for r in reasons] == [code]


@pytest.mark.parametrize("kind", ["carrier", "service"])
def test_codes_are_not_judged_against_shipping_methods_when_the_account_has_none(shop, kind):
    ShippingMethod.objects.filter(account=shop).delete()
    set_rules(shop, **{f"sales_order_{kind}_rule": ERROR})
    result = submit(shop, payload(carrier_code="DHL", service_code="EXPRESS"))
    assert result.accepted and result.problems == [] and result.order.flags == []


def test_a_shipping_method_supplies_the_carrier_and_service(shop):
    set_rules(shop, sales_order_carrier_rule=ERROR, sales_order_service_rule=ERROR)
    result = submit(shop, payload(carrier_code="", service_code="", shipping_method="ups-ground"))
    assert result.accepted, result.problems
    assert (result.order.carrier_code, result.order.service_code) == ("UPS", "GROUND")


@pytest.mark.parametrize("kind", ["carrier", "service"])
def test_a_channel_error_overrides_the_accounts_warning(shop, kind):
    set_rules(shop, **{f"sales_order_{kind}_rule": WARNING})
    set_rules(channel_of(shop), **{f"sales_order_{kind}_rule": ERROR})
    body = payload(**{f"{kind}_code": ""})

    from_channel = submit(shop, body, via_channel=True)
    assert_rejected(from_channel, shop, f"missing_{kind}_code", f"{kind}_code", f"has no {kind} code")

    from_api = submit(shop, body)  # the account's own rule still holds outside the channel
    assert from_api.accepted and from_api.order.flags == [f"The sales order has no {kind} code."]


@pytest.mark.parametrize("kind", ["carrier", "service"])
def test_a_channel_warning_overrides_the_accounts_error(shop, kind):
    set_rules(shop, **{f"sales_order_{kind}_rule": ERROR})
    set_rules(channel_of(shop), **{f"sales_order_{kind}_rule": WARNING})
    body = payload(**{f"{kind}_code": "NOPE"})

    from_api = submit(shop, body)  # the account's own rule holds outside the channel
    assert_rejected(from_api, shop, f"unknown_{kind}_code", f"{kind}_code", "“NOPE” is not one")

    from_channel = submit(shop, body, via_channel=True)
    assert from_channel.accepted
    assert from_channel.order.flags == [
        f"{kind.capitalize()} code “NOPE” is not one of the account's shipping methods "
        f"({'UPS' if kind == 'carrier' else 'GROUND'})."
    ]


def test_a_blank_channel_rule_follows_the_account(shop):
    set_rules(shop, sales_order_carrier_rule=ERROR)
    result = submit(shop, payload(carrier_code=""), via_channel=True)
    assert_rejected(result, shop, "missing_carrier_code", "carrier_code", "has no carrier code")


def test_a_channel_override_is_for_its_sales_orders_only(shop):
    channel = channel_of(shop)
    set_rules(channel, sales_order_carrier_rule=ERROR)
    set_rules(shop, shipment_carrier_rule=WARNING, receipt_service_rule=ERROR)
    assert rule_level(account=shop, document=Document.SALES_ORDER, code_kind="carrier", channel=channel) == ERROR
    assert rule_level(account=shop, document=Document.SHIPMENT, code_kind="carrier", channel=channel) == WARNING
    assert rule_level(account=shop, document=Document.RECEIPT, code_kind="service", channel=channel) == ERROR
    assert rule_level(account=shop, document=Document.SALES_ORDER, code_kind="carrier") == WARNING


# Stock ---------------------------------------------------------------------------------------------------


def test_a_stock_shortage_takes_the_order_open_flagged_and_unallocated(shop):
    mug = shop.variants.get(sku="MUG-BLUE")
    tee = factories.VariantFactory(account=shop, product=mug.product, sku="TEE-M")
    factories.stock(tee, shop.default_warehouse, 1)
    body = payload(lines=[{"sku": "TEE-M", "quantity": 3}, {"sku": "MUG-BLUE", "quantity": 2}])

    result = submit(shop, body)

    assert result.accepted and result.failure is None
    order = Order.objects.get(pk=result.order.pk)
    assert order.status == Order.Status.OPEN
    assert order.flags == ["Not allocated: not enough stock in MAIN of TEE-M (3 wanted, 1 available)."]
    assert order.lines.count() == 2 and order.total == Decimal("19.99") * 3 + Decimal("12.00") * 2  # list prices
    assert not StockLevel.objects.filter(account=shop, allocated__gt=0).exists()  # all or nothing
    assert not StockMovement.objects.filter(account=shop, kind=StockMovement.Kind.ALLOCATION).exists()
    assert not IntakeFailure.objects.filter(account=shop).exists()


def test_values_longer_than_their_columns_are_rejected_not_a_database_error(world):
    from intake.services import intake_submit as submit

    body = {
        "external_id": "LONG-1",
        "customer": {"name": "Ada"},
        "shipping_address": {"name": "Ada", "line1": "1 St", "city": "C" * 101, "postal_code": "9" * 21,
                             "country": "US"},
        "lines": [{"sku": "NOPE", "quantity": 1}],
        "carrier_code": "X" * 31,
    }
    result = submit(account=world.store, payload=body, source="api")
    fields = {p.field for p in result.errors if p.code == "too_long"}
    assert fields == {"shipping_address.city", "shipping_address.postal_code", "carrier_code"}
