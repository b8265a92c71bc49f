"""The Shopify emulator (sandbox/shopify.py) in a thread for the Shopify connector tests, and a channel on it."""

from __future__ import annotations

import json
import threading
import urllib.request

from channels.models import Channel, ChannelConnection
from channels.services import channel_save
from sandbox.shopify import TOKEN, make_server, sample_order

__all__ = ["TOKEN", "ShopifyEmulator", "sample_order", "shopify_channel"]


class ShopifyEmulator:
    def __init__(self):
        self.server = make_server(0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def seed_orders(self, orders: list[dict], *, append: bool = False) -> None:
        self._call("POST", "/_orders" + ("?append=1" if append else ""), orders)

    def set_locations(self, locations: list[dict]) -> None:
        self._call("POST", "/_locations", locations)

    def set_variants(self, variants: list[dict]) -> None:
        self._call("POST", "/_variants", variants)

    def throttle(self, **bucket) -> None:
        self._call("POST", "/_throttle", bucket)

    def tokens(self, *, revoke=(), add=()) -> None:
        self._call("POST", "/_tokens", {"revoke": list(revoke), "add": list(add)})

    def received(self) -> list[dict]:
        return self._call("GET", "/_received")

    def requests(self, operation: str | None = None) -> list[dict]:
        return [r for r in self._call("GET", "/_requests") if operation is None or r["operation"] == operation]


def variant_node(number: int, sku: str) -> dict:
    return {"id": f"gid://shopify/ProductVariant/{number}", "sku": sku, "title": sku, "price": "9.50",
            "product": {"title": "Product"}, "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}"}}


def shopify_channel(account, shop: ShopifyEmulator, *, warehouses=None, token: str = TOKEN, name: str = "Shopify",
                    webhook_secret: str | None = None) -> Channel:
    """A Shopify sales channel on the emulator, saved through the one save service (token stored encrypted)."""
    channel = Channel(kind=Channel.Kind.SALES, name=name, connector_type=Channel.Connector.SHOPIFY,
                      supports_order_import=True, supports_inventory_updates=True)
    return channel_save(
        account=account, channel=channel,
        warehouses=list(warehouses if warehouses is not None else [account.default_warehouse]),
        connection=ChannelConnection(base_url=shop.url, timeout_seconds=2), secret=token, clear_secret=False,
        by=None, webhook_secret=webhook_secret,
    )
