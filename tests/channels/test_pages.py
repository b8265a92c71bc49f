"""Channel pages: list, create (secret stored encrypted), edit, test connection; who may use them."""

from django.urls import reverse

from channels.models import Channel
from channels.secrets import secret_decrypt
from tests.channels.conftest import sandbox_channel
from tests.factories import ChannelFactory, WarehouseFactory


def test_an_account_admin_creates_a_channel_with_mappings_and_an_encrypted_secret(world):
    east = WarehouseFactory(account=world.store, code="EAST")
    client = world.client_for(world.account_admin)
    response = client.post(reverse("channel_create", args=[world.store.pk]), {
        "kind": "sales", "name": "Marketplace", "connector_type": "http_json", "supports_inventory_updates": "on",
        "warehouses": [east.pk], "pii_retention_days": "30", "is_active": "on",
        "conn-base_url": "http://127.0.0.1:9/", "conn-auth_header": "X-Token", "conn-secret": "s3cret",
        "conn-products_path": "/products", "conn-orders_path": "/orders", "conn-inventory_path": "/inventory",
        "conn-timeout_seconds": "3",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(account=world.store, name="Marketplace")
    assert list(channel.warehouses.all()) == [east] and channel.pii_retention_days == 30
    stored = channel.connection.secret_encrypted
    assert stored and "s3cret" not in stored and secret_decrypt(stored) == "s3cret"
    assert "s3cret" not in client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()

    # editing with an empty secret keeps the stored one
    client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]), {
        "kind": "sales", "name": "Marketplace 2", "connector_type": "http_json", "warehouses": [east.pk],
        "is_active": "on", "conn-base_url": "http://127.0.0.1:9/", "conn-auth_header": "X-Token",
        "conn-products_path": "/products", "conn-orders_path": "/orders", "conn-inventory_path": "/inventory",
        "conn-timeout_seconds": "3",
    })
    channel.refresh_from_db()
    channel.connection.refresh_from_db()
    assert channel.name == "Marketplace 2" and secret_decrypt(channel.connection.secret_encrypted) == "s3cret"


def test_another_accounts_warehouse_cannot_be_mapped(world):
    foreign = world.outlet.default_warehouse
    response = world.client_for(world.admin).post(reverse("channel_create", args=[world.store.pk]), {
        "kind": "sales", "name": "X", "connector_type": "manual", "warehouses": [foreign.pk],
        "conn-timeout_seconds": "3",
    })
    assert response.status_code == 400 and not Channel.objects.filter(name="X").exists()


def test_agents_and_viewers_get_403_and_other_accounts_channels_are_404(world, other_world):
    channel = ChannelFactory(account=world.store)
    foreign = ChannelFactory(account=world.outlet)
    for role in ("agent", "viewer"):
        assert world.client_for(world.by_role(role)).get(reverse("channel_list", args=[world.store.pk])).status_code == 403
    admin = world.client_for(world.account_admin)
    assert admin.get(reverse("channel_list", args=[world.store.pk])).status_code == 200
    assert admin.get(reverse("channel_edit", args=[world.store.pk, foreign.pk])).status_code == 404
    assert admin.get(reverse("channel_list", args=[world.outlet.pk])).status_code == 404
    assert admin.get(reverse("channel_list", args=[other_world.store.pk])).status_code == 404
    assert channel.name in admin.get(reverse("channel_list", args=[world.store.pk])).content.decode()


def test_test_connection_reports_success_and_failure(world, sandbox):
    channel = sandbox_channel(world.store, sandbox)
    client = world.client_for(world.admin)
    page = client.post(reverse("channel_test", args=[world.store.pk, channel.pk]), follow=True).content.decode()
    assert "Connected: 3 products" in page
    manual = ChannelFactory(account=world.store, connector_type="manual")
    page = client.post(reverse("channel_test", args=[world.store.pk, manual.pk]), follow=True).content.decode()
    assert "no connection configured" in page
