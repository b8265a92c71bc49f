"""Stock out to Shopify: a stock change reaches the mapped Shopify location as that warehouse's available
quantity (inventorySetQuantities, at most 250 quantities a request); unmapped SKUs and warehouses are listed on
the channel page and not pushed, and are not errors."""

from django.db import connection

from channels.connectors import connector_push_inventory
from channels.models import ChannelLocationMap, ChannelSkuMap
from channels.selectors import channel_state_of
from channels.services import channel_maps_import
from inventory.models import InventoryPush
from inventory.push import inventory_push_deliver
from inventory.services import stock_adjust
from tests import factories
from tests.channels.shopify_helpers import shopify_channel, variant_node
from tests.intake.failure_helpers import mug

MAIN_LOCATION = "gid://shopify/Location/1"
BACK_ROOM = "gid://shopify/Location/2"


def _shop(world, shopify):
    account = world.store
    main = account.default_warehouse
    popup = factories.WarehouseFactory(account=account, name="Popup", code="POP")
    mugs, tees, caps = (mug(account, sku=sku, on_hand=0) for sku in ("MUG-BLUE", "TEE-M", "CAP-X"))
    factories.stock(mugs, main, 7)
    factories.stock(mugs, popup, 3)
    factories.stock(tees, main, 4)
    factories.stock(caps, main, 9)
    shopify.set_locations([{"id": MAIN_LOCATION, "name": main.name}, {"id": BACK_ROOM, "name": "Back room"}])
    shopify.set_variants([variant_node(1, "MUG-BLUE"), variant_node(2, "TEE-M"), variant_node(3, "NOT-OURS")])
    channel = shopify_channel(account, shopify, warehouses=[main, popup])
    return channel, main, popup, mugs


def test_the_import_maps_what_matches_and_the_page_lists_what_is_unmapped(world, shopify):
    channel, main, popup, _ = _shop(world, shopify)

    result = channel_maps_import(channel=channel)

    assert result == {"locations": 2, "locations_mapped": 1, "skus_mapped": 2}
    assert list(ChannelLocationMap.objects.filter(channel=channel).values_list("warehouse__code", "remote_id")) == [
        ("MAIN", MAIN_LOCATION)]
    assert dict(ChannelSkuMap.objects.filter(channel=channel).values_list("remote_sku", "remote_id")) == {
        "MUG-BLUE": "gid://shopify/InventoryItem/1", "TEE-M": "gid://shopify/InventoryItem/2"}
    page = world.client_for(world.admin).get(f"/accounts/{world.store.pk}/channels/{channel.pk}/")
    body = page.content.decode()
    assert "Warehouses without a location (not sent): POP." in body
    assert "Channel locations without a warehouse: Back room." in body
    assert '<span id="ops-unmapped-skus">CAP-X</span>' in body


def test_a_stock_change_reaches_the_mapped_location_and_nothing_unmapped_is_sent(world, shopify,
                                                                                   django_assert_max_num_queries):
    channel, main, popup, mugs = _shop(world, shopify)
    channel_maps_import(channel=channel)

    stock_adjust(account=world.store, warehouse=main, variant=mugs, delta=-2, by=None, reason="Counted")
    pending = list(InventoryPush.objects.filter(channel=channel, status="pending").values_list("variant_id", flat=True))
    assert pending == [mugs.pk]
    sent = inventory_push_deliver(channel=channel, variant_ids=pending)

    assert sent == {mugs.pk: 8}  # the outbox's figure over both warehouses; Shopify gets each location's own
    assert [(r["inventoryItemId"], r["locationId"], r["quantity"]) for r in shopify.received()] == [
        ("gid://shopify/InventoryItem/1", MAIN_LOCATION, 5)]
    assert InventoryPush.objects.get(channel=channel, variant=mugs).status == "delivered"
    assert channel_state_of(channel).pushed_at is not None

    # Unmapped SKUs are skipped without an error; one request for the mapped ones, reads fixed.
    with django_assert_max_num_queries(8):
        connector_push_inventory(channel, [{"sku": s, "quantity": 1} for s in ("MUG-BLUE", "TEE-M", "CAP-X")])
    assert [(r["inventoryItemId"], r["quantity"]) for r in shopify.received()[1:]] == [
        ("gid://shopify/InventoryItem/1", 5), ("gid://shopify/InventoryItem/2", 4)]
    assert len(shopify.requests("inventorySetQuantities")) == 2


def test_the_location_map_is_edited_on_the_channel_page_and_then_used(world, shopify):
    channel, main, popup, mugs = _shop(world, shopify)
    channel_maps_import(channel=channel)
    client = world.client_for(world.admin)
    url = f"/accounts/{world.store.pk}/channels/{channel.pk}/locations/"

    # One location cannot stock two warehouses: refused, the map is left as it was.
    refused = client.post(url, {f"location-{main.pk}": MAIN_LOCATION, f"location-{popup.pk}": MAIN_LOCATION},
                          follow=True)
    assert "Each location can stock one warehouse only." in refused.content.decode()
    assert ChannelLocationMap.objects.filter(channel=channel).count() == 1

    client.post(url, {f"location-{main.pk}": MAIN_LOCATION, f"location-{popup.pk}": BACK_ROOM})
    assert dict(ChannelLocationMap.objects.filter(channel=channel).values_list("warehouse__code", "remote_name")) == {
        "MAIN": main.name, "POP": "Back room"}
    connector_push_inventory(channel, [{"sku": "MUG-BLUE", "quantity": 10}])
    assert sorted((r["locationId"], r["quantity"]) for r in shopify.received()) == [(MAIN_LOCATION, 7), (BACK_ROOM, 3)]


def test_pushes_go_in_batches_of_at_most_250_quantities(world, shopify):
    account = world.store
    variants = [factories.VariantFactory(product=factories.ProductFactory(account=account), sku=f"BULK-{n:03d}")
                for n in range(260)]
    shopify.set_locations([{"id": MAIN_LOCATION, "name": account.default_warehouse.name}])
    shopify.set_variants([variant_node(100 + n, v.sku) for n, v in enumerate(variants)])
    channel = shopify_channel(account, shopify)
    channel_maps_import(channel=channel)

    connector_push_inventory(channel, [{"sku": v.sku, "quantity": 0} for v in variants])

    assert [len(r["variables"]["input"]["quantities"]) for r in shopify.requests("inventorySetQuantities")] == [250, 10]
    assert len(shopify.received()) == 260


def test_another_accounts_channel_cannot_be_mapped(world, other_world, shopify):
    channel, main, popup, _ = _shop(world, shopify)
    connection.set_tenant(other_world.org)
    outsider = other_world.client_for(other_world.admin)
    answer = outsider.post(f"/accounts/{world.store.pk}/channels/{channel.pk}/maps/import/")
    connection.set_tenant(world.org)
    assert answer.status_code == 404
    assert not ChannelSkuMap.objects.filter(channel=channel).exists()


def test_importing_again_renames_the_mapped_locations_and_rebuilds_the_sku_map(world, shopify,
                                                                               django_assert_max_num_queries):
    channel, main, popup, _ = _shop(world, shopify)
    channel_maps_import(channel=channel)
    client = world.client_for(world.admin)
    client.post(f"/accounts/{world.store.pk}/channels/{channel.pk}/locations/",
                {f"location-{main.pk}": MAIN_LOCATION, f"location-{popup.pk}": BACK_ROOM})
    shopify.set_locations([{"id": MAIN_LOCATION, "name": "Main renamed"}, {"id": BACK_ROOM, "name": "Back renamed"}])
    shopify.set_variants([variant_node(1, "MUG-BLUE"), variant_node(4, "CAP-X")])

    with django_assert_max_num_queries(13):
        result = channel_maps_import(channel=channel)

    assert result == {"locations": 2, "locations_mapped": 2, "skus_mapped": 2}
    assert dict(ChannelLocationMap.objects.filter(channel=channel).values_list("warehouse__code", "remote_name")) == {
        "MAIN": "Main renamed", "POP": "Back renamed"}
    assert dict(ChannelSkuMap.objects.filter(channel=channel).values_list("remote_sku", "remote_id")) == {
        "MUG-BLUE": "gid://shopify/InventoryItem/1", "CAP-X": "gid://shopify/InventoryItem/4"}
