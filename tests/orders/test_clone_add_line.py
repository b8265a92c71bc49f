"""A clone may add lines of SKUs the source did not have: "Add a line" (a post-back) gives a row with the SKU
look-up; an added SKU comes at its list price; an unknown or inactive one, or one added to a split, is refused
with a message and nothing is created."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services.clone import CloneInvalid, CloneLine, order_clone
from tests.orders.test_clone_page import clone_url, form_data


def test_the_service_adds_a_sku_the_source_did_not_have_at_its_list_price(shop, world):
    lines = [CloneLine("TEE-0", 2), CloneLine("TEE-3", 1)]

    [order] = order_clone(source=shop.order, by=world.agent, lines=lines, pricing="reprice")

    added = order.lines.get(sku="TEE-3")
    assert (added.quantity, added.unit_price) == (1, Decimal("100.00"))
    assert sorted(order.lines.values_list("sku", flat=True)) == ["TEE-0", "TEE-3"]


@pytest.mark.parametrize("purpose", ["standard", "split"])
def test_an_unknown_or_inactive_sku_or_a_split_is_refused(shop, world, purpose):
    shop.variants[3].is_active = False
    shop.variants[3].save(update_fields=["is_active"])
    lines = [CloneLine("TEE-0", 2), CloneLine("NOPE", 1), CloneLine("TEE-3", 1)]

    with pytest.raises(CloneInvalid) as refused:
        order_clone(source=shop.order, by=world.agent, lines=lines, purpose=purpose)

    if purpose == "standard":
        assert refused.value.errors["lines.NOPE"] == [
            f"SKU NOPE is neither on order {shop.order.number} nor one of Acme Corporation Store's SKUs."
        ]
        assert refused.value.errors["lines.TEE-3"] == ["SKU TEE-3 is not for sale (inactive)."]
    else:
        assert "cannot be added" in refused.value.errors["lines.NOPE"][0]
    assert Order.objects.filter(account=shop.account).count() == 1


def test_add_a_line_on_the_page_then_create_the_clone_with_it(shop, world):
    client = world.client_for(world.agent)

    page = client.post(clone_url(shop), form_data(shop, _add_line="1"))

    html = page.content.decode()
    assert page.status_code == 200 and 'name="add_sku_0"' in html and 'role="combobox"' in html
    assert 'name="add_count" value="1"' in html and Order.objects.filter(account=shop.account).count() == 1
    created = client.post(clone_url(shop), form_data(shop, add_count="1", add_sku_0="TEE-3", add_qty_0="2"))

    assert created.status_code == 302, created.content.decode()[:2000]
    clone = Order.objects.filter(account=shop.account).exclude(pk=shop.order.pk).get()
    assert clone.lines.get(sku="TEE-3").quantity == 2 and clone.lines.count() == 4
    assert reverse("order_detail", args=[shop.account.pk, clone.number]) == created["Location"]
