"""A clone equals its source in every field not overridden, differs exactly where overridden, and its history
names exactly what differs: checked over generated orders and override sets (hypothesis).

Each example writes its source order and clone inside a savepoint that is rolled back, so examples never see
each other's orders or stock; the account, catalog and stock come once from the `shop` fixture."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Prefetch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import ADDRESS_FIELDS, Order, OrderEvent, OrderLine, Promotion, Variant
from orders.pricing import money
from orders.services.clone import CloneLine, order_clone
from tests.factories import ADDRESS, VariantFactory, make_order, stock

SKUS = [f"PROP-{i}" for i in range(6)]
CODES = ["SPRING10", "SAVE2"]  # both valid today (SPRING10 from the shop fixture, SAVE2 added here)


class _Rollback(Exception):
    """Raised at the end of an example to undo everything it wrote."""


@dataclass
class Catalog:
    shop: object
    variants: dict  # sku -> Variant


@pytest.fixture
def catalog(shop) -> Catalog:
    product = shop.variants[0].product
    variants = {sku: VariantFactory(product=product, sku=sku, name=sku, price=Decimal("10.00")) for sku in SKUS}
    for variant in variants.values():
        stock(variant, shop.warehouse, 1000)
        stock(variant, shop.other_warehouse, 1000)
    Promotion.objects.create(account=shop.account, name="Save 2", kind="fixed", value=2, code="SAVE2",
                             valid_from=dt.date.today() - dt.timedelta(days=30))
    return Catalog(shop, variants)


# Strategies -------------------------------------------------------------------------------------------------

words = st.lists(st.sampled_from(["North", "Old", "Mill", "Lane", "7", "Bay", "Elm", "Quay", "B2", "Hill"]),
                 min_size=1, max_size=3).map(" ".join)
ADDRESS_VALUES = {
    "name": words, "line1": words, "line2": st.one_of(st.just(""), words), "city": words,
    "region": st.one_of(st.just(""), words), "postal_code": words.map(lambda w: w[:20]),
    "country": st.sampled_from(["GB", "US", "DE", "FR"]),
}


@st.composite
def edits_of_an_address(draw) -> dict[str, str]:
    fields = draw(st.sets(st.sampled_from(ADDRESS_FIELDS), min_size=1))
    return {name: draw(ADDRESS_VALUES[name]) for name in sorted(fields)}


@st.composite
def source_orders(draw) -> dict:
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=6, unique=True))
    return {
        "lines": [(sku, draw(st.integers(1, 5))) for sku in skus],
        "prices": {sku: draw(st.decimals("0.50", "250.00", places=2)) for sku in skus},
        "codes": draw(st.sampled_from([[], ["SPRING10"], ["SAVE2"]])),
        "shipping_method": draw(st.sampled_from(["ground", "express", None])),
        "tax": draw(st.sampled_from(["ny_tax", "ca_tax", None])),
        "customer_name": draw(words),
        "customer_phone": draw(st.sampled_from(["", "+44 20 7946 0000"])),
        "notes": draw(st.sampled_from(["", "Leave at the door", "Gift wrap"])),
    }


@st.composite
def override_sets(draw, source: dict) -> dict:
    """A random subset of the overridable things; values may happen to equal the source's."""
    chosen = draw(st.sets(st.sampled_from(
        ["shipping", "billing", "discount_codes", "shipping_method", "tax_jurisdiction", "warehouse", "lines",
         "pricing"])))
    out = {}
    if "shipping" in chosen:
        out["shipping"] = draw(edits_of_an_address())
    if "billing" in chosen:
        out["billing"] = draw(edits_of_an_address())
    if "discount_codes" in chosen:
        out["discount_codes"] = draw(st.sampled_from([[], ["SPRING10"], ["SAVE2"], ["save2", "SPRING10"]]))
    if "shipping_method" in chosen:
        out["shipping_method"] = draw(st.sampled_from(["ground", "express", None]))
    if "tax_jurisdiction" in chosen:
        out["tax_jurisdiction"] = draw(st.sampled_from(["ny_tax", "ca_tax", None]))
    if "warehouse" in chosen:
        out["warehouse"] = draw(st.sampled_from(["warehouse", "other_warehouse"]))
    if "lines" in chosen:
        kept = draw(st.lists(st.sampled_from(source["lines"]), min_size=1, unique=True))
        kept_skus = {sku for sku, _ in kept}
        out["lines"] = [
            (sku, draw(st.one_of(st.just(qty), st.integers(1, 9))))
            for sku, qty in source["lines"] if sku in kept_skus  # in the source's order
        ]
    if "pricing" in chosen:
        out["pricing"] = draw(st.sampled_from(["keep", "reprice"]))
    return out


@st.composite
def cases(draw):
    source = draw(source_orders())
    return source, draw(override_sets(source))


# The property -----------------------------------------------------------------------------------------------

CUSTOMER_FIELDS = ["customer_name", "customer_email", "customer_phone", "notes", "currency"]


def _fresh(order: Order) -> Order:
    return (
        Order.objects.select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant")))
        .get(pk=order.pk)
    )


def _check(catalog: Catalog, spec: dict, overrides_spec: dict) -> None:
    shop = catalog.shop
    for sku, price in spec["prices"].items():
        Variant.objects.filter(pk=catalog.variants[sku].pk).update(price=price)
        catalog.variants[sku].price = price
    named = lambda name: getattr(shop, name) if name else None  # noqa: E731
    source = _fresh(make_order(
        shop.account,
        [(catalog.variants[sku], qty) for sku, qty in spec["lines"]],
        warehouse=shop.warehouse,
        codes=spec["codes"],
        shipping_method=named(spec["shipping_method"]),
        tax_jurisdiction=named(spec["tax"]),
        customer_name=spec["customer_name"],
        customer_email=f"{spec['customer_name'].replace(' ', '.').lower()}@example.com",
        customer_phone=spec["customer_phone"],
        notes=spec["notes"],
        billing=dict(ADDRESS, name="Billing Person"),
    ))

    # What the service is asked for.
    overrides: dict = {}
    for prefix in ("shipping", "billing"):
        if prefix in overrides_spec:
            overrides[prefix] = {**source.address(prefix), **overrides_spec[prefix]}
    if "discount_codes" in overrides_spec:
        overrides["discount_codes"] = overrides_spec["discount_codes"]
    for name in ("shipping_method", "tax_jurisdiction", "warehouse"):
        if name in overrides_spec:
            overrides[name] = named(overrides_spec[name])
    lines = [CloneLine(sku, qty) for sku, qty in overrides_spec["lines"]] if "lines" in overrides_spec else None
    pricing = overrides_spec.get("pricing", "keep")

    [clone] = order_clone(source=source, by=None, lines=lines, overrides=overrides, pricing=pricing)
    clone = _fresh(clone)

    # What should differ: exactly the overrides whose value is not the source's.
    expected: set[str] = set()
    for prefix in ("shipping", "billing"):
        for field in ADDRESS_FIELDS:
            want = overrides[prefix][field] if prefix in overrides else getattr(source, f"{prefix}_{field}")
            assert getattr(clone, f"{prefix}_{field}") == want, f"{prefix}_{field}"
            if want != getattr(source, f"{prefix}_{field}"):
                expected.add(f"{prefix}_{field}")
    codes = sorted({c.upper() for c in overrides.get("discount_codes", source.discount_codes)})
    assert clone.discount_codes == codes
    if codes != source.discount_codes:
        expected.add("discount_codes")
    for name in ("shipping_method", "tax_jurisdiction", "warehouse"):
        want = overrides.get(name, getattr(source, name))
        assert getattr(clone, name) == want, name
        if want != getattr(source, name):
            expected.add(name)
    method = clone.shipping_method
    if method == source.shipping_method:
        assert (clone.carrier_code, clone.service_code) == (source.carrier_code, source.service_code)
    else:
        assert (clone.carrier_code, clone.service_code) == ((method.carrier_code, method.service_code) if method
                                                            else ("", ""))
    for field in CUSTOMER_FIELDS:
        assert getattr(clone, field) == getattr(source, field), field
    assert clone.customer_id == source.customer_id and clone.kind == source.kind
    if pricing != "keep":
        expected.add("pricing")

    # Lines: the chosen ones, in order, with their quantities; kept prices where the quantity did not change.
    source_lines = {line.sku: line for line in source.lines.all()}
    wanted_lines = overrides_spec.get("lines", spec["lines"])
    assert [(line.sku, line.quantity) for line in clone.lines.all()] == wanted_lines
    for line in clone.lines.all():
        src = source_lines[line.sku]
        if line.quantity != src.quantity:
            expected.add(f"lines.{line.sku}.quantity")
        if pricing == "keep":
            assert line.unit_price == src.unit_price, line.sku
            if line.quantity == src.quantity:
                assert line.line_discount == src.line_discount, line.sku
                if clone.tax_jurisdiction == source.tax_jurisdiction:
                    assert (line.tax_amount, line.line_total) == (src.tax_amount, src.line_total), line.sku
        else:
            assert line.unit_price == money(catalog.variants[line.sku].price), line.sku
    if set(source_lines) - {sku for sku, _ in wanted_lines}:
        expected.add("lines_not_copied")
    amounts_changed = {e for e in expected if e in ("pricing", "shipping_method", "tax_jurisdiction")
                       or e.startswith("lines")}
    if not amounts_changed:  # addresses, codes (kept prices) and the warehouse change no amount
        totals = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
        assert [getattr(clone, f) for f in totals] == [getattr(source, f) for f in totals]

    # The history of both orders names exactly what differs.
    created = OrderEvent.objects.get(order=clone, kind="created")
    cloned = OrderEvent.objects.get(order=source, kind="cloned")
    assert set(created.data["overridden"]) == expected == set(cloned.data["overridden"])
    for field in expected & {f"{p}_{f}" for p in ("shipping", "billing") for f in ADDRESS_FIELDS}:
        assert created.data["overridden"][field] == [getattr(source, field), getattr(clone, field)]
    assert created.data["cloned_from"] == source.number and created.data["pricing"] == pricing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_a_clone_equals_its_source_except_exactly_where_overridden(catalog, case):
    spec, overrides_spec = case
    try:
        with transaction.atomic():
            _check(catalog, spec, overrides_spec)
            raise _Rollback
    except _Rollback:
        pass


# Keep-prices clones are exact copies of the money ------------------------------------------------------------

REAL_RATES = ["0.08875", "0.0725", "0.04712", "0.047125", "0.06", "0.13", "0.19", "0.21", "0.1", "0"]
ORDER_MONEY = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
LINE_MONEY = ("unit_price", "line_discount", "tax_amount", "line_total")


@st.composite
def priced_orders(draw) -> dict:
    """Any order the pricing produces: lines, list prices, promotions by code, shipping, and a tax rate that is
    real (New York City's 8.875 % among them) or any with up to 4 decimals of a percent."""
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=6, unique=True))
    return {
        "lines": [(sku, draw(st.integers(1, 20))) for sku in skus],
        "prices": {sku: draw(st.decimals("0.01", "999.99", places=2)) for sku in skus},
        "codes": draw(st.sampled_from([[], ["SPRING10"], ["SAVE2"], ["SPRING10", "SAVE2"]])),
        "shipping_method": draw(st.sampled_from(["ground", "express", None])),
        "rate": draw(st.one_of(st.sampled_from(REAL_RATES).map(Decimal),
                               st.decimals("0", "0.25", places=6))),
        "purpose": draw(st.sampled_from(["standard", "correction", "simulation"])),
    }


def _money(order: Order) -> tuple:
    return (tuple(getattr(order, f) for f in ORDER_MONEY),
            [tuple(getattr(line, f) for f in LINE_MONEY) for line in order.lines.all()])


def _check_keep_prices(catalog: Catalog, spec: dict) -> None:
    from orders.models import TaxJurisdiction

    shop = catalog.shop
    for sku, price in spec["prices"].items():
        Variant.objects.filter(pk=catalog.variants[sku].pk).update(price=price)
        catalog.variants[sku].price = price
    # The source is priced with the rate as typed (as the demo and the services do), not as read back.
    jurisdiction = TaxJurisdiction.objects.create(account=shop.account, code="PROP", name="Prop",
                                                  rate=spec["rate"])
    source = _fresh(make_order(
        shop.account,
        [(catalog.variants[sku], qty) for sku, qty in spec["lines"]],
        warehouse=shop.warehouse,
        codes=spec["codes"],
        shipping_method=getattr(shop, spec["shipping_method"]) if spec["shipping_method"] else None,
        tax_jurisdiction=jurisdiction,
    ))

    [kept] = order_clone(source=source, by=None, pricing="keep", purpose=spec["purpose"])
    # Re-priced on the same day at the same list prices, the stored rate must give the source's tax again.
    [repriced] = order_clone(source=source, by=None, pricing="reprice", purpose="simulation")

    assert _money(_fresh(kept)) == _money(source)
    assert _money(_fresh(repriced)) == _money(source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=priced_orders())
def test_a_keep_prices_clone_equals_its_source_to_the_cent_in_every_money_column(catalog, spec):
    try:
        with transaction.atomic():
            _check_keep_prices(catalog, spec)
            raise _Rollback
    except _Rollback:
        pass
