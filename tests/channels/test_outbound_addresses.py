"""Connectors call public addresses only (unless CHANNEL_ALLOW_PRIVATE_ADDRESSES), connect to the address they
checked, follow no redirect, and report every failed connection in the same words."""

import logging
import re
import socket
import threading

import pytest
from django.urls import reverse

from channels.connectors import ConnectorError, connector_orders, connector_products, connector_push_inventory
from channels.models import Channel, ChannelConnection
from channels.outbound import url_origin
from channels.services import channel_save
from tests.channels.conftest import closed_port

INTERNAL = "is an internal address"


def plain_channel(account, base_url: str, *, timeout: int = 2) -> Channel:
    """A generic HTTP/JSON channel without a secret, through the save service."""
    channel = Channel(kind=Channel.Kind.SALES, name="Market", connector_type=Channel.Connector.HTTP_JSON,
                      supports_product_import=True, supports_order_import=True, supports_inventory_updates=True)
    channel_save(account=account, channel=channel, warehouses=[], secret=None, clear_secret=False, by=None,
                 connection=ChannelConnection(base_url=base_url, timeout_seconds=timeout))
    return Channel.objects.select_related("connection").get(pk=channel.pk)


def moved(channel: Channel, base_url: str) -> Channel:
    ChannelConnection.objects.filter(channel=channel).update(base_url=base_url)
    return Channel.objects.select_related("connection").get(pk=channel.pk)


@pytest.fixture
def private_refused(settings):
    settings.CHANNEL_ALLOW_PRIVATE_ADDRESSES = False


def test_internal_addresses_are_refused_before_anything_is_sent(world, listen, private_refused):
    listener = listen()
    port = listener.port
    channel = plain_channel(world.store, listener.url)
    internal = [
        f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://LocalHost:{port}/",
        f"http://2130706433:{port}/",  # 127.0.0.1 written as one number
        f"http://[::1]:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", f"http://0.0.0.0:{port}/",
        "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://[fd00::1]/",
        "http://224.0.0.1/", "http://240.0.0.1/", "https://127.0.0.1:8443/",
    ]
    for url in internal:
        channel = moved(channel, url)
        for call in (connector_products, connector_orders, lambda c: connector_push_inventory(c, [])):
            with pytest.raises(ConnectorError, match=INTERNAL):
                call(channel)
    assert not listener.requests

    # the operator sees why on the "Test connection" button
    channel = moved(channel, f"http://localhost:{port}")
    page = world.client_for(world.admin).post(reverse("channel_test", args=[world.store.pk, channel.pk]),
                                              follow=True).content.decode()
    assert f"Market: http://localhost:{port} {INTERNAL}" in page and not listener.requests


def test_with_the_setting_on_the_local_sandbox_is_reached(world, listen):
    listener = listen()
    channel = plain_channel(world.store, f"http://localhost:{listener.port}")
    assert connector_products(channel) == []
    assert [r["path"] for r in listener.requests] == ["/products"]


def test_a_public_address_is_not_refused(world, private_refused):
    # Whatever this machine's network answers for a public address, it is tried, not refused.
    channel = plain_channel(world.store, "http://198.51.100.7:9/", timeout=1)  # TEST-NET-2 is reserved
    with pytest.raises(ConnectorError, match=INTERNAL):
        connector_products(channel)
    channel = moved(channel, "http://8.8.8.8:9/")
    with pytest.raises(ConnectorError) as failed:
        connector_products(channel)
    assert failed.value.message.startswith("Market: ") and INTERNAL not in failed.value.message


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_called(world, listen, monkeypatch,
                                                                             private_refused):
    """DNS rebinding: a name that answers a public address for the check and loopback afterwards."""
    listener = listen()
    answers = iter(["8.8.8.8", "127.0.0.1", "127.0.0.1"])
    asked = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    channel = plain_channel(world.store, f"http://rebind.test:{listener.port}", timeout=1)

    with pytest.raises(ConnectorError):  # however the network answers for the public address
        connector_products(channel)
    assert asked == ["rebind.test"] and not listener.requests


def test_redirects_are_not_followed(world, listen):
    target = listen()
    redirecting = listen()
    redirecting.status, redirecting.headers = 302, {"Location": target.url + "/products"}
    channel = plain_channel(world.store, redirecting.url)

    with pytest.raises(ConnectorError, match="HTTP 302 .*redirects are not followed"):
        connector_products(channel)
    assert len(redirecting.requests) == 1 and not target.requests


class RawServer:
    """A TCP port that is open but speaks no HTTP: it sends `reply` and hangs up, or (None) says nothing."""

    def __init__(self, reply: bytes | None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if self.reply is None:
                self.held.append(client)  # never answers
            else:
                client.recv(1024)
                client.sendall(self.reply)
                client.close()

    def close(self):
        self.sock.close()
        for client in self.held:
            client.close()


def test_a_closed_port_an_open_wrong_one_a_silent_one_and_an_unknown_host_read_the_same(world, caplog):
    garbage, silent = RawServer(b"SSH-2.0-OpenSSH_9.2\r\n"), RawServer(None)
    try:
        urls = [
            f"http://127.0.0.1:{closed_port()}",  # refused
            f"http://127.0.0.1:{garbage.port}",  # open, not HTTP
            f"http://127.0.0.1:{silent.port}",  # open, never answers (times out)
            "http://no-such-host.invalid:8080",  # does not resolve
        ]
        channel = plain_channel(world.store, urls[0], timeout=1)
        client = world.client_for(world.admin)
        pages = []
        for url in urls:
            channel = moved(channel, url)
            with caplog.at_level(logging.WARNING, logger="channels.outbound"):
                with pytest.raises(ConnectorError) as failed:
                    connector_products(channel)
            assert failed.value.message == f"Market: cannot reach {url_origin(url)}."
            page = client.post(reverse("channel_test", args=[world.store.pk, channel.pk]), follow=True)
            shown = re.search(r'<ul class="messages".*?</ul>', page.content.decode(), re.S).group(0)
            pages.append(shown.replace(url_origin(url), "ADDRESS"))
        assert "Market: cannot reach ADDRESS." in pages[0]
        assert len(set(pages)) == 1  # nothing the operator sees tells them apart
        # the cause is in the server log
        assert "refused" in caplog.text.lower() and "timed out" in caplog.text.lower()
    finally:
        garbage.close()
        silent.close()
