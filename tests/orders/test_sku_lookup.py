"""The SKU look-up: the account's SKUs starting with what is typed or whose name contains it, active first, with
available stock in a given warehouse; viewers may use it, another account's SKUs never appear, and one look-up
costs the same few queries however many SKUs the account has."""

from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from orders.selectors import SKU_LOOKUP_LIMIT, sku_lookup
from tests import factories


def variant(account, sku, name="", active=True):
    return factories.VariantFactory(
        account=account, product=factories.ProductFactory(account=account), sku=sku, name=name, is_active=active
    )


@pytest.fixture
def catalog(world):
    store = world.store
    mugs = [variant(store, "MUG-RED", "Red mug"), variant(store, "MUG-BLUE", "Blue mug"),
            variant(store, "MUG-OLD", "Old mug", active=False), variant(store, "TEE-M", "Tee shirt with mug print")]
    factories.stock(mugs[0], store.default_warehouse, 7)
    return mugs


def lookup(world, user, **params):
    client = world.client_for(user)
    return client.get(reverse("sku_lookup", args=[world.store.pk]), params, HTTP_HX_REQUEST="true")


def test_a_prefix_matches_skus_active_first_whatever_the_case(world, catalog):
    found = sku_lookup(account=world.store, q="mug-")

    assert [m.sku for m in found] == ["MUG-BLUE", "MUG-RED", "MUG-OLD"]
    assert "TEE-M" not in [m.sku for m in sku_lookup(account=world.store, q="mu")]  # names from 3 characters


def test_a_name_matches_anywhere_in_it(world, catalog):
    assert [m.sku for m in sku_lookup(account=world.store, q="print")] == ["TEE-M"]
    assert [m.sku for m in sku_lookup(account=world.store, q="blue")] == ["MUG-BLUE"]


def test_with_a_warehouse_each_match_says_what_is_available(world, catalog):
    found = {m.sku: m for m in sku_lookup(account=world.store, q="MUG-", warehouse=world.store.default_warehouse)}

    assert found["MUG-RED"].available == 7 and found["MUG-BLUE"].available == 0
    assert "7 available" in found["MUG-RED"].label and "inactive" in found["MUG-OLD"].label


def test_the_listbox_fragment_lists_the_options_and_a_viewer_may_use_it(world, catalog):
    response = lookup(world, world.viewer, q="mug", warehouse="MAIN")

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert page.count('role="option"') == 4  # three SKUs, and the tee by its name
    assert 'data-value="MUG-RED"' in page and "7 available" in page
    assert "<html" not in page


def test_without_htmx_the_look_up_is_a_small_page(world, catalog):
    client = world.client_for(world.agent)
    response = client.get(reverse("sku_lookup", args=[world.store.pk]), {"q": "MUG-R"})

    assert response.status_code == 200
    assert "<html" in response.content.decode() and "MUG-RED" in response.content.decode()


def test_nothing_matching_says_so(world, catalog):
    page = unescape(lookup(world, world.agent, q="ZZZ").content.decode())

    assert "No SKU matches “ZZZ”." in page and "data-value" not in page


def test_another_accounts_skus_never_appear(world, other_world, catalog):
    variant(world.outlet, "MUG-OUTLET", "Outlet mug")
    connection.set_tenant(other_world.org)
    variant(other_world.store, "MUG-GLOBEX", "Globex mug")
    connection.set_tenant(world.org)

    page = lookup(world, world.agent, q="mug").content.decode()

    assert "MUG-RED" in page and "MUG-OUTLET" not in page and "MUG-GLOBEX" not in page
    assert lookup(world, world.outsider, q="mug").status_code == 404  # a member without a role on the account
    response = world.client_for(world.agent).get(reverse("sku_lookup", args=[world.outlet.pk]), {"q": "mug"})
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(world, catalog):
    response = world.client_for(None).get(reverse("sku_lookup", args=[world.store.pk]), {"q": "mug"})

    assert response.status_code == 302 and "login" in response["Location"]


def test_results_are_limited_and_the_query_count_does_not_grow(world, django_assert_max_num_queries):
    store = world.store
    product = factories.ProductFactory(account=store)
    factories.VariantFactory.create_batch(60, account=store, product=product)
    client = world.client_for(world.agent)
    url = reverse("sku_lookup", args=[store.pk])
    client.get(url, {"q": "SKU-"}, HTTP_HX_REQUEST="true")  # warm the session

    # the tenant, session, user, membership, account and its roles (the door of every account page), then the
    # warehouse and the look-up itself: 12 at most, whatever the number of SKUs
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": "sku-", "warehouse": "MAIN"}, HTTP_HX_REQUEST="true")

    assert response.content.decode().count('role="option"') == SKU_LOOKUP_LIMIT


def test_the_indexes_serve_a_prefix_and_a_name(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'orders_variant'",
                       [world.org.schema_name])
        names = {row[0] for row in cursor.fetchall()}
    assert {"variant_lookup_order", "variant_sku_prefix", "variant_name_trgm"} <= names


def test_every_form_where_a_sku_is_typed_looks_it_up(world, catalog):
    from tests.intake.failure_helpers import failure

    client = world.client_for(world.agent)
    kept = failure(world.store, external_id="LOOK-1", sku="THEIR-MUG")
    pages = {
        "new order": reverse("intake_new_order", args=[world.store.pk]),
        "map a SKU": reverse("intake_failure", args=[world.store.pk, kept.pk]),
        "adjust stock": reverse("inventory_adjust", args=[world.store.pk]),
    }
    lookup_url = reverse("sku_lookup", args=[world.store.pk])
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert 'role="combobox"' in html and f'hx-get="{lookup_url}"' in html and 'role="listbox"' in html, name
