"""The manual order form: one intake call; a good order lands on its page, problems show next to their fields."""

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import Warehouse
from intake.models import IntakeFailure, Source
from orders.models import Order, ShippingMethod
from tests.intake.failure_helpers import mug


def form_data(lines=(("MUG-1", "2"),), **changes):
    data = {
        "reference": "", "customer_name": "Ada Lovelace", "customer_email": "ada@example.com", "customer_phone": "",
        "ship_name": "Ada Lovelace", "ship_line1": "1 Analytical St", "ship_line2": "", "ship_city": "Boston",
        "ship_region": "MA", "ship_postal_code": "02110", "ship_country": "US", "shipping_method": "",
        "carrier_code": "", "service_code": "", "warehouse": "", "notes": "",
        "lines-TOTAL_FORMS": "5", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "50",
    }
    for index in range(5):
        sku, quantity = lines[index] if index < len(lines) else ("", "")
        data[f"lines-{index}-sku"] = sku
        data[f"lines-{index}-quantity"] = quantity
    data.update(changes)
    return data


@pytest.fixture
def shop(world):
    mug(world.store, sku="MUG-1", price="12.00")
    mug(world.store, sku="TEE-M", price="20.00")
    ShippingMethod.objects.create(account=world.store, code="GROUND", name="Ground", price=Decimal("4.00"),
                                  carrier_code="UPS", service_code="GROUND")
    return world


def url(world):
    return reverse("intake_new_order", args=[world.store.pk])


def test_a_good_order_is_created_and_the_agent_lands_on_it(shop):
    world = shop
    client = world.client_for(world.agent)
    page = client.get(url(world)).content.decode()
    assert 'name="lines-0-sku"' in page and 'name="lines-1-sku"' not in page and "Ground (GROUND)" in page and "MAIN · " in page

    response = client.post(url(world), form_data(
        lines=[("MUG-1", "2"), ("", ""), ("TEE-M", "1")], shipping_method="GROUND", warehouse="MAIN",
        reference="PHONE-1",
    ))

    order = Order.objects.get(account=world.store)
    assert response.status_code == 302 and response.url == reverse("order_detail", args=[world.store.pk, order.number])
    assert (order.source, order.external_id, order.created_by) == (
        Order.Source.MANUAL, "PHONE-1", world.agent)
    assert [(l.sku, l.quantity) for l in order.lines.order_by("sku")] == [("MUG-1", 2), ("TEE-M", 1)]
    assert order.shipping_method.code == "GROUND" and order.warehouse == Warehouse.objects.get(account=world.store, code="MAIN")
    assert order.total == Decimal("48.00")  # 2 x 12 + 20 + 4 shipping

    again = client.post(url(world), form_data(reference="PHONE-1"))  # a second click: the same order
    assert again.status_code == 302 and again.url == response.url
    assert Order.objects.filter(account=world.store).count() == 1


def test_problems_are_shown_next_to_their_fields(shop):
    world = shop
    client = world.client_for(world.agent)

    response = client.post(url(world), form_data(
        lines=[("MUG-1", "2"), ("", ""), ("NOT-OURS", "1"), ("TEE-M", "0")], ship_city="", ship_country="USA",
        customer_email="not-an-email",
    ))

    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert not Order.objects.exists()

    def errors_of(field_id: str) -> str:
        start = html.index(f'id="{field_id}"')
        return html[start:html.index("</div>", start) if "field-" in field_id else html.index("</td>", start)]

    assert "The shipping address has no city." in errors_of("field-ship_city")
    assert "“USA” is not a country code" in errors_of("field-ship_country")
    assert "“not-an-email” is not an email address." in errors_of("field-customer_email")
    assert "Line 2: SKU “NOT-OURS” is not a product" in errors_of("id_lines-2-sku")  # the third row: blanks skipped
    assert "Line 3: quantity “0” is not a whole number" in errors_of("id_lines-3-quantity")
    assert 'value="NOT-OURS"' in html  # what was typed stays
    # Intake kept the rejected payload, but the person saw the errors: it is not left in the failures list.
    kept = IntakeFailure.objects.get(account=world.store)
    assert (kept.source, kept.status, kept.resolved_by) == (Source.MANUAL, IntakeFailure.Status.DISCARDED, world.agent)


def test_an_order_without_lines_says_so(shop):
    response = shop.client_for(shop.agent).post(url(shop), form_data(lines=[]))

    assert response.status_code == 400 and "The order has no lines." in response.content.decode()


@pytest.mark.parametrize("role, status", [("viewer", 403), ("outsider", 404), ("agent", 200), ("admin", 200)])
def test_creating_orders_needs_the_work_capability(shop, role, status):
    client = shop.client_for(shop.by_role(role))

    assert client.get(url(shop)).status_code == status
    if status != 200:
        assert client.post(url(shop), form_data()).status_code == status
        assert not Order.objects.exists()
