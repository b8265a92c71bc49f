from django.db.models import QuerySet

from channels.models import Channel, ChannelState


def channels_receiving_inventory(*, account) -> QuerySet[Channel]:
    """Active sales channels of `account` that take inventory updates."""
    return Channel.objects.filter(
        account=account, kind=Channel.Kind.SALES, is_active=True, supports_inventory_updates=True
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
