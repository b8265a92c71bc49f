"""The Amazon channel form and page: credentials entered as three fields are stored as one secret sealed for the
token URL, seller and marketplaces are checked, "Test connection" names the store, and a revoked authorization
shows on the page in words."""

import json

import pytest
from django.urls import reverse

from channels.connectors import ConnectorError, connector_test
from channels.models import Channel
from channels.outbound import url_origin
from channels.secrets import secret_open
from sandbox.amazon import CLIENT_ID, CLIENT_SECRET, MARKETPLACE_ID, REFRESH_TOKEN, SELLER_ID
from tests.channels.amazon_helpers import amazon, amazon_channel  # noqa: F401  (fixture)


def _post(client, world, amazon, **changes):
    data = {
        "kind": "sales", "name": "Amazon US", "connector_type": "amazon", "order_format": "amazon",
        "conn-base_url": amazon.url, "conn-token_url": amazon.url + "/auth/o2/token", "conn-seller_id": SELLER_ID,
        "conn-marketplace_ids": MARKETPLACE_ID.lower(), "conn-timeout_seconds": "2",
        "conn-amazon_client_id": CLIENT_ID, "conn-amazon_client_secret": CLIENT_SECRET,
        "conn-amazon_refresh_token": REFRESH_TOKEN, "conn-auth_header": "", "conn-products_path": "",
        "conn-orders_path": "", "conn-inventory_path": "",
    }
    data.update(changes)
    return client.post(reverse("channel_create", args=[world.store.pk]), data)


@pytest.fixture
def admin_client(world):
    return world.client_for(world.account_admin)


def test_the_credentials_are_one_secret_sealed_for_the_token_url(admin_client, world, amazon):
    response = _post(admin_client, world, amazon)

    assert response.status_code == 302
    channel = Channel.objects.get(account=world.store, name="Amazon US")
    conn = channel.connection
    assert conn.marketplace_ids == MARKETPLACE_ID and conn.seller_id == SELLER_ID
    sealed = secret_open(conn.secret_encrypted)
    assert sealed.origin == url_origin(amazon.url + "/auth/o2/token")
    assert json.loads(sealed.value) == {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                        "refresh_token": REFRESH_TOKEN}


def test_partial_credentials_and_a_missing_seller_are_refused_and_nothing_is_saved(admin_client, world, amazon):
    response = _post(admin_client, world, amazon, **{"conn-amazon_client_secret": ""})
    assert response.status_code == 400
    assert "client id, client secret and refresh token together" in response.content.decode()
    response = _post(admin_client, world, amazon, **{"conn-seller_id": ""})
    assert response.status_code == 400 and "needs the seller id" in response.content.decode()
    assert not Channel.objects.filter(account=world.store, name="Amazon US").exists()


def test_test_connection_names_the_store_and_the_page_shows_seller_and_token(admin_client, world, amazon):
    channel = amazon_channel(world.store, amazon)

    assert "Sandbox Store" in connector_test(channel) and "Amazon.com" in connector_test(channel)

    page = admin_client.get(reverse("channel_edit", args=[world.store.pk, channel.pk]))
    html = page.content.decode()
    assert SELLER_ID in html and MARKETPLACE_ID in html and 'id="amazon-token-expiry" datetime=' in html


def test_a_revoked_authorization_shows_on_the_channel_page_in_words(admin_client, world, amazon):
    channel = amazon_channel(world.store, amazon)
    amazon.control("POST", "/_revoke")

    with pytest.raises(ConnectorError):
        connector_test(channel)

    page = admin_client.get(reverse("channel_edit", args=[world.store.pk, channel.pk]))
    assert "Amazon refused the refresh token (revoked or wrong): reconnect the channel" in page.content.decode()


def test_the_operations_section_shows_amazons_rate_limits_in_words(admin_client, world, amazon):
    from channels.models import ChannelState

    channel = amazon_channel(world.store, amazon)
    ChannelState.objects.update_or_create(channel=channel, defaults={"throttle": {"amazon": {
        "getOrders": {"rate": 0.0167, "throttled_at": "2026-01-02T03:04:05+00:00", "waited_seconds": 2.0},
        "patchListingsItem": {"rate": 5.0},
    }}})

    html = admin_client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()

    operations = html[html.index('id="operations"'):html.index('id="webhook"')]
    throttle = operations[operations.index('id="ops-throttle"'):operations.index("</dd>", operations.index('id="ops-throttle"'))]
    assert "Orders: 0.0167 request(s) a second, throttled at 2026-01-02" in throttle and "(waited 2 s)" in throttle
    assert "Stock updates: 5 request(s) a second" in throttle
    assert "{" not in throttle and "amazon:" not in throttle
    assert 'id="amazon-connection"' in operations and SELLER_ID in operations
