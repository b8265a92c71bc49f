"""The generic HTTP/JSON connector (the sandbox marketplace speaks the same protocol).

    GET  {base}{products_path}  -> [{"sku", "name", "price"}, ...]
    GET  {base}{orders_path}    -> [{...}, ...] (or {"orders": [...]}): order payloads in the channel's order_format
    POST {base}{inventory_path} <- {"sku": "...", "quantity": 7} (or {"items": [...]} for a snapshot)
"""

from __future__ import annotations

from collections.abc import Iterator

from channels.connectors.base import REFUSED_STATUSES, ConnectorError, OrderPage, connection_of, connection_secret
from channels.models import Channel
from channels.outbound import OutboundError, outbound_request
from oms.text import count_of


def _request(channel: Channel, path_field: str, payload=None):
    conn = connection_of(channel)
    url = conn.base_url.rstrip("/") + "/" + getattr(conn, path_field).lstrip("/")
    headers = {"Accept": "application/json"}
    if conn.auth_header:
        secret = connection_secret(channel, url)
        if secret:
            headers[conn.auth_header] = secret
    try:
        return outbound_request(url=url, headers=headers, payload=payload, timeout=conn.timeout_seconds)
    except OutboundError as exc:
        raise ConnectorError(f"{channel.name}: {exc.message}", refused=exc.status in REFUSED_STATUSES) from None


def test(channel: Channel) -> str:
    products = _request(channel, "products_path")
    return f"Connected: {count_of(len(products or []), 'product')} offered."


def products(channel: Channel) -> list[dict]:
    return list(_request(channel, "products_path") or [])


def order_pages(channel: Channel, *, since: str) -> Iterator[OrderPage]:
    """One page: everything the channel offers now (this protocol has no paging or cursor)."""
    answer = _request(channel, "orders_path")
    if isinstance(answer, dict) and isinstance(answer.get("orders"), list):
        answer = answer["orders"]
    if answer is None:
        answer = []
    if not isinstance(answer, list):
        raise ConnectorError(f"{channel.name}: the orders answer is not a list of orders.")
    yield OrderPage(payloads=answer)


def push_inventory(channel: Channel, items: list[dict]) -> None:
    _request(channel, "inventory_path", {"items": items})
