"""Connecting a Shopify shop: its address and Admin API access token entered on the channel form (the token
stored encrypted, sent as X-Shopify-Access-Token), "Test connection" reading the shop's name and currency."""

from django.urls import reverse

from channels.models import Channel
from channels.selectors import channel_state_of
from tests.channels.shopify_helpers import TOKEN


def _form(base_url: str, secret: str) -> dict:
    return {
        "kind": "sales", "name": "My shop", "connector_type": "shopify", "supports_order_import": "on",
        "is_active": "on", "warehouses": [], "conn-base_url": base_url, "conn-secret": secret,
        "conn-auth_header": "", "conn-products_path": "", "conn-orders_path": "", "conn-inventory_path": "",
        "conn-timeout_seconds": "2",
    }


def test_a_shop_is_connected_from_the_channel_form_and_tested(world, shopify):
    client = world.client_for(world.account_admin)

    response = client.post(reverse("channel_create", args=[world.store.pk]), _form(shopify.url, TOKEN))

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.select_related("connection").get(account=world.store, name="My shop")
    assert channel.connection.auth_header == "X-Shopify-Access-Token" and channel.order_format == "shopify"
    assert TOKEN not in channel.connection.secret_encrypted
    page = client.post(reverse("channel_test", args=[world.store.pk, channel.pk]), follow=True).content.decode()
    assert "Connected to the Shopify shop Sandbox Shop (currency USD)." in page
    assert channel_state_of(channel).connected_as == "Sandbox Shop (USD)"
    page = client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()
    assert 'id="ops-connected-as">Sandbox Shop (USD)<' in page


def test_a_wrong_token_says_to_reconnect_and_a_shop_needs_its_address(world, shopify):
    client = world.client_for(world.account_admin)

    missing = client.post(reverse("channel_create", args=[world.store.pk]), _form("", TOKEN))
    assert missing.status_code == 400 and "Enter the shop&#x27;s address" in missing.content.decode()
    assert not Channel.objects.filter(account=world.store, name="My shop").exists()

    client.post(reverse("channel_create", args=[world.store.pk]), _form(shopify.url, "shpat_wrong"))
    channel = Channel.objects.get(account=world.store, name="My shop")
    page = client.post(reverse("channel_test", args=[world.store.pk, channel.pk]), follow=True).content.decode()
    assert "the token was revoked or lacks access in Shopify: reconnect the channel" in page
    assert channel_state_of(channel).needs_reconnect
