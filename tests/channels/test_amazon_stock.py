"""Stock to Amazon (against the emulator): a stock change reaches the seller's listing as a merchant-fulfilled
quantity through patchListingsItem, under the seller SKU its map names; a SKU Amazon does not list is refused
on its own (a dead letter) while the others of the batch arrive; a throttle answer is waited out."""

import pytest

from channels.models import ChannelSkuMap
from channels.selectors import channel_state_of
from inventory.models import InventoryPush
from inventory.push import inventory_push_deliver, inventory_push_send
from sandbox.amazon import MARKETPLACE_ID
from tests.channels.amazon_helpers import amazon, amazon_channel  # noqa: F401  (fixture)
from tests.factories import VariantFactory
from tests.inventory.conftest import receive


@pytest.fixture
def shop(world, amazon):
    warehouse = world.store.default_warehouse
    channel = amazon_channel(world.store, amazon, warehouses=[warehouse])
    variants = [VariantFactory(product__account=world.store, sku=f"AMZ-{n}") for n in range(4)]
    return type("Shop", (), {"account": world.store, "warehouse": warehouse, "channel": channel, "variants": variants})


def test_a_stock_change_reaches_the_amazon_listing(shop, amazon):
    first = shop.variants[0]
    amazon.listings(["AMZ-0"])
    receive(first, shop.warehouse, 7)

    assert inventory_push_send(channel_id=shop.channel.pk, variant_id=first.pk) == 7

    assert amazon.received() == [{"sku": "AMZ-0", "quantity": 7, "marketplaceIds": MARKETPLACE_ID}]
    assert amazon.control("GET", "/_listings") == {"AMZ-0": 7}
    assert channel_state_of(shop.channel).pushed_at is not None


def test_a_mapped_seller_sku_is_used_instead_of_ours(shop, amazon):
    first = shop.variants[0]
    ChannelSkuMap.objects.create(account=shop.account, channel=shop.channel, variant=first, remote_id="SELLER-0",
                                 remote_sku="SELLER-0")
    amazon.listings(["SELLER-0"])
    receive(first, shop.warehouse, 3)

    inventory_push_send(channel_id=shop.channel.pk, variant_id=first.pk)

    assert amazon.received() == [{"sku": "SELLER-0", "quantity": 3, "marketplaceIds": MARKETPLACE_ID}]


def test_a_sku_amazon_does_not_list_is_refused_alone_and_the_others_arrive(shop, amazon):
    amazon.listings(["AMZ-0", "AMZ-1", "AMZ-3"])  # AMZ-2 is not listed
    for n, variant in enumerate(shop.variants):
        receive(variant, shop.warehouse, 10 + n)
    amazon.control("POST", "/_throttle", {"patchListingsItem": 1})

    sent = inventory_push_deliver(channel=shop.channel, variant_ids=[v.pk for v in shop.variants])

    assert sorted(sent.values()) == [10, 11, 13]
    assert amazon.control("GET", "/_listings") == {"AMZ-0": 10, "AMZ-1": 11, "AMZ-3": 13}
    dead = InventoryPush.objects.get(channel=shop.channel, status=InventoryPush.Status.DEAD)
    assert dead.variant_id == shop.variants[2].pk and "AMZ-2 is not listed" in dead.last_error
    assert amazon.calls()["patchListingsItem:429"] == 1
