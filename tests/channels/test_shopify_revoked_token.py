"""A revoked Shopify token: the pull and the push stop with "reconnect" on the channel page, the order cursor
and the waiting stock changes are kept, and once a new token is entered everything comes in from where it
stopped."""

import pytest

from channels.connectors import ConnectorError, connector_push_inventory, connector_test
from channels.models import ChannelConnection
from channels.selectors import channel_state_of
from channels.services import channel_maps_import, channel_save
from intake.importing import orders_import
from orders.models import Order
from tests.channels.shopify_helpers import TOKEN, sample_order, shopify_channel
from tests.intake.failure_helpers import mug


def test_a_revoked_token_is_shown_on_the_channel_page_and_nothing_is_lost(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=50)
    shopify.set_locations([{"id": "gid://shopify/Location/1", "name": world.store.default_warehouse.name}])
    channel = shopify_channel(world.store, shopify)
    channel_maps_import(channel=channel)
    shopify.seed_orders([sample_order(1, updated_at="2026-11-20T10:00:00Z")])
    assert orders_import(channel=channel).created == 1
    cursor = channel_state_of(channel).orders_cursor

    shopify.tokens(revoke=[TOKEN])
    shopify.seed_orders([sample_order(2, updated_at="2026-11-20T11:00:00Z")], append=True)
    with pytest.raises(ConnectorError) as pulled:
        orders_import(channel=channel)
    assert pulled.value.reconnect and not pulled.value.refused
    with pytest.raises(ConnectorError) as pushed:  # the outbox keeps the change: the channel failed, not the SKU
        connector_push_inventory(channel, [{"sku": "MUG-BLUE", "quantity": 3}])
    assert not pushed.value.refused

    state = channel_state_of(channel)
    assert state.needs_reconnect and state.orders_cursor == cursor
    page = world.client_for(world.admin).get(f"/accounts/{world.store.pk}/channels/{channel.pk}/").content.decode()
    assert "Reconnect needed." in page and "the token was revoked or lacks access in Shopify" in page
    assert "Nothing is lost meanwhile" in page

    # The merchant enters a new token on the channel form: the next pull takes up where it stopped.
    shopify.tokens(add=["shpat_new"])
    connection = ChannelConnection.objects.get(channel=channel)
    channel_save(account=world.store, channel=channel, warehouses=[world.store.default_warehouse],
                 connection=connection, secret="shpat_new", clear_secret=False, by=None)
    assert "Sandbox Shop" in connector_test(channel)
    counts = orders_import(channel=channel)
    assert counts.created == 1
    assert sorted(Order.objects.filter(channel=channel).values_list("external_id", flat=True)) == ["1", "2"]
    state = channel_state_of(channel)
    assert not state.needs_reconnect and state.error == "" and state.connected_as == "Sandbox Shop (USD)"
    connector_push_inventory(channel, [{"sku": "MUG-BLUE", "quantity": 3}])
    assert shopify.received()[-1]["quantity"] == 50 - 2 * 2  # two orders of two mugs allocated
