from django.db.models import F, QuerySet

from channels.models import Channel, ChannelLocationMap, ChannelSkuMap, ChannelState
from oms.rows import Sent, send


def channels_receiving_inventory(*, account) -> QuerySet[Channel]:
    """Active sales channels of `account` that take inventory updates."""
    return Channel.objects.filter(
        account=account, kind=Channel.Kind.SALES, is_active=True, supports_inventory_updates=True
    )


def channels_receiving_inventory_from_send(*, account, warehouse_id: int) -> Sent:
    """The ids of `channels_receiving_inventory` mapped to `warehouse_id`, sent now (hand-written: every
    allocation asks; rows are 1-tuples)."""
    return send(
        f"SELECT c.id FROM {Channel._meta.db_table} c JOIN {Channel.warehouses.through._meta.db_table} m "
        "ON m.channel_id = c.id WHERE c.account_id = %s AND c.kind = %s AND c.is_active "
        "AND c.supports_inventory_updates AND m.warehouse_id = %s",
        [account.pk, Channel.Kind.SALES, warehouse_id],
    )


def channels_for_account(*, account) -> QuerySet[Channel]:
    return Channel.objects.filter(account=account).prefetch_related("warehouses").select_related("connection")


def sales_channels_for_account(*, account) -> QuerySet[Channel]:
    return Channel.objects.filter(account=account, kind=Channel.Kind.SALES).order_by("name")


def channel_state_of(channel: Channel) -> ChannelState:
    """The connector's state of `channel` (an unsaved blank one before its first run)."""
    state = ChannelState.objects.filter(channel=channel).first()
    return state or ChannelState(channel=channel)


def amazon_connection_state(*, channel: Channel) -> dict:
    """What the channel page shows of an Amazon channel: seller, marketplaces, the access token's expiry (None
    when no token is cached or it cannot be read) and whether it must be reconnected."""
    import json
    from datetime import datetime

    from channels.secrets import SecretUnreadable, secret_open

    conn = getattr(channel, "connection", None)
    state = channel_state_of(channel)
    expires_at = None
    try:
        sealed = secret_open(state.tokens_encrypted)
        if sealed is not None:
            expires_at = datetime.fromisoformat(json.loads(sealed.value)["expires_at"])
    except (SecretUnreadable, ValueError, KeyError, TypeError):
        expires_at = None
    return {
        "seller_id": conn.seller_id if conn else "",
        "marketplaces": [m for m in (conn.marketplace_ids.split(",") if conn else []) if m],
        "token_expires_at": expires_at, "needs_reconnect": state.needs_reconnect, "error": state.error,
        "connected_as": state.connected_as,
    }


def channel_push_quantities(*, channel: Channel, skus: list[str]) -> list[dict]:
    """For the mapped ones among `skus`: each mapped location's quantity, the available stock of the warehouse
    mapped to it, as [{"inventoryItemId", "locationId", "quantity"}]. Three queries whatever the count."""
    from inventory.models import StockLevel

    items = dict(
        ChannelSkuMap.objects.filter(channel=channel, variant__sku__in=skus).values_list("variant_id", "remote_id")
    )
    locations = dict(ChannelLocationMap.objects.filter(channel=channel).values_list("warehouse_id", "remote_id"))
    if not items or not locations:
        return []
    levels = {
        (variant_id, warehouse_id): free
        for variant_id, warehouse_id, free in StockLevel.objects.filter(
            account_id=channel.account_id, variant_id__in=list(items), warehouse_id__in=list(locations)
        ).values_list("variant_id", "warehouse_id", F("on_hand") - F("allocated"))
    }
    return [
        {"inventoryItemId": item, "locationId": location, "quantity": max(0, levels.get((variant_id, warehouse_id), 0))}
        for variant_id, item in sorted(items.items())
        for warehouse_id, location in sorted(locations.items())
    ]


UNMAPPED_SHOWN = 50


def channel_mappings(*, channel: Channel) -> dict:
    """The channel's location and SKU maps with what is unmapped: the channel's warehouses without a location,
    the imported locations without a warehouse, and the account's SKUs without an id in the channel (the first
    UNMAPPED_SHOWN, and how many). A fixed number of queries."""
    from orders.models import Variant

    state = channel_state_of(channel)
    location_maps = list(ChannelLocationMap.objects.filter(channel=channel).select_related("warehouse")
                         .order_by("warehouse__code"))
    mapped_warehouses = {m.warehouse_id for m in location_maps}
    mapped_remote = {m.remote_id for m in location_maps}
    warehouses = list(channel.warehouses.order_by("code"))
    unmapped_skus = Variant.objects.filter(account_id=channel.account_id).exclude(
        pk__in=ChannelSkuMap.objects.filter(channel=channel).values("variant_id")
    ).order_by("sku")
    by_warehouse = {m.warehouse_id: m.remote_id for m in location_maps}
    shown = list(unmapped_skus.values_list("sku", flat=True)[:UNMAPPED_SHOWN])
    count = unmapped_skus.count() if len(shown) == UNMAPPED_SHOWN else len(shown)
    return {
        "state": state,
        "throttle": throttle_words(state.throttle),
        "warehouses": warehouses,
        "location_rows": [{"warehouse": w, "remote_id": by_warehouse.get(w.pk, "")} for w in warehouses],
        "location_maps": location_maps,
        "remote_locations": list(state.locations or []),
        "unmapped_warehouses": [w for w in warehouses if w.pk not in mapped_warehouses],
        "unmapped_locations": [loc for loc in state.locations or [] if loc.get("id") not in mapped_remote],
        "sku_maps": ChannelSkuMap.objects.filter(channel=channel).count(),
        "unmapped_skus": shown,
        "unmapped_sku_count": count,
        "unmapped_more": count - len(shown),
    }


THROTTLE_WORDS = {
    "currentlyAvailable": "{} cost points available", "maximumAvailable": "of {}",
    "restoreRate": "restored at {} a second",
}

# Amazon's rate limits are per operation (ChannelState.throttle == {"amazon": {operation: {...}}}).
AMAZON_OPERATION_WORDS = {
    "getMarketplaceParticipations": "Marketplaces", "getOrders": "Orders", "getOrderItems": "Order items",
    "createRestrictedDataToken": "Buyer data token", "patchListingsItem": "Stock updates",
}


def throttle_words(throttle: dict) -> str:
    """The rate limit a channel last reported, in words ("" when none): Shopify's cost bucket, or Amazon's rate
    per operation."""
    if isinstance(throttle.get("amazon"), dict):
        return "; ".join(
            _amazon_rate_words(operation, limit) for operation, limit in sorted(throttle["amazon"].items())
        )
    parts = [THROTTLE_WORDS[key].format(_number(throttle[key])) for key in THROTTLE_WORDS if key in throttle]
    parts += [f"{key}: {value}" for key, value in throttle.items() if key not in THROTTLE_WORDS and key != "at"]
    return " ".join(parts)


def _amazon_rate_words(operation: str, limit) -> str:
    name = AMAZON_OPERATION_WORDS.get(operation, operation)
    if not isinstance(limit, dict):
        return name
    words = f"{name}: {_number(limit['rate'])} request(s) a second" if limit.get("rate") else f"{name}: rate not reported"
    if limit.get("throttled_at"):
        words += f", throttled at {_local_time(limit['throttled_at'])}"
        if limit.get("waited_seconds") is not None:
            words += f" (waited {_number(limit['waited_seconds'])} s)"
    return words


def _local_time(iso: str) -> str:
    from datetime import datetime

    from django.utils import timezone

    try:
        return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return str(iso)


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
