"""Writes of channels: saving a channel with its connection (secret encrypted), and importing products from
the account's master channel (upsert by SKU)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from channels.models import Channel, ChannelConnection, ChannelState
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
    origin = url_origin(connection.base_url)
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
        bound = url_origin(before.base_url) if before is not None else None
    if bound != origin:
        raise DomainError(SECRET_NOT_FOR_THIS_URL, field="secret")
    return stored


WEBHOOK_ORIGIN = "webhook"  # a webhook secret is never sent anywhere: it only checks what the channel sends


def channel_save(
    *, account, channel: Channel, warehouses, connection: ChannelConnection, secret: str | None, clear_secret: bool,
    by, webhook_secret: str | None = None, clear_webhook_secret: bool = False,
) -> Channel:
    """Save a channel (new or edited) and its connection. Warehouses must be the account's own; a stored secret
    is kept only for the address it was entered for (`_clean_secret`). The webhook signing secret is replaced
    when one is given, removed with `clear_webhook_secret`, else kept."""
    if any(w.account_id != account.pk for w in warehouses):
        raise DomainError("A mapped warehouse belongs to another account.", field="warehouses")
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
    return channel


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


def channel_state_save(*, channel: Channel, **fields) -> ChannelState:
    """Set the given fields of the channel's connector state (created on first use), in one statement."""
    state, _ = ChannelState.objects.update_or_create(channel=channel, defaults=fields)
    return state
