"""Accounts with real-time updates off get a full snapshot per sales channel from a recurring job instead."""

import logging

from channels.connectors import ConnectorError, connector_push_inventory
from inventory.selectors import stock_available_for_channel

log = logging.getLogger(__name__)


def inventory_sync_channel(*, channel) -> int:
    """Send every variant's available quantity (mapped warehouses only) to `channel` in one request."""
    from orders.models import Variant

    variants = dict(Variant.objects.filter(account_id=channel.account_id, is_active=True).values_list("id", "sku"))
    quantities = stock_available_for_channel(channel=channel, variant_ids=list(variants))
    connector_push_inventory(channel, [{"sku": variants[v], "quantity": q} for v, q in quantities.items()])
    return len(variants)


def inventory_sync_all() -> int:
    """Snapshot every channel of every account whose real-time updates are off (active organization)."""
    from channels.models import Channel

    sent = 0
    channels = Channel.objects.filter(
        kind=Channel.Kind.SALES, is_active=True, supports_inventory_updates=True,
        account__inventory_realtime_updates=False, account__is_active=True,
    ).select_related("connection")
    for channel in channels:
        try:
            sent += inventory_sync_channel(channel=channel)
        except ConnectorError as exc:
            log.warning("Inventory snapshot to %s failed: %s", channel, exc.message)
    return sent
