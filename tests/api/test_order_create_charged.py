"""POST /orders with the money a channel charged: the order keeps it to the cent, and a total its parts do not
add up to comes back as a warning naming both figures."""

import json
from decimal import Decimal
from pathlib import Path

from orders.models import Order
from tests import factories

SAMPLE = Path(__file__).parent.parent / "intake" / "samples" / "charged" / "oms_charged.json"


def catalog(account):
    product = factories.ProductFactory(account=account, name="Catalog")
    for sku in ("MUG-BLUE", "TEE-M"):
        factories.stock(factories.VariantFactory(product=product, sku=sku, price=Decimal("1.00")),
                        account.default_warehouse, 20)


def test_the_api_keeps_the_charged_lines_shipping_and_total(world, store_api):
    catalog(world.store)

    response = store_api.post("/orders", json.loads(SAMPLE.read_text()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["subtotal"], body["discount_total"], body["tax_total"], body["shipping_total"], body["total"]) == (
        "46.50", "2.85", "2.73", "0.00", "46.38",
    )
    order = Order.objects.get(account=world.store)
    assert order.lines.get(sku="MUG-BLUE").charged["discounts"] == [{"title": "MUGS3", "amount": "2.85"}]
    assert order.charged["shipping_lines"][0]["discounts"] == [{"title": "Free over 40", "amount": "6.00"}]


def test_a_total_the_parts_do_not_add_up_to_is_a_warning_with_both_figures(world, store_api):
    catalog(world.store)
    payload = json.loads(SAMPLE.read_text()) | {"total": "50.00"}

    response = store_api.post("/orders", payload)

    assert response.status_code == 201, response.content
    [warning] = [w for w in response.json()["warnings"] if w["code"] == "total_mismatch"]
    assert "50.00" in warning["message"] and "46.38" in warning["message"]


def test_a_charged_amount_of_the_wrong_type_is_refused_by_the_schema(world, store_api):
    catalog(world.store)
    payload = json.loads(SAMPLE.read_text()) | {"total": "about fifty"}

    response = store_api.post("/orders", payload)

    assert response.status_code == 422
    assert not Order.objects.filter(account=world.store).exists()
