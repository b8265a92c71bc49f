"""A stored channel secret is sent only to the address (scheme, host and port) it was entered for: moving the
base URL needs the secret again (form error, service rule), and the connector refuses to send a secret to any
other origin even if the row was changed some other way."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from channels.connectors import ConnectorError, connector_test
from channels.models import Channel, ChannelConnection
from channels.outbound import url_origin
from channels.secrets import secret_open
from channels.services import channel_save
from oms.exceptions import DomainError
from tests.channels.conftest import closed_port, sandbox_channel

SECRET = "sandbox-token"


def edit_form(channel: Channel, **connection) -> dict:
    """The channel page's POST with the channel as stored, the connection fields overridden by `connection`."""
    conn = channel.connection
    data = {
        "kind": channel.kind, "name": channel.name, "connector_type": channel.connector_type,
        "supports_product_import": "on", "is_active": "on",
        "conn-base_url": conn.base_url, "conn-auth_header": conn.auth_header, "conn-secret": "",
        "conn-products_path": conn.products_path, "conn-orders_path": conn.orders_path,
        "conn-inventory_path": conn.inventory_path, "conn-timeout_seconds": "2",
    }
    data.update({f"conn-{name}": value for name, value in connection.items()})
    return data


def connected(account, base_url: str) -> Channel:
    channel = Channel(kind=Channel.Kind.SALES, name="Market", connector_type=Channel.Connector.HTTP_JSON,
                      supports_product_import=True)
    channel_save(account=account, channel=channel, warehouses=[], by=None, secret=SECRET, clear_secret=False,
                 connection=ChannelConnection(base_url=base_url, auth_header="Authorization", timeout_seconds=2))
    return Channel.objects.select_related("connection").get(pk=channel.pk)


def carried_the_secret(listener) -> list[dict]:
    return [r for r in listener.requests if SECRET in " ".join(r["headers"].values())]


@pytest.mark.parametrize("change", ["port", "host", "scheme"])
def test_moving_the_base_url_with_a_blank_secret_is_a_form_error_and_test_connection_sends_nothing_there(
    world, listen, change
):
    listener = listen("127.0.0.2")
    stored_url = {
        "port": f"http://127.0.0.2:{closed_port('127.0.0.2')}",
        "host": f"http://127.0.0.1:{listener.port}",
        "scheme": f"https://127.0.0.2:{listener.port}",
    }[change]
    channel = connected(world.store, stored_url)
    client = world.client_for(world.account_admin)

    response = client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]),
                           edit_form(channel, base_url=listener.url + "/"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "than the one the stored secret was entered for" in page and "field-secret" in page
    channel.connection.refresh_from_db()
    assert channel.connection.base_url == stored_url  # nothing saved
    page = client.post(reverse("channel_test", args=[world.store.pk, channel.pk]), follow=True).content.decode()
    assert "Market:" in page  # the test ran, against the stored address
    assert not carried_the_secret(listener)
    assert not any(r["method"] == "GET" for r in listener.requests)


def test_entering_the_secret_again_moves_it_to_the_new_address(world, listen):
    listener = listen()
    channel = connected(world.store, f"http://127.0.0.1:{closed_port()}")
    client = world.client_for(world.account_admin)

    response = client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]),
                           edit_form(channel, base_url=listener.url, secret="new-token"))
    assert response.status_code == 302

    channel = Channel.objects.select_related("connection").get(pk=channel.pk)
    assert secret_open(channel.connection.secret_encrypted).origin == url_origin(listener.url)
    connector_test(channel)
    assert [r["headers"]["Authorization"] for r in listener.requests] == ["new-token"]


def test_the_same_origin_keeps_the_secret_and_removing_it_allows_any_address(world, listen):
    listener = listen()
    channel = connected(world.store, listener.url)
    client = world.client_for(world.account_admin)

    # another path on the same scheme, host and port (the default port written out or not) keeps it
    assert client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]),
                       edit_form(channel, base_url=listener.url + "/api/v2/")).status_code == 302
    channel = Channel.objects.select_related("connection").get(pk=channel.pk)
    connector_test(channel)
    assert listener.requests[-1]["headers"]["Authorization"] == SECRET
    assert listener.requests[-1]["path"] == "/api/v2/products"

    other = listen()
    assert client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]),
                       edit_form(channel, base_url=other.url, clear_secret="on")).status_code == 302
    channel = Channel.objects.select_related("connection").get(pk=channel.pk)
    assert channel.connection.secret_encrypted == ""
    connector_test(channel)
    assert "Authorization" not in other.requests[-1]["headers"]


def test_the_service_refuses_a_moved_url_with_the_old_secret_whatever_the_door(world, listen):
    listener = listen()
    channel = connected(world.store, f"http://127.0.0.1:{closed_port()}")
    connection = ChannelConnection.objects.get(channel=channel)
    connection.base_url = listener.url
    # even a caller that hands over the encrypted value itself
    connection.secret_encrypted = channel.connection.secret_encrypted

    with pytest.raises(DomainError) as refused:
        channel_save(account=world.store, channel=channel, warehouses=[], connection=connection, secret=None,
                     clear_secret=False, by=None)

    assert refused.value.field == "secret"
    assert ChannelConnection.objects.get(channel=channel).base_url != listener.url
    assert not listener.requests


def test_the_connector_sends_no_secret_to_an_address_it_was_not_entered_for(world, sandbox, listen):
    listener = listen()
    channel = sandbox_channel(world.store, sandbox)
    # the row changed behind the service's back (an admin tool, a restored backup, a SQL console)
    ChannelConnection.objects.filter(channel=channel).update(base_url=listener.url)
    channel = Channel.objects.select_related("connection").get(pk=channel.pk)

    with pytest.raises(ConnectorError, match="the stored secret was entered for another address"):
        connector_test(channel)
    assert not listener.requests

    page = world.client_for(world.admin).post(reverse("channel_test", args=[world.store.pk, channel.pk]),
                                              follow=True).content.decode()
    assert "enter the secret again" in page and not listener.requests


def test_secrets_stored_before_binding_are_bound_to_their_url_by_the_migration(world, listen):
    from channels import secrets

    listener = listen()
    channel = connected(world.store, listener.url)
    legacy = secrets._fernet().encrypt(b"old-token").decode()  # as stored before: the bare value
    ChannelConnection.objects.filter(channel=channel).update(secret_encrypted=legacy)
    channel = Channel.objects.select_related("connection").get(pk=channel.pk)
    with pytest.raises(ConnectorError, match="entered for another address"):  # unbound: never sent
        connector_test(channel)

    migration = importlib.import_module("channels.migrations.0004_secret_bound_to_origin")
    migration.bind_stored_secrets(apps, None)

    channel = Channel.objects.select_related("connection").get(pk=channel.pk)
    assert secret_open(channel.connection.secret_encrypted).origin == url_origin(listener.url)
    connector_test(channel)
    assert [r["headers"]["Authorization"] for r in listener.requests] == ["old-token"]


def test_origins_compare_scheme_host_and_port_only():
    assert url_origin("HTTP://Shop.Example/api/") == url_origin("http://shop.example:80/x") == "http://shop.example:80"
    assert url_origin("https://shop.example") == "https://shop.example:443"
    assert url_origin("http://[::1]:8080/x") == "http://[::1]:8080"
    assert len({url_origin(u) for u in ("http://a.example", "https://a.example", "http://a.example:81",
                                        "http://b.example")}) == 4
