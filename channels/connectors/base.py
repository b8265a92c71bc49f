"""What every connector shares: its error, the page of orders it hands to intake, and the channel's secret."""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.models import Channel
from channels.outbound import url_origin
from channels.secrets import SecretUnreadable, secret_open
from oms.exceptions import DomainError


class ConnectorError(DomainError):
    """`refused`: the channel answered and refused what was sent (it is up); otherwise the channel itself failed.

    `reconnect`: the channel refused our credentials (revoked or expired token): nothing will work until an
    operator connects the channel again; the message says so in the operator's words.
    """

    def __init__(self, message: str, *, refused: bool = False, reconnect: bool = False):
        super().__init__(message, code="connector_error")
        self.refused = refused
        self.reconnect = reconnect


# Answers about what was sent (a SKU the channel does not list, a bad value), not about the channel being down.
REFUSED_STATUSES = {400, 409, 410, 422}


@dataclass
class OrderPage:
    """Order payloads from one page of the channel's answer, in its order format.

    `checkpoint` (e.g. the highest `updated_at` seen so far) is saved as the channel's order cursor once the
    page is imported, so the next pull starts there; "" keeps the cursor as it is.
    """

    payloads: list[dict] = field(default_factory=list)
    checkpoint: str = ""


def connection_of(channel: Channel):
    conn = getattr(channel, "connection", None)
    if channel.connector_type == Channel.Connector.MANUAL or conn is None or not conn.base_url:
        raise ConnectorError(f"Channel {channel.name} has no connection configured.")
    return conn


def connection_secret(channel: Channel, url: str) -> str:
    """The channel's secret, only if it was entered for `url`'s origin; "" when it has none."""
    conn = connection_of(channel)
    try:
        secret = secret_open(conn.secret_encrypted)
    except SecretUnreadable:
        raise ConnectorError(
            f"{channel.name}: its stored secret cannot be read with the configured keys (was CHANNEL_SECRET_KEYS "
            "changed without `manage.py rotate_channel_secrets`?); enter the secret again on the channel."
        ) from None
    if not secret:
        return ""
    # Sent only to the origin it was entered for, whatever the row says now.
    if secret.origin != url_origin(url):
        raise ConnectorError(
            f"{channel.name}: the stored secret was entered for another address than {url_origin(url)}; "
            "enter the secret again on the channel."
        )
    return secret.value
