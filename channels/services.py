"""Writes of channels: saving a channel with its connection (secret encrypted), and importing products from
the account's master channel (upsert by SKU)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.tenancy.lookups import lookups_changed

from channels.models import Channel, ChannelConnection, ChannelLocationMap, ChannelSkuMap, ChannelState
from channels.outbound import url_origin
from channels.secrets import SecretUnreadable, secret_encrypt, secret_open
from oms.exceptions import DomainError

SECRET_NOT_FOR_THIS_URL = (
    "The base URL now points to another address (scheme, host or port) than the one the stored secret was "
    "entered for: enter the secret again for the new address, or remove it."
)


def _clean_secret(*, connection: ChannelConnection, secret: str | None, clear_secret: bool) -> str:
    """The encrypted secret to store. A stored secret is kept only while the base URL keeps its origin: it is
    sent nowhere else, so a changed scheme, host or port needs the secret entered again."""
    if clear_secret:
        return ""
    origin = url_origin(connection.secret_url)
    if secret:
        return secret_encrypt(secret, origin=origin)
    before = None
    if connection.pk is not None:
        before = ChannelConnection.objects.select_for_update().filter(pk=connection.pk).first()
    stored = before.secret_encrypted if before is not None else connection.secret_encrypted
    if not stored:
        return ""
    try:
        bound = secret_open(stored).origin
    except SecretUnreadable:
        bound = None
    if bound is None:  # unreadable, or stored before secrets were bound: the URL it was saved with
        bound = url_origin(before.secret_url) if before is not None else None
    if bound != origin:
        raise DomainError(SECRET_NOT_FOR_THIS_URL, field="secret")
    return stored


WEBHOOK_ORIGIN = "webhook"  # a webhook secret is never sent anywhere: it only checks what the channel sends


def _clean_amazon(connection: ChannelConnection) -> None:
    """An Amazon channel needs its SP-API endpoint (base URL), the token endpoint, the seller and a marketplace."""
    for field, label in (("base_url", "the Selling Partner API endpoint as base URL"),
                         ("token_url", "the Login with Amazon token URL"), ("seller_id", "the seller id"),
                         ("marketplace_ids", "at least one marketplace id")):
        if not getattr(connection, field):
            raise DomainError(f"An Amazon channel needs {label}.", field=field)


# What a protocol fixes on its channels: Shopify's token header and its order JSON.
PROTOCOL_FIXED = {
    Channel.Connector.SHOPIFY: {"auth_header": "X-Shopify-Access-Token", "order_format": "shopify"},
}


def _clean_protocol(*, channel: Channel, connection: ChannelConnection) -> None:
    fixed = PROTOCOL_FIXED.get(channel.connector_type)
    if not fixed:
        return
    if not connection.base_url:
        raise DomainError("Enter the shop's address, e.g. https://your-shop.myshopify.com.", field="base_url")
    connection.auth_header = fixed["auth_header"]
    channel.order_format = fixed["order_format"]


def channel_save(
    *, account, channel: Channel, warehouses, connection: ChannelConnection, secret: str | None, clear_secret: bool,
    by, webhook_secret: str | None = None, clear_webhook_secret: bool = False,
) -> Channel:
    """Save a channel (new or edited) and its connection. Warehouses must be the account's own; a stored secret
    is kept only for the address it was entered for (`_clean_secret`). The webhook signing secret is replaced
    when one is given, removed with `clear_webhook_secret`, else kept."""
    if any(w.account_id != account.pk for w in warehouses):
        raise DomainError("A mapped warehouse belongs to another account.", field="warehouses")
    if channel.connector_type == Channel.Connector.AMAZON:
        _clean_amazon(connection)
    _clean_protocol(channel=channel, connection=connection)
    with transaction.atomic():
        connection.secret_encrypted = _clean_secret(connection=connection, secret=secret, clear_secret=clear_secret)
        if clear_webhook_secret:
            connection.webhook_secret_encrypted = ""
        elif webhook_secret:
            connection.webhook_secret_encrypted = secret_encrypt(webhook_secret, origin=WEBHOOK_ORIGIN)
        channel.account = account
        channel.save()
        channel.warehouses.set(warehouses)
        connection.channel = channel
        connection.save()
        lookups_changed()  # a deactivated channel or a new webhook secret holds at once for cached webhook look-ups
    return channel


def channel_delete(*, channel: Channel, by) -> None:
    """Delete a channel no order came from or was fulfilled by; else refuse, naming how many use it."""
    from accounts.services import activity_log
    from orders.selectors import orders_using, used_by_orders

    with transaction.atomic():
        count = orders_using(field="channel", value=channel.pk, or_field="fulfillment_channel")
        if count:
            raise DomainError(used_by_orders(what=f"Channel {channel.name}", count=count))
        Channel.objects.filter(pk=channel.pk).delete()
        lookups_changed()
        activity_log(account=channel.account, by=by, action="channel.deleted", summary=f"Deleted channel {channel.name}")


def channel_get_for_account(*, account, channel_id) -> Channel:
    """The same 404 for a missing channel and another account's."""
    from django.http import Http404

    try:
        return Channel.objects.select_related("connection").get(account=account, pk=int(channel_id))
    except (Channel.DoesNotExist, ValueError, TypeError):
        raise Http404("No such channel.") from None


def products_import_from_master(*, account, by=None) -> dict[str, int]:
    """Upsert the master channel's products by SKU: an existing SKU is updated, a new one created. Running it
    twice, or after switching the source, never duplicates a SKU (the database's unique SKU backs this)."""
    from channels.connectors import connector_products
    from orders.models import Product, Variant

    channel = account.master_product_channel
    if channel is None:
        raise DomainError("The account's master product source is OMS: there is nothing to import.")
    channel = Channel.objects.select_related("connection").get(pk=channel.pk, account=account)
    items = {}
    for item in connector_products(channel):
        sku = str(item.get("sku") or "").strip()
        if sku:
            items[sku] = item
    created = updated = 0
    with transaction.atomic():
        existing = {v.sku: v for v in Variant.objects.select_for_update().filter(account=account, sku__in=list(items))}
        changed, new_products, new_variants = [], [], []
        for sku, item in items.items():
            try:
                price = Decimal(str(item.get("price") or "0"))
            except InvalidOperation:
                price = Decimal(0)
            name = str(item.get("name") or sku)[:200]
            if sku in existing:
                variant = existing[sku]
                variant.name, variant.price = name, price
                changed.append(variant)
            else:
                product = Product(account=account, name=name)
                new_products.append(product)
                new_variants.append(Variant(account=account, product=product, sku=sku, name=name, price=price))
        Product.objects.bulk_create(new_products)
        for variant in new_variants:
            variant.product_id = variant.product.pk
        Variant.objects.bulk_create(new_variants, ignore_conflicts=True)
        Variant.objects.bulk_update(changed, ["name", "price"])
        created, updated = len(new_variants), len(changed)
    return {"created": created, "updated": updated}


def channel_state_save(*, channel: Channel, **fields) -> None:
    """Set the given fields of the channel's connector state (created on first use); one UPDATE once it exists."""
    if not ChannelState.objects.filter(channel=channel).update(**fields):
        ChannelState.objects.update_or_create(channel=channel, defaults=fields)


def channel_maps_import(*, channel: Channel, by=None) -> dict[str, int]:
    """Read the channel's locations and SKUs and map them: a channel warehouse to the location of the same name
    or code (an existing map is kept), each account SKU the channel lists to its id there (a SKU gone from the
    channel loses its map). Raises ConnectorError when the channel cannot be reached; writes nothing then."""
    from channels.connectors import connector_locations, connector_sku_ids
    from orders.models import Variant

    remote_locations = connector_locations(channel)
    remote_skus = {sku: item for sku, item in connector_sku_ids(channel).items() if item}
    with transaction.atomic():
        state, _ = ChannelState.objects.select_for_update().get_or_create(channel=channel)
        state.locations = remote_locations
        state.save(update_fields=["locations"])
        names = {str(loc["name"]).strip().lower(): loc["id"] for loc in remote_locations}
        known = {loc["id"]: loc["name"] for loc in remote_locations}
        maps = {m.warehouse_id: m for m in ChannelLocationMap.objects.select_for_update().filter(channel=channel)}
        taken = {m.remote_id for m in maps.values()}
        new_maps = []
        for warehouse in channel.warehouses.all():
            if warehouse.pk in maps:
                continue
            remote = names.get(warehouse.name.strip().lower()) or names.get(warehouse.code.strip().lower())
            if remote and remote not in taken:
                taken.add(remote)
                new_maps.append(ChannelLocationMap(account_id=channel.account_id, channel=channel,
                                                   warehouse=warehouse, remote_id=remote, remote_name=known[remote]))
        ChannelLocationMap.objects.bulk_create(new_maps)
        renamed = [m for m in maps.values() if m.remote_id in known and m.remote_name != known[m.remote_id]]
        for m in renamed:  # the names may have changed in the channel
            m.remote_name = known[m.remote_id]
        ChannelLocationMap.objects.bulk_update(renamed, ["remote_name"])
        variants = dict(Variant.objects.filter(account_id=channel.account_id, sku__in=list(remote_skus))
                        .values_list("sku", "id"))
        ChannelSkuMap.objects.filter(channel=channel).delete()  # rebuilt from what the channel lists now
        ChannelSkuMap.objects.bulk_create([
            ChannelSkuMap(account_id=channel.account_id, channel=channel, variant_id=variant_id,
                          remote_id=remote_skus[sku], remote_sku=sku)
            for sku, variant_id in variants.items()
        ])
    return {"locations": len(remote_locations), "locations_mapped": len(maps) + len(new_maps),
            "skus_mapped": len(variants)}


def channel_location_maps_set(*, channel: Channel, mapping: dict[int, str], by=None) -> int:
    """Map each of the channel's warehouses to one of its imported locations ("" leaves it unmapped); a location
    stocks one warehouse at most. Replaces the channel's location maps in one transaction; returns how many."""
    state = ChannelState.objects.filter(channel=channel).first()
    known = {loc["id"]: loc["name"] for loc in (state.locations if state else [])}
    warehouses = {w.pk: w for w in channel.warehouses.all()}
    chosen = {int(w): r for w, r in mapping.items() if r}
    if any(w not in warehouses for w in chosen):
        raise DomainError("A warehouse is not one of this channel's warehouses.")
    if any(r not in known for r in chosen.values()):
        raise DomainError("A location is not one of the channel's locations: import them again.")
    if len(set(chosen.values())) != len(chosen):
        raise DomainError("Each location can stock one warehouse only.")
    with transaction.atomic():
        ChannelLocationMap.objects.filter(channel=channel).delete()
        ChannelLocationMap.objects.bulk_create([
            ChannelLocationMap(account_id=channel.account_id, channel=channel, warehouse=warehouses[w], remote_id=r,
                               remote_name=known[r])
            for w, r in chosen.items()
        ])
    return len(chosen)
