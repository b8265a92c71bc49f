"""Channel pages: list, create, edit, test connection, import products. All need ADMINISTER on the account."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from channels.connectors import ConnectorError, connector_test
from channels.forms import ChannelForm, ConnectionForm
from channels.models import Channel, ChannelConnection
from channels.selectors import amazon_connection_state, channel_mappings, channels_for_account
from channels.services import (
    channel_get_for_account,
    channel_location_maps_set,
    channel_maps_import,
    channel_save,
    products_import_from_master,
)
from intake.selectors import webhook_state_for_channel
from inventory.selectors import channels_with_push_state, push_state_for_channel
from oms.exceptions import DomainError



@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
def channel_list(request, account, caps):
    channels = channels_with_push_state(channels_for_account(account=account))
    return render(request, "channels/list.html", {"account": account, "channels": channels})


@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
def channel_edit(request, account, caps, channel_id: int | None = None):
    if channel_id is None:
        channel, connection = Channel(account=account), ChannelConnection()
    else:
        channel = channel_get_for_account(account=account, channel_id=channel_id)
        connection = getattr(channel, "connection", None) or ChannelConnection(channel=channel)
    form = ChannelForm(request.POST or None, instance=channel, account=account)
    conn_form = ConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid() and conn_form.is_valid():
        try:
            channel = channel_save(
                account=account, channel=form.save(commit=False), warehouses=list(form.cleaned_data["warehouses"]),
                connection=conn_form.save(commit=False), secret=conn_form.secret_value(),
                clear_secret=conn_form.cleaned_data["clear_secret"], by=request.user,
                webhook_secret=conn_form.cleaned_data["webhook_secret"],
                clear_webhook_secret=conn_form.cleaned_data["clear_webhook_secret"],
            )
        except DomainError as exc:
            if exc.field in conn_form.fields:
                conn_form.add_error(exc.field, exc.message)
            else:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Channel {channel.name} saved.")
            return redirect("channel_list", account.pk)
    return render(
        request, "channels/edit.html",
        {"account": account, "channel": channel, "form": form, "conn_form": conn_form,
         "has_secret": bool(connection.secret_encrypted),
         "has_webhook_secret": bool(connection.webhook_secret_encrypted),
         "webhook": (
             webhook_state_for_channel(channel=channel) if channel.pk and channel.kind == Channel.Kind.SALES else None
         ),
         "webhook_url": request.build_absolute_uri(reverse("webhook_orders", args=[channel.webhook_token])),
         "push": push_state_for_channel(channel=channel) if channel.pk else None,
         "amazon": (
             amazon_connection_state(channel=channel)
             if channel.pk and channel.connector_type == Channel.Connector.AMAZON else None
         ),
         "ops": _operations(channel)},
        status=400 if request.method == "POST" else 200,
    )


MAPPED_CONNECTORS = {Channel.Connector.SHOPIFY}  # connectors with location and SKU maps


def _operations(channel: Channel) -> dict | None:
    """The channel page's operations section: the connector's state and the maps (channels with a connector)."""
    if not channel.pk or channel.connector_type == Channel.Connector.MANUAL:
        return None
    return {**channel_mappings(channel=channel), "maps": channel.connector_type in MAPPED_CONNECTORS}


@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
@require_POST
def channel_maps_refresh(request, account, caps, channel_id: int):
    """Import the channel's locations and SKUs and map what matches."""
    channel = channel_get_for_account(account=account, channel_id=channel_id)
    try:
        result = channel_maps_import(channel=channel, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{channel.name}: {result['locations']} location(s) read, "
                                  f"{result['locations_mapped']} mapped to a warehouse; {result['skus_mapped']} SKU(s) mapped.")
    return redirect(reverse("channel_edit", args=[account.pk, channel.pk]) + "#operations")


@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
@require_POST
def channel_locations(request, account, caps, channel_id: int):
    """Save the warehouse -> location map from the operations section's form (fields `location-<warehouse id>`)."""
    channel = channel_get_for_account(account=account, channel_id=channel_id)
    mapping = {}
    for warehouse in channel.warehouses.all():
        mapping[warehouse.pk] = request.POST.get(f"location-{warehouse.pk}", "").strip()
    try:
        count = channel_location_maps_set(channel=channel, mapping=mapping, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{channel.name}: {count} warehouse(s) mapped to a location.")
    return redirect(reverse("channel_edit", args=[account.pk, channel.pk]) + "#operations")


@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
@require_POST
def channel_test(request, account, caps, channel_id: int):
    channel = channel_get_for_account(account=account, channel_id=channel_id)
    try:
        messages.success(request, f"{channel.name}: {connector_test(channel)}")
    except ConnectorError as exc:
        messages.error(request, exc.message)
    return redirect("channel_list", account.pk)


@account_view(roles.ADMINISTER, denied="Your role cannot manage channels.")
@require_POST
def products_import(request, account, caps):
    try:
        result = products_import_from_master(account=account, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Products imported: {result['created']} new, {result['updated']} updated.")
    return redirect("channel_list", account.pk)
