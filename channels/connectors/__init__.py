"""Talking to channels: one module per protocol, chosen by the channel's connector type.

- `http_json`: the generic HTTP/JSON connector (and the sandbox marketplace, which speaks it).
- `amazon`: Amazon's Selling Partner API.
- `shopify`: Shopify's Admin GraphQL API; it also offers `locations(channel)` and `sku_ids(channel)` for the maps.

Each module offers `test(channel) -> str`, `products(channel) -> list[dict]`, `order_pages(channel, *, since)`
(an iterator of `OrderPage`) and `push_inventory(channel, items)` with items `[{"sku", "quantity"}]`. Callers
use the functions below, never a module directly, so a connector does not know who calls it and the callers do
not know which protocol is spoken. Every request goes through channels/outbound.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from channels.connectors import amazon, http_json, shopify
from channels.connectors.base import REFUSED_STATUSES, ConnectorError, OrderPage
from channels.models import Channel

__all__ = [
    "REFUSED_STATUSES", "ConnectorError", "OrderPage", "connector_configured", "connector_order_pages",
    "connector_locations", "connector_orders", "connector_products", "connector_sku_ids", "connector_push_inventory", "connector_test",
]

_MODULES: dict[str, ModuleType] = {
    Channel.Connector.SANDBOX: http_json,
    Channel.Connector.HTTP_JSON: http_json,
    Channel.Connector.AMAZON: amazon,
    Channel.Connector.SHOPIFY: shopify,
}


def _module(channel: Channel) -> ModuleType:
    module = _MODULES.get(channel.connector_type)
    if module is None:
        raise ConnectorError(f"Channel {channel.name} has no connection configured.")
    return module


def connector_configured(channel: Channel) -> bool:
    """Whether the channel has somewhere to call (a connector type other than manual, and a base URL)."""
    conn = getattr(channel, "connection", None)
    return channel.connector_type in _MODULES and conn is not None and bool(conn.base_url)


def connector_test(channel: Channel) -> str:
    """Raise ConnectorError if the channel cannot be reached; a short description otherwise."""
    return _module(channel).test(channel)


def connector_products(channel: Channel) -> list[dict]:
    return _module(channel).products(channel)


def connector_order_pages(channel: Channel, *, since: str = "") -> Iterator[OrderPage]:
    """The orders the channel offers from `since` (the cursor saved by the last pull; "" for everything)."""
    return _module(channel).order_pages(channel, since=since)


def connector_orders(channel: Channel) -> list[dict]:
    """Every order payload the channel offers now, all pages; ConnectorError if it cannot be reached."""
    return [payload for page in connector_order_pages(channel) for payload in page.payloads]


def connector_push_inventory(channel: Channel, items: list[dict]) -> None:
    """Send [{"sku", "quantity"}, ...] to the channel."""
    _module(channel).push_inventory(channel, items)


def connector_locations(channel: Channel) -> list[dict]:
    """The channel's stock locations [{"id", "name"}]; [] for a protocol without locations."""
    module = _module(channel)
    return module.locations(channel) if hasattr(module, "locations") else []


def connector_sku_ids(channel: Channel) -> dict[str, str]:
    """{SKU: the channel's id for it} (Shopify: its inventory item); ConnectorError if the protocol has none."""
    module = _module(channel)
    if not hasattr(module, "sku_ids"):
        raise ConnectorError(f"{channel.name}: its connector does not list the channel's SKUs.")
    return module.sku_ids(channel)
