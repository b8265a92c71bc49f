"""Talking to channels: the generic HTTP/JSON connector (the sandbox marketplace speaks the same protocol).

    GET  {base}{products_path}  -> [{"sku", "name", "price"}, ...]
    GET  {base}{orders_path}    -> [{...}, ...] (or {"orders": [...]}): order payloads in the channel's order_format
    POST {base}{inventory_path} <- {"sku": "...", "quantity": 7} (or {"items": [...]} for a snapshot)
"""

from __future__ import annotations

from channels.models import Channel
from channels.outbound import OutboundError, outbound_request, url_origin
from channels.secrets import SecretUnreadable, secret_open
from oms.exceptions import DomainError
from oms.text import count_of


class ConnectorError(DomainError):
    """`refused`: the channel answered and refused what was sent (it is up); otherwise the channel itself failed."""

    def __init__(self, message: str, *, refused: bool = False):
        super().__init__(message, code="connector_error")
        self.refused = refused


# Answers about what was sent (a SKU the channel does not list, a bad value), not about the channel being down.
REFUSED_STATUSES = {400, 409, 410, 422}


def _request(channel: Channel, path_field: str, payload=None):
    conn = getattr(channel, "connection", None)
    if channel.connector_type == Channel.Connector.MANUAL or conn is None or not conn.base_url:
        raise ConnectorError(f"Channel {channel.name} has no connection configured.")
    url = conn.base_url.rstrip("/") + "/" + getattr(conn, path_field).lstrip("/")
    headers = {"Accept": "application/json"}
    try:
        secret = secret_open(conn.secret_encrypted)
    except SecretUnreadable:
        raise ConnectorError(
            f"{channel.name}: its stored secret cannot be read with the configured keys (was CHANNEL_SECRET_KEYS "
            "changed without `manage.py rotate_channel_secrets`?); enter the secret again on the channel."
        ) from None
    if secret and conn.auth_header:
        # Sent only to the origin it was entered for, whatever the row says now.
        if secret.origin != url_origin(url):
            raise ConnectorError(
                f"{channel.name}: the stored secret was entered for another address than {url_origin(url)}; "
                "enter the secret again on the channel."
            )
        headers[conn.auth_header] = secret.value
    try:
        return outbound_request(url=url, headers=headers, payload=payload, timeout=conn.timeout_seconds)
    except OutboundError as exc:
        raise ConnectorError(f"{channel.name}: {exc.message}", refused=exc.status in REFUSED_STATUSES) from None


def connector_test(channel: Channel) -> str:
    """Raise ConnectorError if the channel cannot be reached; a short description otherwise."""
    products = _request(channel, "products_path")
    return f"Connected: {count_of(len(products or []), 'product')} offered."


def connector_products(channel: Channel) -> list[dict]:
    return list(_request(channel, "products_path") or [])


def connector_configured(channel: Channel) -> bool:
    """Whether the channel has somewhere to call (a connector type other than manual, and a base URL)."""
    conn = getattr(channel, "connection", None)
    return channel.connector_type != Channel.Connector.MANUAL and conn is not None and bool(conn.base_url)


def connector_orders(channel: Channel) -> list[dict]:
    """The order payloads the channel offers now; ConnectorError if it cannot be reached or answers nonsense."""
    answer = _request(channel, "orders_path")
    if isinstance(answer, dict) and isinstance(answer.get("orders"), list):
        answer = answer["orders"]
    if answer is None:
        return []
    if not isinstance(answer, list):
        raise ConnectorError(f"{channel.name}: the orders answer is not a list of orders.")
    return answer


def connector_push_inventory(channel: Channel, items: list[dict]) -> None:
    """Send [{"sku", "quantity"}, ...] to the channel."""
    _request(channel, "inventory_path", {"items": items})
