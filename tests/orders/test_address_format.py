"""Addresses print the way their country writes them, on the order page and the Warehouses tab."""

import pytest
from django.urls import reverse

from oms.addresses import address_lines
from tests import factories

BOSTON = {"name": "Ada Lovelace", "line1": "1 Main St", "line2": "", "city": "Boston", "region": "MA",
          "postal_code": "02110", "country": "US"}


@pytest.mark.parametrize("changes, place", [
    ({}, ["Boston, MA 02110", "United States"]),
    ({"city": "Toronto", "region": "ON", "postal_code": "M5V 3L9", "country": "CA"}, ["Toronto, ON M5V 3L9", "Canada"]),
    ({"city": "Berlin", "region": "", "postal_code": "10115", "country": "DE"}, ["10115 Berlin", "Germany"]),
    ({"city": "London", "region": "", "postal_code": "SW1A 1AA", "country": "gb"}, ["London", "SW1A 1AA", "United Kingdom"]),
    ({"city": "Boston", "region": "", "postal_code": "", "country": "US"}, ["Boston", "United States"]),
])
def test_address_lines_follow_the_country(changes, place):
    assert address_lines({**BOSTON, **changes}) == ["Ada Lovelace", "1 Main St", *place]


def test_the_order_page_prints_a_us_address_city_first(world):
    variant = factories.VariantFactory(product__account=world.store)
    factories.stock(variant, world.store.default_warehouse, 5)
    shipping = {**factories.ADDRESS, "city": "Boston", "region": "MA", "postal_code": "02110", "country": "US"}
    order = factories.make_order(world.store, [(variant, 1)], shipping=shipping)
    html = world.client_for(world.agent).get(reverse("order_detail", args=[world.store.pk, order.number])).content.decode()
    assert "Boston, MA 02110<br>" in html and "02110 Boston" not in html
    assert "United States" in html


def test_the_warehouses_tab_prints_addresses_the_same_way(world):
    factories.WarehouseFactory(account=world.store, name="East", code="EAST", address_line1="1 Dock Rd",
                               city="Boston", postal_code="02110", country="US")
    html = world.client_for(world.admin).get(reverse("account_settings", args=[world.store.pk, "warehouses"])).content.decode()
    assert "1 Dock Rd, Boston 02110, United States" in html
