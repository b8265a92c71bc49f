"""The Shopify emulator (sandbox/shopify.py) in a thread for the Shopify connector tests, and a channel on it."""

from __future__ import annotations

from channels.models import Channel, ChannelConnection
from channels.services import channel_save
from sandbox.shopify import TOKEN, make_server, sample_order
from tests.channels.emulators import ThreadedEmulator

__all__ = ["TOKEN", "ShopifyEmulator", "sample_order", "shopify_channel"]


class ShopifyEmulator(ThreadedEmulator):
    def __init__(self):
        super().__init__(make_server(0))

    def seed_orders(self, orders: list[dict], *, append: bool = False) -> None:
        self.control("POST", "/_orders" + ("?append=1" if append else ""), orders)

    def set_locations(self, locations: list[dict]) -> None:
        self.control("POST", "/_locations", locations)

    def set_variants(self, variants: list[dict]) -> None:
        self.control("POST", "/_variants", variants)

    def throttle(self, **bucket) -> None:
        self.control("POST", "/_throttle", bucket)

    def tokens(self, *, revoke=(), add=()) -> None:
        self.control("POST", "/_tokens", {"revoke": list(revoke), "add": list(add)})

    def received(self) -> list[dict]:
        return self.control("GET", "/_received")

    def requests(self, operation: str | None = None) -> list[dict]:
        return [r for r in self.control("GET", "/_requests") if operation is None or r["operation"] == operation]


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
