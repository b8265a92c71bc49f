"""The first build steps: accounts, channels, account settings, the catalogue, recurring jobs and users."""

import json
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from accounts import services
from accounts.demo.sales import SALES
from accounts.demo.spec import (
    ACCOUNT_RETENTION_DAYS,
    ACCOUNT_SETTINGS,
    ACCOUNTS,
    BATCH,
    CHANNELS,
    DEMO_PASSWORD,
    DEMO_USERS,
    RECURRING_JOBS,
    AccountSpec,
    amazon_emulator_url,
    sandbox_url,
    shopify_emulator_url,
)
from accounts.demo.world import DemoWorld
from accounts.models import RecurringJob
from accounts.tenancy.models import Membership, User
from accounts.tenancy.services import member_add, password_validate
from channels.models import Channel, ChannelConnection
from channels.outbound import url_origin
from channels.secrets import secret_encrypt
from orders.models import Product, Variant


def step_accounts(world: DemoWorld) -> None:
    for spec in ACCOUNTS:
        account, _key = services.account_create(name=spec.name, code=spec.code, timezone_name=spec.timezone, by=None)
        world.accounts[spec.code] = account
        world.warehouses[spec.code] = [
            services.warehouse_create(account=account, by=None, name=name, code=code, city=city, country=country)
            for name, code, city, country in spec.warehouses
        ]


def _amazon_connection(channel: Channel) -> ChannelConnection:
    """The demo's Amazon channel talks to the local SP-API emulator with its demo credentials."""
    from sandbox import amazon as emulator

    token_url = amazon_emulator_url() + "/auth/o2/token"
    credentials = json.dumps({"client_id": emulator.CLIENT_ID, "client_secret": emulator.CLIENT_SECRET,
                              "refresh_token": emulator.REFRESH_TOKEN})
    return ChannelConnection(
        channel=channel, base_url=amazon_emulator_url(), token_url=token_url, seller_id=emulator.SELLER_ID,
        marketplace_ids=emulator.MARKETPLACE_ID, auth_header="",
        secret_encrypted=secret_encrypt(credentials, origin=url_origin(token_url)),
    )


def _shopify_connection(channel: Channel) -> ChannelConnection:
    """The demo's Shopify channel talks to the local Shopify emulator with its token."""
    from sandbox.shopify import TOKEN

    url = shopify_emulator_url()
    return ChannelConnection(channel=channel, base_url=url, auth_header="X-Shopify-Access-Token",
                             secret_encrypted=secret_encrypt(TOKEN, origin=url_origin(url)))


def step_channels(world: DemoWorld) -> None:
    channels = Channel.objects.bulk_create(
        [
            Channel(
                account=world.accounts[spec.account],
                kind=spec.kind,
                name=spec.name,
                connector_type=spec.connector,
                supports_product_import=spec.product_import,
                supports_order_import=spec.order_import,
                supports_inventory_updates=spec.inventory,
                supports_shipments=spec.shipments,
                order_format=spec.order_format,
            )
            for spec in CHANNELS
        ]
    )
    world.channels = {(spec.account, spec.name): channel for spec, channel in zip(CHANNELS, channels, strict=True)}
    # Every connected channel talks to the sandbox marketplace that `make run` starts (Procfile; it speaks the
    # generic HTTP/JSON protocol too), so stock changes in the demo really reach a channel; the Shopify one talks
    # to the Shopify emulator with its token.
    ChannelConnection.objects.bulk_create(
        [
            _amazon_connection(channel) if channel.connector_type == Channel.Connector.AMAZON
            else _shopify_connection(channel) if channel.connector_type == Channel.Connector.SHOPIFY
            else ChannelConnection(channel=channel, base_url=sandbox_url())
            for channel in channels
            if channel.connector_type != Channel.Connector.MANUAL
        ]
    )
    Through = Channel.warehouses.through
    Through.objects.bulk_create(
        [
            Through(channel_id=channel.pk, warehouse_id=warehouse.pk)
            for (code, _), channel in world.channels.items()
            for warehouse in world.warehouses[code]
        ]
    )


def step_account_settings(world: DemoWorld) -> None:
    """Default warehouse, units, currency and workflow through account_update; PII retention through its service."""
    for spec in ACCOUNTS:
        account = world.accounts[spec.code]
        changes = dict(ACCOUNT_SETTINGS.get(spec.code, {}))
        if "master_product_channel" in changes:
            changes["master_product_channel"] = world.channels[(spec.code, changes["master_product_channel"])]
        size, volume, weight = spec.units
        changes.update(default_warehouse=world.warehouses[spec.code][0], size_unit=size, volume_unit=volume,
                       weight_unit=weight, currency=SALES[spec.code].currency)
        account = services.account_update(account=account, changes=changes, by=None)
        overrides = {
            world.channels[(c.account, c.name)].pk: c.pii_retention_days
            for c in CHANNELS
            if c.account == spec.code and c.kind == Channel.Kind.SALES and c.pii_retention_days
        }
        world.accounts[spec.code] = services.account_privacy_update(
            account=account, retention_days=ACCOUNT_RETENTION_DAYS[spec.code], channel_overrides=overrides, by=None
        )


def _product_rows(spec: AccountSpec) -> list[tuple[str, str, list[tuple[str, str, Decimal, Decimal]]]]:
    """(product name, description, [(sku, variant name, price, weight)]) for each of the account's products."""
    rows = []
    for n in range(spec.products):
        noun, options, base = spec.items[n % len(spec.items)]
        adjective = spec.adjectives[(n // len(spec.items)) % len(spec.adjectives)]
        name = f"{adjective} {noun}"
        price = base + Decimal(n % 5) * Decimal("5.00")
        weight = (Decimal("0.250") + Decimal(n % 7) * Decimal("0.125")).quantize(Decimal("0.001"))
        variants = [
            (
                f"{spec.sku_prefix}-{n + 1:04d}" + (f"-{option.replace(' ', '').upper()}" if option else ""),
                f"{name} {option}".strip(),
                price + Decimal(i) * Decimal("2.00"),
                weight,
            )
            for i, option in enumerate(options)
        ]
        rows.append((name, f"{name} from the {spec.name} range.", variants))
    return rows


def step_catalog(world: DemoWorld) -> None:
    """About 200 products with their variants, in bulk: one insert per batch of products and of variants."""
    plans = [(world.accounts[spec.code], _product_rows(spec)) for spec in ACCOUNTS]
    bar = world.progress(total=sum(len(rows) for _, rows in plans), desc="Products", unit="product")
    try:
        for account, rows in plans:
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                products = Product.objects.bulk_create(
                    [Product(account=account, name=name, description=text) for name, text, _ in batch]
                )
                Variant.objects.bulk_create(
                    [
                        Variant(account=account, product=product, sku=sku, name=label, price=price, weight=weight)
                        for product, (_, _, variants) in zip(products, batch, strict=True)
                        for sku, label, price, weight in variants
                    ]
                )
                bar.update(len(batch))
    finally:
        bar.close()


def step_recurring_jobs(world: DemoWorld) -> None:
    for code, job_type, channel_name, interval, cron in RECURRING_JOBS:
        job = RecurringJob(
            account=world.accounts[code],
            job_type=job_type,
            channel=world.channels[(code, channel_name)] if channel_name else None,
            interval_minutes=interval,
            cron=cron,
        )
        services.recurring_job_save(job=job, by=None)


def step_users(world: DemoWorld) -> None:
    """One user per role. The users come first, sharing one password hash (hashing is the slow part), then
    the services give them their roles."""
    emails = [u.email for u in DEMO_USERS]
    for user in DEMO_USERS:  # the published password still meets the password policy
        password_validate(password=DEMO_PASSWORD, email=user.email, full_name=user.full_name)
    password = make_password(DEMO_PASSWORD)
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.filter(email__in=existing).update(password=password, is_active=True)
    User.objects.bulk_create(
        [
            User(email=u.email, password=password, first_name=u.full_name.partition(" ")[0],
                 last_name=u.full_name.partition(" ")[2], is_superuser=u.system_admin, is_staff=u.system_admin)
            for u in DEMO_USERS
            if u.email not in existing
        ]
    )
    organization, first_account = world.organization, world.accounts[ACCOUNTS[0].code]
    for user in DEMO_USERS:
        if user.system_admin:
            User.objects.filter(email=user.email).update(is_superuser=True, is_staff=True)
        elif user.org_role:
            member_add(organization=organization, email=user.email, role=user.org_role)
        else:
            member_add(organization=organization, email=user.email, role=Membership.Role.MEMBER)
            services.account_role_grant(
                account=first_account, organization=organization, email=user.email, role=user.account_role, by=None
            )
    world.users = {u.email: u for u in User.objects.filter(email__in=emails)}
