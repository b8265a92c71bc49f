"""Suggestions on the clone form: each appears when its pattern is in the account's orders and not otherwise,
says why, fills the form with one click (with or without JavaScript), creates nothing before submit, and is
recorded with the clone when taken."""

import datetime as dt
from decimal import Decimal

import pytest

from orders.models import CloneRecord, Order, Promotion
from orders.services.clone import CloneLine, order_clone
from orders.suggestions import SUGGESTION_QUERIES, clone_suggestions
from tests.factories import ADDRESS, VariantFactory, make_order, stock
from tests.orders.test_clone_page import clone_url, form_data

EVERGREEN = dict(ADDRESS, line1="742 Evergreen Terrace", city="Springfield", postal_code="49007", country="US")


def fresh(shop):
    return Order.objects.prefetch_related("lines__variant").select_related("account", "warehouse").get(pk=shop.order.pk)


def by_id(shop, **kwargs):
    return {s.id: s for s in clone_suggestions(source=shop.order, **kwargs)}


def later_orders(shop, count, items=None, shipping=None):
    items = items or [(shop.variants[0], 2)]
    return [make_order(shop.account, items, warehouse=shop.warehouse, shipping=dict(shipping or ADDRESS))
            for _ in range(count)]


# Each suggestion: there when its pattern is, not otherwise ---------------------------------------------------------

def test_no_pattern_no_suggestion(shop):
    assert by_id(shop) == {}


def test_a_new_address_since_the_source_is_suggested_with_how_many_orders_went_there(shop):
    later_orders(shop, 3, shipping=EVERGREEN)
    address = by_id(shop)["address"]
    assert address.reason == ("Ada's last 3 orders went to 742 Evergreen Terrace, Springfield, not to "
                              f"12 Analytical St, London as on {shop.order.number}.")
    assert address.changes["shipping_line1"] == "742 Evergreen Terrace" and address.changes["shipping_country"] == "US"


def test_the_same_address_since_the_source_is_no_suggestion(shop):
    later_orders(shop, 3)
    assert "address" not in by_id(shop)


def test_usual_quantities_come_from_at_least_three_orders(shop):
    later_orders(shop, 1, items=[(shop.variants[0], 4)])
    assert "quantities" not in by_id(shop)  # 2 orders hold TEE-0: not yet a habit
    later_orders(shop, 2, items=[(shop.variants[0], 4)])
    quantities = by_id(shop)["quantities"]
    assert quantities.changes == {"purpose": "standard", "qty_TEE-0": "4"}
    assert quantities.reason == f"Ada usually orders 4 of TEE-0 (median of 4 orders; 2 on {shop.order.number})."


def test_a_line_short_in_the_warehouse_suggests_the_warehouse_that_has_every_line(shop):
    assert "warehouse" not in by_id(shop)
    stock(shop.variants[0], shop.warehouse, 3)  # 2 allocated by the source: 1 free, 2 wanted
    warehouse = by_id(shop)["warehouse"]
    assert warehouse.changes == {"warehouse": str(shop.other_warehouse.pk)}
    assert warehouse.reason == "TEE-0 (has only 1 in Acme Corporation Store Main); East has every line in the quantities asked."


def test_a_discontinued_sku_suggests_the_replacement_the_account_declared(shop):
    old, new = shop.variants[1], shop.variants[3]
    old.is_active = False
    old.save()
    assert not any(s.kind == "replacement" for s in clone_suggestions(source=fresh(shop)))
    old.replaced_by = new
    old.save()
    replacement = {s.id: s for s in clone_suggestions(source=fresh(shop))}["replace-TEE-1"]
    assert replacement.changes == {"swap_TEE-1": "TEE-3"}
    assert replacement.reason == ("TEE-1 is discontinued; this account declared TEE-3 (Tee 3, 100.00, 50 in "
                                  "Acme Corporation Store Main) as its replacement.")


def test_a_stale_code_suggests_the_promotion_valid_today(shop):
    assert "promotion" not in by_id(shop)  # SPRING10 is still valid
    today = shop.account.today()
    Promotion.objects.filter(code="SPRING10").update(valid_from=today - dt.timedelta(days=60),
                                                     valid_to=today - dt.timedelta(days=1))
    promotion = by_id(shop)["promotion"]
    assert promotion.title == "Re-price without the old code"
    assert promotion.changes == {"discount_codes": "", "pricing": "reprice"}
    Promotion.objects.create(account=shop.account, name="Summer", kind="percentage", value=15, code="SUMMER15",
                             valid_from=today)
    promotion = by_id(shop)["promotion"]
    assert promotion.changes == {"discount_codes": "SUMMER15", "pricing": "reprice"}
    assert promotion.reason.startswith(f"Spring10 ended on {today - dt.timedelta(days=1):%Y-%m-%d}. Today Summer "
                                       "(15 %, with code SUMMER15) applies instead")


def test_corrections_suggest_the_fields_they_most_often_change(shop, world):
    def correct(city):
        order_clone(source=shop.order, by=world.agent, purpose="correction",
                    overrides={"shipping": dict(ADDRESS, city=city)})

    correct("Leeds")
    correct("York")
    assert "correction" not in by_id(shop)
    order_clone(source=shop.order, by=world.agent, purpose="correction", lines=[CloneLine("TEE-0", 1)])
    correction = by_id(shop)["correction"]
    assert correction.check == ["shipping address", "lines left out", "quantities"]
    assert correction.reason == ("On this account's last 3 corrections that changed something, the fields most often "
                                 "corrected were shipping address (2 of 3), lines left out (1 of 3), quantities (1 of 3).")
    assert correction.changes == {"purpose": "correction"}


# Applying one fills the form and creates nothing -----------------------------------------------------------------

def test_a_link_with_apply_opens_the_form_with_the_suggestion_filled_in(shop, world):
    later_orders(shop, 3, shipping=EVERGREEN)
    before = Order.objects.count()
    html = world.client_for(world.agent).get(clone_url(shop) + "?apply=address").content.decode()
    assert 'value="742 Evergreen Terrace"' in html and 'name="applied" value="address"' in html
    assert "Applied: check the form" in html
    assert Order.objects.count() == before


def test_apply_posts_the_form_back_with_the_suggestion_and_keeps_what_the_agent_typed(shop, world):
    later_orders(shop, 3, shipping=EVERGREEN)
    before = Order.objects.count()
    data = form_data(shop, notes_typed="x", customer_phone="+44 1", apply_suggestion="address")
    response = world.client_for(world.agent).post(clone_url(shop), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="742 Evergreen Terrace"' in html and 'value="+44 1"' in html
    assert Order.objects.count() == before


def test_taken_suggestions_are_recorded_with_the_clone(shop, world):
    later_orders(shop, 3, shipping=EVERGREEN, items=[(shop.variants[0], 5)])
    data = form_data(shop, applied="quantities")
    data["qty_TEE-0"] = "5"
    response = world.client_for(world.agent).post(clone_url(shop), data)
    assert response.status_code == 302
    record = CloneRecord.objects.get()
    assert record.suggestions == {"offered": ["address", "quantities"], "taken": ["quantities"]}
    assert record.order.lines.get(sku="TEE-0").quantity == 5


def test_a_replacement_taken_sends_the_other_sku_at_its_price(shop, world):
    old, new = shop.variants[1], shop.variants[3]
    old.is_active, old.replaced_by = False, new
    old.save()
    client = world.client_for(world.agent)
    html = client.post(clone_url(shop), form_data(shop, apply_suggestion="replace-TEE-1")).content.decode()
    assert 'name="swap_TEE-1" value="TEE-3"' in html
    response = client.post(clone_url(shop), form_data(shop, **{"swap_TEE-1": "TEE-3", "applied": "replace-TEE-1"}))
    assert response.status_code == 302
    clone = Order.objects.get(cloned_from=shop.order)
    assert [(l.sku, l.quantity, l.unit_price) for l in clone.lines.all()] == [
        ("TEE-0", 2, Decimal("20.00")), ("TEE-3", 1, Decimal("100.00")), ("TEE-2", 3, Decimal("9.99"))]
    assert CloneRecord.objects.get().suggestions["taken"] == ["replacement"]


# A fixed cost ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("orders", [3, 9])
def test_suggestions_add_a_fixed_number_of_queries(shop, world, orders, django_assert_max_num_queries):
    for i in range(3):
        order_clone(source=shop.order, by=world.agent, purpose="correction", lines=[CloneLine("TEE-2", 1)],
                    overrides={"warehouse": shop.other_warehouse})
    later_orders(shop, orders, shipping=EVERGREEN, items=[(v, 4) for v in shop.variants[:3]])
    stock(shop.variants[0], shop.warehouse, 4 * orders + 3)
    Promotion.objects.filter(code="SPRING10").update(valid_to=shop.account.today() - dt.timedelta(days=1),
                                                     valid_from=shop.account.today() - dt.timedelta(days=40))
    for variant in shop.variants[:3]:
        variant.replaced_by = VariantFactory(product=variant.product, sku=f"NEW-{variant.sku}")
        variant.is_active = False
        variant.save()
    source = fresh(shop)
    with django_assert_max_num_queries(SUGGESTION_QUERIES):
        kinds = {s.kind for s in clone_suggestions(source=source)}
    assert kinds >= {"address", "quantities", "promotion", "correction"}


def test_the_clone_page_with_every_suggestion_stays_within_its_query_budget(shop, world, django_assert_max_num_queries):
    later_orders(shop, 3, shipping=EVERGREEN, items=[(v, 4) for v in shop.variants[:3]])
    client = world.client_for(world.agent)
    client.get(clone_url(shop))  # sessions and caches warm
    with django_assert_max_num_queries(18 + SUGGESTION_QUERIES):  # 18 without suggestions
        response = client.get(clone_url(shop))
    assert "Use the usual quantities" in response.content.decode()


def test_a_promotion_that_would_not_apply_to_the_lines_is_not_suggested(shop):
    today = shop.account.today()
    Promotion.objects.filter(code="SPRING10").update(valid_from=today - dt.timedelta(days=60),
                                                     valid_to=today - dt.timedelta(days=1))
    Promotion.objects.create(account=shop.account, name="Bulk", kind="percentage", value=50, code="BULK50",
                             valid_from=today, min_quantity=100_000)
    assert by_id(shop)["promotion"].changes == {"discount_codes": "", "pricing": "reprice"}
    Promotion.objects.create(account=shop.account, name="Summer", kind="fixed", value=1, code="SUMMER1",
                             valid_from=today)
    assert by_id(shop)["promotion"].changes == {"discount_codes": "SUMMER1", "pricing": "reprice"}
