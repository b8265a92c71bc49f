"""POST /orders/{number}/clone: the clone service with the page's options; every problem at once, nothing made."""

from decimal import Decimal

from orders.models import CloneRecord, Order
from tests import factories


def _source(world, mug):
    cup = factories.VariantFactory(account=world.store, sku="CUP-1", price=Decimal("5.00"))
    factories.stock(cup, world.store.default_warehouse, 50)
    return factories.make_order(world.store, [(mug, 2), (cup, 1)], warehouse=world.store.default_warehouse)


def test_clone_some_lines_to_another_address_at_a_hand_set_price(world, store_api, mug):
    source = _source(world, mug)
    response = store_api.post(f"/orders/{source.number}/clone", {
        "lines": [{"sku": "MUG-1", "quantity": 4, "unit_price": "10.00", "reason": "Goodwill"}],
        "pricing": "manual",
        "shipping_address": {"name": "Grace Hopper", "line1": "2 Navy Rd", "city": "Arlington", "postal_code": "22201",
                             "country": "us"},
    })

    assert response.status_code == 201, response.content
    [made] = response.json()["orders"]
    assert made["cloned_from"] == source.number and made["clone_purpose"] == "standard"
    assert made["lines"] == [{
        "sku": "MUG-1", "name": "", "quantity": 4, "unit_price": "10.00", "line_discount": "0.00",
        "tax_amount": "0.00", "line_total": "40.00",
    }]
    assert made["shipping_address"]["name"] == "Grace Hopper" and made["shipping_address"]["country"] == "US"
    assert made["billing_address"]["name"] == source.billing_name
    clone = Order.objects.get(number=made["number"], account=world.store)
    assert clone.lines.get().price_override_reason == "Goodwill"
    assert CloneRecord.objects.get(order=clone).door == "api"


def test_a_split_makes_one_order_per_destination(world, store_api, mug):
    source = _source(world, mug)
    address = {"name": "A", "line1": "1 St", "city": "Town", "postal_code": "1000", "country": "GB"}
    response = store_api.post(f"/orders/{source.number}/clone", {
        "purpose": "split",
        "destinations": [
            {"shipping_address": address, "quantities": {"MUG-1": 1}},
            {"shipping_address": {**address, "name": "B"}, "quantities": {"MUG-1": 1, "CUP-1": 1}},
        ],
    })
    assert response.status_code == 201, response.content
    assert [len(o["lines"]) for o in response.json()["orders"]] == [1, 2]


def test_an_invalid_clone_lists_every_problem_and_creates_nothing(world, store_api, mug):
    source = _source(world, mug)
    response = store_api.post(f"/orders/{source.number}/clone", {
        "lines": [{"sku": "MUG-1", "quantity": 999}, {"sku": "GONE", "quantity": 1}],
        "billing_address": {"name": "", "line1": "", "city": "X", "postal_code": "1", "country": "GB"},
    })

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "clone_invalid"
    fields = {e["field"] for e in body["errors"]}
    assert {"lines.GONE", "lines.MUG-1.quantity", "billing_address.name", "billing_address.line1"} <= fields
    assert Order.objects.filter(account=world.store).count() == 1


def test_an_unknown_warehouse_code_is_422(world, store_api, mug):
    source = _source(world, mug)
    response = store_api.post(f"/orders/{source.number}/clone", {"warehouse": "NOWHERE"})
    assert response.status_code == 422
    assert response.json()["field"] == "warehouse"
    assert Order.objects.filter(account=world.store).count() == 1


def test_wrong_types_in_clone_options_name_the_field(world, store_api, mug):
    source = _source(world, mug)
    response = store_api.post(f"/orders/{source.number}/clone", {"lines": [{"sku": "MUG-1", "quantity": "many"}],
                                                                 "purpose": "gift"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"lines[0].quantity", "purpose"}


def test_a_split_charges_shipping_as_asked_and_refuses_an_unknown_choice(world, store_api, mug):
    from orders.models import ShippingMethod

    method = ShippingMethod.objects.create(account=world.store, code="STD", name="Standard", price=Decimal("8.00"))
    source = factories.make_order(world.store, [(mug, 3)], warehouse=world.store.default_warehouse,
                                  shipping_method=method)
    address = {"name": "A", "line1": "1 St", "city": "Town", "postal_code": "1000", "country": "GB"}
    body = {"purpose": "split",
            "destinations": [{"shipping_address": {**address, "name": n}, "quantities": {"MUG-1": 1}} for n in "ABC"]}

    refused = store_api.post(f"/orders/{source.number}/clone", {**body, "split_shipping": "half"})
    assert refused.status_code == 422 and refused.json()["field"] == "split_shipping"
    assert Order.objects.filter(account=world.store).count() == 1

    divided = store_api.post(f"/orders/{source.number}/clone", body)
    assert divided.status_code == 201, divided.content
    assert [o["shipping_total"] for o in divided.json()["orders"]] == ["2.68", "2.66", "2.66"]
    per_order = store_api.post(f"/orders/{source.number}/clone", {**body, "split_shipping": "per_order"})
    assert [o["shipping_total"] for o in per_order.json()["orders"]] == ["8.00", "8.00", "8.00"]
