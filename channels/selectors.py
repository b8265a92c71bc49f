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
