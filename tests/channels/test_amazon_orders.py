"""Orders from Amazon's Selling Partner API (against the emulator): a paged pull that survives a throttle answer
imports each order once with its buyer and address (read with a restricted data token) and money as charged;
an expired access token is refreshed once and the request retried; a revoked refresh token asks for a reconnect
and moves nothing."""

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.connectors import ConnectorError
from channels.connectors import amazon as connector
from channels.selectors import channel_state_of
from intake.importing import orders_import
from orders.models import Order
from channels.services import channel_save
from oms.exceptions import DomainError
from sandbox.amazon import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, example_order, make_server
from tests.channels.amazon_helpers import amazon, amazon_channel  # noqa: F401  (fixture)
from tests.intake.failure_helpers import mug


@pytest.fixture
def seller(world, amazon):
    mug(world.store, sku="SBX-MUG")
    return amazon_channel(world.store, amazon, warehouses=[world.store.default_warehouse])


def _orders(n: int) -> list[dict]:
    return [example_order(f"111-0000000-{i:07d}", quantity=2, price="19.00", tax="1.52") for i in range(n)]


def test_a_paged_pull_survives_a_throttle_mid_way_and_imports_each_order_once(world, amazon, seller):
    amazon.orders(_orders(5))
    amazon.control("POST", "/_config", {"page_size": 2})
    # The second page and the third order's items are answered 429 first.
    amazon.control("POST", "/_throttle", {"getOrders": {"after": 1, "count": 1},
                                          "getOrderItems": {"after": 2, "count": 1}})

    counts = orders_import(channel=seller)

    assert counts.created == 5 and counts.errors == 0
    calls = amazon.calls()
    assert calls["getOrders"] == 3 and calls["getOrders:429"] == 1  # three pages; the throttled one asked again
    assert calls["getOrderItems"] == 5 and calls["getOrderItems:429"] == 1
    assert calls["token"] == 1
    orders = Order.objects.filter(account=world.store, channel=seller).order_by("external_id")
    assert [o.external_id for o in orders] == [f"111-0000000-{i:07d}" for i in range(5)]
    first = orders[0]
    assert first.customer_email == "buyer@marketplace.amazon.com"  # from the restricted data token
    assert first.shipping_line1 == "1 Main St"
    line = first.lines.get()
    assert line.quantity == 2 and line.unit_price == Decimal("9.50")  # ItemPrice is the line's, kept as charged
    state = channel_state_of(seller)
    assert state.orders_cursor.startswith("20")  # the latest LastUpdateDate seen
    assert state.throttle["amazon"]["getOrders"]["rate"] == 50

    amazon.orders([example_order("111-0000000-0000009")], append=True)
    again = orders_import(channel=seller)
    assert again.created == 1  # only the new one; those seen again at the cursor are skipped
    assert Order.objects.filter(channel=seller).count() == 6


def test_an_expired_access_token_is_refreshed_once_and_the_request_retried(world, amazon, seller):
    amazon.orders(_orders(1))
    orders_import(channel=seller)
    assert amazon.calls()["token"] == 1
    amazon.orders(_orders(2))
    amazon.control("POST", "/_expire")  # the cached token still looks valid to the OMS

    counts = orders_import(channel=seller)

    assert counts.created == 1
    assert amazon.calls()["token"] == 2  # one refresh, then the refused request went again
    assert not channel_state_of(seller).needs_reconnect


def test_a_token_about_to_expire_is_not_used(world, amazon, seller, monkeypatch):
    amazon.orders(_orders(1))
    orders_import(channel=seller)
    assert connector._cached_token(seller)
    later = timezone.now() + timedelta(seconds=3600 - 30)  # within the minute before it expires
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert connector._cached_token(seller) == ""


def test_a_revoked_refresh_token_asks_for_a_reconnect_and_imports_nothing(world, amazon, seller):
    amazon.orders(_orders(3))
    amazon.control("POST", "/_revoke")

    with pytest.raises(ConnectorError) as caught:
        orders_import(channel=seller)

    assert caught.value.reconnect
    state = channel_state_of(seller)
    assert state.needs_reconnect and "reconnect" in state.error and state.orders_cursor == ""
    assert not Order.objects.filter(channel=seller).exists()


def test_the_token_endpoint_and_the_api_on_different_origins_as_in_production(world, amazon):
    """LWA (api.amazon.com) and the SP-API (sellingpartnerapi-*.amazon.com) are different origins: the
    credentials are sealed for the token URL and do not follow it to another address unless entered again."""
    lwa = make_server(0, store=amazon.server.RequestHandlerClass.store)  # the same seller, another port
    threading.Thread(target=lwa.serve_forever, daemon=True).start()
    try:
        mug(world.store, sku="SBX-MUG")
        channel = amazon_channel(world.store, amazon)
        conn = channel.connection
        conn.token_url = f"http://127.0.0.1:{lwa.server_address[1]}/auth/o2/token"
        with pytest.raises(DomainError, match="another address"):
            channel_save(account=world.store, channel=channel, warehouses=[], connection=conn, secret="",
                         clear_secret=False, by=None)
        secret = json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN})
        channel_save(account=world.store, channel=channel, warehouses=[], connection=conn, secret=secret,
                     clear_secret=False, by=None)
        amazon.orders(_orders(2))
        assert orders_import(channel=channel).created == 2
    finally:
        lwa.shutdown()
        lwa.server_close()
