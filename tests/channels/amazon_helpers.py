"""The Amazon SP-API emulator (sandbox/amazon.py) on a free port in a thread, and a channel connected to it."""

import json

import pytest

from sandbox import amazon as emulator
from tests.channels.emulators import ThreadedEmulator


class AmazonEmulator(ThreadedEmulator):
    def __init__(self):
        super().__init__(emulator.make_server(0))

    def orders(self, orders: list[dict], *, append: bool = False) -> None:
        self.control("POST", "/_orders", {"orders": orders, "append": append})

    def listings(self, skus: list[str]) -> None:
        self.control("POST", "/_listings", {"skus": skus})

    def received(self) -> list[dict]:
        return self.control("GET", "/_received")

    def calls(self) -> dict[str, int]:
        return self.control("GET", "/_calls")


@pytest.fixture
def amazon():
    """The emulator, fast: every operation restores 50 requests a second (the connector obeys what it reports)."""
    server = AmazonEmulator()
    server.control("POST", "/_rates", {op: {"rate": 50, "burst": 5} for op in emulator.DEFAULT_RATES})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_buckets():
    """The connector's pacing is per process; each test starts with full buckets (channel ids are reused)."""
    from channels.connectors import amazon as connector

    connector._buckets.clear()
    yield


def amazon_channel(account, server: AmazonEmulator, *, warehouses=(), **fields):
    """A sales channel connected to the emulator, through the one save service."""
    from channels.models import Channel, ChannelConnection
    from channels.services import channel_save

    channel = Channel(
        kind=Channel.Kind.SALES, name=fields.pop("name", "Amazon US"), connector_type=Channel.Connector.AMAZON,
        order_format="amazon", supports_order_import=True, supports_inventory_updates=True, **fields,
    )
    secret = json.dumps({"client_id": emulator.CLIENT_ID, "client_secret": emulator.CLIENT_SECRET,
                         "refresh_token": emulator.REFRESH_TOKEN})
    return channel_save(
        account=account, channel=channel, warehouses=list(warehouses),
        connection=ChannelConnection(
            base_url=server.url, token_url=server.url + "/auth/o2/token", seller_id=emulator.SELLER_ID,
            marketplace_ids=emulator.MARKETPLACE_ID, timeout_seconds=2,
        ),
        secret=secret, clear_secret=False, by=None,
    )
