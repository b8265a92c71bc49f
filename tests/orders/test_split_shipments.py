"""Split shipments across countries: shipping charged as chosen, each order taxed for its destination, the new
orders' lines adding up to the chosen source lines, and a preview that shows every order before anything exists."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import CloneRecord, Order, OrderEvent, ShippingMethod, TaxJurisdiction
from orders.pricing import line_tax
from orders.services.clone import CloneInvalid, Destination, order_clone, order_clone_plan
from tests.factories import make_order

NEW_YORK = {"name": "Ada Lovelace", "line1": "1 Broadway", "line2": "", "city": "New York", "region": "NY",
            "postal_code": "10004", "country": "US"}
TORONTO = {"name": "Tom Chen", "line1": "100 Queen St W", "line2": "", "city": "Toronto", "region": "Ontario",
           "postal_code": "M5H 2N2", "country": "CA"}
MUNICH = {"name": "Maria Huber", "line1": "Marienplatz 1", "line2": "", "city": "Munich", "region": "",
          "postal_code": "80331", "country": "DE"}
PARIS = {"name": "Paul Martin", "line1": "1 Rue de Rivoli", "line2": "", "city": "Paris", "region": "",
         "postal_code": "75001", "country": "FR"}

# What each choice charges the three split orders for the source's 8.00 of shipping.
SHARES = {
    "divide": ["2.68", "2.66", "2.66"],  # 8.00 / 3: the remainder cent(s) on the first order
    "first": ["8.00", "0.00", "0.00"],
    "per_order": ["6.00", "6.00", "6.00"],  # the method's price now (6.00) on each order, not the source's 8.00
}


@pytest.fixture
def source(shop):
    """Shipped to New York, taxed there, 8.00 shipping (the method costs 6.00 now); the account also taxes
    Ontario and Germany."""
    TaxJurisdiction.objects.create(account=shop.account, code="CA-ON", name="Ontario HST", rate=Decimal("0.13"))
    TaxJurisdiction.objects.create(account=shop.account, code="DE", name="Germany VAT", rate=Decimal("0.19"))
    standard = ShippingMethod.objects.create(account=shop.account, code="STD", name="Standard", price=Decimal("8.00"))
    v0, v1, v2 = shop.variants[:3]
    order = make_order(shop.account, [(v0, 4), (v1, 3), (v2, 2)], warehouse=shop.warehouse, shipping=NEW_YORK,
                       billing=NEW_YORK, shipping_method=standard, tax_jurisdiction=shop.ny_tax)
    standard.price = Decimal("6.00")  # repriced since the order
    standard.save(update_fields=["price"])
    order.shipping_method.price = standard.price
    return order


def destinations() -> list[Destination]:
    """TEE-0 and TEE-1 split three ways; TEE-2 is not chosen."""
    return [
        Destination(TORONTO, {"TEE-0": 1, "TEE-1": 1}),
        Destination(MUNICH, {"TEE-0": 2}),
        Destination(PARIS, {"TEE-0": 1, "TEE-1": 2}),
    ]


def written(account) -> tuple[int, int, int]:
    return (Order.objects.filter(account=account).count(), OrderEvent.objects.filter(account=account).count(),
            CloneRecord.objects.filter(account=account).count())


@pytest.mark.parametrize("choice", ["divide", "first", "per_order"])
def test_split_into_countries_charges_shipping_as_chosen_and_taxes_each_destination(shop, world, source, choice):
    orders = order_clone(source=source, by=world.agent, purpose="split", destinations=destinations(),
                         split_shipping=choice)

    assert [str(o.shipping_total) for o in orders] == SHARES[choice]
    if choice != "per_order":
        assert sum(o.shipping_total for o in orders) == source.shipping_total == Decimal("8.00")
    # Ontario and Germany have the account's jurisdictions; France has none, so the source's New York tax stays.
    assert [o.tax_jurisdiction.code for o in orders] == ["CA-ON", "DE", "US-NY"]
    for order in orders:
        rate = order.tax_jurisdiction.rate
        lines = list(order.lines.all())
        assert all(l.tax_amount == line_tax(l.unit_price * l.quantity - l.line_discount, rate) for l in lines)
        assert order.tax_total == sum(l.tax_amount for l in lines)
        assert order.total == order.subtotal - order.discount_total + order.tax_total + order.shipping_total
    # The new orders' lines add up to the chosen source lines: quantities and amounts.
    source_lines = {l.sku: l for l in source.lines.all() if l.sku in ("TEE-0", "TEE-1")}
    new_lines = [l for o in orders for l in o.lines.all()]
    for sku, src in source_lines.items():
        mine = [l for l in new_lines if l.sku == sku]
        assert sum(l.quantity for l in mine) == src.quantity
        assert sum(l.unit_price * l.quantity - l.line_discount for l in mine) == (
            src.unit_price * src.quantity - src.line_discount)
    assert {l.sku for l in new_lines} == set(source_lines)
    # The choice is on record for both sides.
    assert all(o.events.get(kind="created").data["split_shipping"] == choice for o in orders)
    assert source.events.get(kind="cloned").data["split_shipping"] == choice


def test_a_destination_in_the_source_region_keeps_the_source_tax_and_a_region_code_beats_the_country(
    shop, world, source
):
    TaxJurisdiction.objects.create(account=shop.account, code="US", name="US default", rate=Decimal("0.05"))
    albany = dict(NEW_YORK, city="Albany", postal_code="12207", region="New York")
    los_angeles = dict(NEW_YORK, city="Los Angeles", region="CA", postal_code="90012")
    austin = dict(NEW_YORK, city="Austin", region="TX", postal_code="73301")
    plan = order_clone_plan(source=source, purpose="split", destinations=[
        Destination(albany, {"TEE-0": 1}), Destination(los_angeles, {"TEE-0": 1}), Destination(austin, {"TEE-0": 1}),
    ])
    assert not plan.errors
    assert [d.tax_jurisdiction.code for d in plan.drafts] == ["US-NY", "US-CA", "US"]
    assert "as the source" in plan.tax_notes[0] and "(US-CA)" in plan.tax_notes[1] and "(US)" in plan.tax_notes[2]


def test_a_jurisdiction_chosen_on_the_form_taxes_every_split_order(shop, world, source):
    plan = order_clone_plan(source=source, purpose="split", destinations=destinations(),
                            overrides={"tax_jurisdiction": shop.ca_tax})
    assert [d.tax_jurisdiction for d in plan.drafts] == [shop.ca_tax] * 3
    assert all("as chosen for every order" in note for note in plan.tax_notes)


def test_an_unknown_shipping_choice_is_refused_and_writes_nothing(shop, world, source):
    before = written(shop.account)
    with pytest.raises(CloneInvalid) as error:
        order_clone(source=source, by=world.agent, purpose="split", destinations=destinations(),
                    split_shipping="half")
    assert "split_shipping" in error.value.errors
    assert written(shop.account) == before


def test_choosing_jurisdictions_is_one_query_however_many_destinations(shop, world, source):
    def count(places):
        dests = [Destination(place, {"TEE-0": 1}) for place in places]
        with CaptureQueriesContext(connection) as queries:
            plan = order_clone_plan(source=source, purpose="split", destinations=dests)
        assert not plan.errors
        return len([q for q in queries.captured_queries if "orders_taxjurisdiction" in q["sql"]]), len(queries)

    few = count([TORONTO, MUNICH])
    many = count([TORONTO, MUNICH, PARIS, dict(NEW_YORK, region="CA")])  # the source has 4 of TEE-0
    assert few == many and few[0] == 1


# The page: htmx preview and the plain redraw show every new order's totals and write nothing ------------------


def page_data(shop, source, choice="divide") -> dict:
    data = {"purpose": "split", "pricing": "keep", "split_shipping": choice, "destination_count": "3",
            "customer_name": source.customer_name, "customer_email": source.customer_email,
            "shipping_method": source.shipping_method_id, "tax_jurisdiction": source.tax_jurisdiction_id,
            "warehouse": source.warehouse_id, "rejected": "0", "line_TEE-0": "on", "line_TEE-1": "on"}
    for prefix in ("billing", "shipping"):
        data.update({f"{prefix}_{k}": v for k, v in source.address(prefix).items()})
    for i, dest in enumerate(destinations()):
        data.update({f"dest{i}_{k}": v for k, v in dest.shipping.items()})
        data.update({f"dest{i}_qty_{sku}": str(dest.quantities.get(sku, 0)) for sku in ("TEE-0", "TEE-1", "TEE-2")})
    return data


def totals_in(html: str) -> list[str]:
    import re

    return re.findall(r"<dt>Shipping</dt><dd>([\d.]+)</dd>", html)


@pytest.mark.parametrize("how", ["htmx", "redraw"])
def test_the_preview_shows_each_new_order_with_its_shipping_and_tax_and_writes_nothing(shop, world, source, how):
    client = world.client_for(world.agent)
    before = written(shop.account)
    data = page_data(shop, source, choice="divide")
    if how == "htmx":
        url = reverse("order_clone_preview", args=[shop.account.pk, source.number])
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    else:
        url = reverse("order_clone", args=[shop.account.pk, source.number])
        response = client.post(url, {**data, "_redraw": "1"})
    html = response.content.decode()

    assert response.status_code == 200
    assert (how == "htmx") == ("<html" not in html)
    assert html.count('class="draft"') == 3
    assert totals_in(html) == SHARES["divide"]
    assert "Order 1 · Toronto" in html and "Order 3 · Paris" in html
    assert "Ontario HST (13.00%), for its destination (CA-ON)" in html
    assert "Germany VAT (19.00%), for its destination (DE)" in html
    assert "this account has no tax jurisdiction for FR" in html and "New York (8.875%)" in html
    plan = order_clone_plan(source=source, purpose="split", destinations=destinations())
    for draft in plan.drafts:
        assert f"<strong>{draft.priced.total} USD</strong>" in html
    assert written(shop.account) == before


def test_the_page_creates_the_split_with_the_chosen_shipping(shop, world, source):
    client = world.client_for(world.agent)
    response = client.post(reverse("order_clone", args=[shop.account.pk, source.number]),
                           page_data(shop, source, choice="first"))
    assert response.status_code == 302
    orders = Order.objects.filter(account=shop.account, cloned_from=source).order_by("number")
    assert [str(o.shipping_total) for o in orders] == SHARES["first"]
    assert [o.tax_jurisdiction.code for o in orders] == ["CA-ON", "DE", "US-NY"]
