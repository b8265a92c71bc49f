"""Tax rates hold every real rate (6 decimals: 4 of a percent) and tax is rounded per line, half up, as
orders/pricing.py says; rates cut to 4 decimals before are recovered from the orders they priced."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders.models import TaxJurisdiction
from orders.pricing import LineInput, price_lines
from tests.factories import ProductFactory, VariantFactory, make_order

rates_migration = importlib.import_module("orders.migrations.0007_tax_rate_precision")


@pytest.fixture
def variants(world):
    product = ProductFactory(account=world.store)
    return {
        price: VariantFactory(product=product, sku=f"P-{price}", price=Decimal(price))
        for price in ("0.10", "12.00", "19.99", "3.33")
    }


def tax(account, *, rate: str, items) -> tuple[list[Decimal], Decimal]:
    jurisdiction = TaxJurisdiction.objects.create(account=account, code=f"T-{rate}", name="Test", rate=Decimal(rate))
    jurisdiction.refresh_from_db()  # the rate as stored, not as typed
    priced = price_lines(account=account, lines=[LineInput(variant=v, quantity=q) for v, q in items],
                         on=account.today(), tax_jurisdiction=jurisdiction, promotions=[])
    return [line.tax_amount for line in priced.lines], priced.tax_total


def test_half_a_cent_of_tax_rounds_up_on_each_line(world, variants):
    # 0.10 at 5 % is 0.005 on each line: half up gives 0.01 a line (half-even would give 0.00), and the order's
    # tax is the sum of its lines' (rounding the order's 0.010 once would also give 0.01, not 0.02).
    lines, total = tax(world.store, rate="0.05", items=[(variants["0.10"], 1), (variants["0.10"], 1)])

    assert lines == [Decimal("0.01"), Decimal("0.01")] and total == Decimal("0.02")


def test_new_york_citys_8_875_percent_is_used_unrounded(world, variants):
    # 12.00 at 8.875 % is 1.065: 1.07 half up (half-even: 1.06); at the old stored 8.88 % it was 1.0656 -> 1.07,
    # and 19.99 at 8.875 % is 1.7741125 -> 1.77 where 8.88 % gave 1.775112 -> 1.78.
    lines, _ = tax(world.store, rate="0.08875", items=[(variants["12.00"], 1), (variants["19.99"], 1)])

    assert lines == [Decimal("1.07"), Decimal("1.77")]


def test_a_rate_is_stored_with_four_decimals_of_a_percent_and_shown_as_a_percent(world):
    rates = {"0.08875": "8.875", "0.0725": "7.25", "0.19": "19.00", "0.047125": "4.7125", "0": "0.00"}
    for rate, percent in rates.items():
        made = TaxJurisdiction.objects.create(account=world.store, code=f"R-{rate}", name="Somewhere",
                                              rate=Decimal(rate))
        stored = TaxJurisdiction.objects.get(pk=made.pk)
        assert stored.rate == Decimal(rate)
        assert str(stored) == f"Somewhere ({percent}%)"


def test_a_rate_with_more_decimals_than_the_column_holds_is_refused_by_validation(world):
    rate = TaxJurisdiction(account=world.store, code="X", name="Too precise", rate=Decimal("0.0887501"))

    with pytest.raises(ValidationError) as error:
        rate.full_clean()

    assert "rate" in error.value.message_dict


def test_a_rate_cut_to_four_decimals_is_recovered_from_the_orders_it_priced(world, variants):
    account = world.store
    new_york = TaxJurisdiction.objects.create(account=account, code="US-NY", name="New York",
                                              rate=Decimal("0.08875"))
    california = TaxJurisdiction.objects.create(account=account, code="US-CA", name="California",
                                                rate=Decimal("0.0725"))
    product = ProductFactory(account=account)
    for n in range(1, 25):
        variant = VariantFactory(product=product, sku=f"R-{n}", price=Decimal(n) + Decimal("0.49"))
        make_order(account, [(variant, 1 + n % 3)], tax_jurisdiction=new_york)
        make_order(account, [(variant, 1)], tax_jurisdiction=california)
    TaxJurisdiction.objects.filter(pk=new_york.pk).update(rate=Decimal("0.0888"))  # as the old column held it

    changed = rates_migration.recover_rates(connection)

    assert changed == [(new_york.pk, Decimal("0.088800"), Decimal("0.088750"))]
    new_york.refresh_from_db()
    california.refresh_from_db()
    assert (new_york.rate, california.rate) == (Decimal("0.08875"), Decimal("0.0725"))


def test_a_rate_no_order_used_is_left_as_it_is(world):
    unused = TaxJurisdiction.objects.create(account=world.store, code="US-NY", name="New York", rate=Decimal("0.0888"))

    assert rates_migration.recover_rates(connection) == []
    unused.refresh_from_db()
    assert unused.rate == Decimal("0.0888")


def test_the_demos_new_york_rate_is_the_real_one_and_its_orders_clone_to_the_cent(db):
    from io import StringIO

    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from accounts.tenancy.models import Organization
    from orders.models import Order
    from orders.services.clone import order_clone

    call_command("seed_demo", force=True, stdout=StringIO(), stderr=StringIO())

    with tenant_context(Organization.objects.get(slug="demo")):
        new_york = TaxJurisdiction.objects.get(account__code="NORTHWIND", code="US-NY")
        assert new_york.rate == Decimal("0.08875") and str(new_york) == "New York (8.875%)"
        with connection.cursor() as cursor:  # every New York line's tax is the stored rate's, to the cent
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE round((unit_price * quantity - line_discount) * %s, 2)"
                " <> tax_amount) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id"
                " WHERE o.tax_jurisdiction_id = %s",
                [new_york.rate, new_york.pk],
            )
            lines, off = cursor.fetchone()
        assert lines > 100 and off == 0
        sources = (Order.objects.filter(tax_jurisdiction=new_york, is_simulation=False)
                   .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer")
                   .prefetch_related("lines__variant").order_by("-id")[:20])
        money = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
        for source in sources:
            [kept] = order_clone(source=source, by=None, purpose="simulation")
            [repriced] = order_clone(source=source, by=None, purpose="simulation", pricing="reprice",
                                     order_date=source.order_date)
            want = [getattr(source, name) for name in money]
            assert [getattr(kept, name) for name in money] == want, source.number
            assert [getattr(repriced, name) for name in money] == want, source.number
