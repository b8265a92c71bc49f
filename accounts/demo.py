"""The demo organization: one call builds "Demo Company" at demo.<ORGANIZATION_DOMAIN> with accounts,
warehouses, channels, a catalogue, recurring jobs and a user for every role.

Loaded once: when the organization exists, `demo_seed` changes nothing (pass `reset=True` to drop it and
build it again). Everything happens in one transaction, so a failure leaves no half-built demo behind.

The data is fixed (the orders step draws from seeded generators), so every load yields the same counts. Each
step is a function taking the `DemoWorld` built so far; the orders step appends itself to `STEPS`.

Demo logins all use DEMO_PASSWORD. Users are shared by every organization and are never deleted, so a
reload (after a reset) resets the demo users' passwords to DEMO_PASSWORD and reactivates them.
"""

import datetime as dt
import os
import random
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from accounts import services
from accounts.choices import MasterProductSource
from accounts.models import Account, RecurringJob, Warehouse
from accounts.roles import AccountRole
from accounts.tenancy.models import Membership, Organization, User
from accounts.tenancy.services import member_add, organization_create, password_validate
from channels.models import Channel, ChannelConnection
from inventory.models import StockLevel
from inventory.services import stock_levels_create
from orders.models import Customer, Order, OrderEvent, Product, Promotion, ShippingMethod, TaxJurisdiction, Variant
from orders.pricing import LineInput
from orders.services.create import HOLDS_STOCK, OrderDraft, orders_insert

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Company"
DEMO_PASSWORD = "demo-pass-123"
DEMO_EMAIL_DOMAIN = "demo.example.com"
SANDBOX_URL = f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8765')}"
BATCH = 25  # products per bulk insert (and per progress-bar step)


# What the demo holds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    name: str
    code: str
    sku_prefix: str
    timezone: str
    units: tuple[str, str, str]  # size, volume, weight
    warehouses: list[tuple[str, str, str, str]]  # name, code, city, country; the first is the default
    products: int
    adjectives: list[str]
    items: list[tuple[str, list[str], Decimal]]  # product noun, variant options, base price


ACCOUNTS = [
    AccountSpec(
        name="Northwind Outdoor",
        code="NORTHWIND",
        sku_prefix="NW",
        timezone="America/New_York",
        units=("in", "in3", "lb"),
        warehouses=[("Newark DC", "NWK", "Newark", "US"), ("Reno DC", "RNO", "Reno", "US"),
                    ("Toronto Hub", "YYZ", "Toronto", "CA")],
        products=80,
        adjectives=["Summit", "Ridge", "Alpine", "Canyon", "Cascade", "Timber", "Granite", "Glacier"],
        items=[
            ("Trail Jacket", ["S", "M", "L", "XL"], Decimal("129.00")),
            ("Hiking Boot", ["8", "9", "10", "11"], Decimal("149.00")),
            ("Daypack 24L", ["Black", "Moss"], Decimal("79.00")),
            ("Two-Person Tent", [""], Decimal("299.00")),
            ("Sleeping Bag", ["Regular", "Long"], Decimal("189.00")),
            ("Headlamp", [""], Decimal("39.00")),
            ("Insulated Bottle", ["Steel", "Blue"], Decimal("29.00")),
            ("Trekking Poles", [""], Decimal("89.00")),
            ("Rain Shell", ["S", "M", "L"], Decimal("159.00")),
            ("Fleece Pullover", ["S", "M", "L", "XL"], Decimal("69.00")),
        ],
    ),
    AccountSpec(
        name="Lumen Home",
        code="LUMEN",
        sku_prefix="LU",
        timezone="Europe/Berlin",
        units=("cm", "l", "kg"),
        warehouses=[("Berlin Central", "BER", "Berlin", "DE"), ("Rotterdam Port", "RTM", "Rotterdam", "NL")],
        products=70,
        adjectives=["Nordic", "Oak", "Brass", "Linen", "Amber", "Marble", "Willow"],
        items=[
            ("Table Lamp", ["White", "Black"], Decimal("89.00")),
            ("Floor Lamp", [""], Decimal("179.00")),
            ("Pendant Light", ["Small", "Large"], Decimal("129.00")),
            ("Throw Pillow", ["Sand", "Sage", "Rust"], Decimal("29.00")),
            ("Duvet Cover", ["Single", "Double", "King"], Decimal("99.00")),
            ("Scented Candle", [""], Decimal("19.00")),
            ("Vase", ["Small", "Tall"], Decimal("45.00")),
            ("Wall Mirror", [""], Decimal("139.00")),
            ("Rug 160x230", [""], Decimal("249.00")),
            ("Side Table", [""], Decimal("159.00")),
        ],
    ),
    AccountSpec(
        name="Kite Kids",
        code="KITE",
        sku_prefix="KK",
        timezone="Asia/Tokyo",
        units=("cm", "cm3", "g"),
        warehouses=[("Tokyo Bay", "TYO", "Tokyo", "JP"), ("Osaka North", "OSA", "Osaka", "JP")],
        products=50,
        adjectives=["Rainbow", "Dragon", "Panda", "Rocket", "Sunny", "Ocean"],
        items=[
            ("Kite", [""], Decimal("24.00")),
            ("Jigsaw Puzzle", ["100 pc", "500 pc"], Decimal("18.00")),
            ("Plush Toy", [""], Decimal("22.00")),
            ("Building Blocks", ["Starter", "Deluxe"], Decimal("39.00")),
            ("Rain Boots", ["24", "26", "28", "30"], Decimal("32.00")),
            ("School Backpack", [""], Decimal("45.00")),
            ("Crayon Set", [""], Decimal("9.00")),
            ("Picture Book", [""], Decimal("14.00")),
        ],
    ),
]


@dataclass(frozen=True)
class ChannelSpec:
    account: str  # account code
    kind: str
    name: str
    connector: str
    product_import: bool = False
    order_import: bool = False
    inventory: bool = False
    shipments: bool = False
    pii_retention_days: int | None = None
    order_format: str = "oms"  # the intake adapter that reads its orders (intake/adapters/)


_S, _F = Channel.Kind.SALES, Channel.Kind.FULFILLMENT
_C = Channel.Connector
CHANNELS = [
    ChannelSpec("NORTHWIND", _S, "Northwind Web Store", _C.SANDBOX, product_import=True, order_import=True,
                inventory=True, order_format="sandbox"),
    ChannelSpec("NORTHWIND", _S, "Trailhead Marketplace", _C.HTTP_JSON, order_import=True, inventory=True,
                pii_retention_days=30, order_format="shopify"),
    ChannelSpec("NORTHWIND", _F, "ShipRight 3PL", _C.HTTP_JSON, inventory=True, shipments=True),
    ChannelSpec("LUMEN", _S, "Lumen Online Shop", _C.SANDBOX, product_import=True, order_import=True, inventory=True,
                pii_retention_days=180, order_format="sandbox"),
    ChannelSpec("LUMEN", _S, "Berlin Showroom", _C.MANUAL),
    ChannelSpec("LUMEN", _F, "Lumen Logistics", _C.SANDBOX, product_import=True, inventory=True, shipments=True),
    ChannelSpec("KITE", _S, "Kite Kids Store", _C.SANDBOX, product_import=True, order_import=True, inventory=True,
                order_format="sandbox"),
    ChannelSpec("KITE", _F, "Sakura Fulfillment", _C.HTTP_JSON, inventory=True, shipments=True),
]
# Account settings set through account_update once channels exist.
ACCOUNT_SETTINGS = {
    "LUMEN": {"master_product_source": MasterProductSource.SALES_CHANNEL, "master_product_channel": "Lumen Online Shop",
              "license_type": "professional"},
    "KITE": {"auto_sales_order_workflow": True},
}
ACCOUNT_RETENTION_DAYS = {"NORTHWIND": None, "LUMEN": 365, "KITE": 730}

# account code, job type, channel name or None, interval minutes or None, cron
RECURRING_JOBS = [
    ("NORTHWIND", RecurringJob.JobType.IMPORT_ORDERS, "Northwind Web Store", 15, ""),
    ("LUMEN", RecurringJob.JobType.IMPORT_PRODUCTS, "Lumen Online Shop", None, "0 2 * * *"),
    ("LUMEN", RecurringJob.JobType.REDACT_PII, None, None, "30 3 * * *"),
    ("KITE", RecurringJob.JobType.SYNC_INVENTORY, "Kite Kids Store", 60, ""),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    system_admin: bool = False
    org_role: str | None = None  # a Membership.Role in the demo organization
    account_role: str | None = None  # an AccountRole on the first account

    @property
    def role(self) -> str:
        if self.system_admin:
            return "System administrator"
        if self.org_role:
            return Membership.Role(self.org_role).label
        return f"{AccountRole(self.account_role).label} of {ACCOUNTS[0].name}"

    @property
    def where(self) -> str:
        """Where the user signs in: the public site (system admin) or the demo organization's address."""
        return "public" if self.system_admin else "organization"


def _email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


DEMO_USERS = [
    DemoUser(_email("sysadmin"), "Sam Sysadmin", system_admin=True),
    DemoUser(_email("admin"), "Olivia Owner", org_role=Membership.Role.ADMIN),
    DemoUser(_email("supervisor"), "Sid Supervisor", org_role=Membership.Role.SUPERVISOR),
    DemoUser(_email("account-admin"), "Ada Accountadmin", account_role=AccountRole.ADMIN),
    DemoUser(_email("agent"), "Alex Agent", account_role=AccountRole.AGENT),
    DemoUser(_email("viewer"), "Vic Viewer", account_role=AccountRole.VIEWER),
]


# The build ---------------------------------------------------------------------------------------------------


class _NoProgress:
    def __init__(self, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class DemoWorld:
    """What the steps have built so far; each step reads what it needs and adds what it made."""

    organization: Organization
    progress: Callable  # tqdm-like: progress(total=, desc=, unit=) -> object with update(n) and close()
    accounts: dict[str, Account] = field(default_factory=dict)  # by code
    warehouses: dict[str, list[Warehouse]] = field(default_factory=dict)  # by account code
    channels: dict[tuple[str, str], Channel] = field(default_factory=dict)  # by (account code, name)
    users: dict[str, User] = field(default_factory=dict)  # by email


@dataclass
class DemoResult:
    organization: Organization
    created: bool  # False: the demo was already there and nothing changed
    users: list[DemoUser]  # every demo login; they all use DEMO_PASSWORD
    counts: dict[str, int]


def _accounts(world: DemoWorld) -> None:
    for spec in ACCOUNTS:
        account, _key = services.account_create(name=spec.name, code=spec.code, timezone_name=spec.timezone, by=None)
        world.accounts[spec.code] = account
        world.warehouses[spec.code] = [
            services.warehouse_create(account=account, by=None, name=name, code=code, city=city, country=country)
            for name, code, city, country in spec.warehouses
        ]


def _channels(world: DemoWorld) -> None:
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
    # generic HTTP/JSON protocol too), so stock changes in the demo really reach a channel.
    ChannelConnection.objects.bulk_create(
        [
            ChannelConnection(channel=channel, base_url=SANDBOX_URL)
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


def _account_settings(world: DemoWorld) -> None:
    """Default warehouse, units and workflow through account_update; PII retention through its service."""
    for spec in ACCOUNTS:
        account = world.accounts[spec.code]
        changes = dict(ACCOUNT_SETTINGS.get(spec.code, {}))
        if "master_product_channel" in changes:
            changes["master_product_channel"] = world.channels[(spec.code, changes["master_product_channel"])]
        size, volume, weight = spec.units
        changes.update(default_warehouse=world.warehouses[spec.code][0], size_unit=size, volume_unit=volume,
                       weight_unit=weight)
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


def _catalog(world: DemoWorld) -> None:
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


def _recurring_jobs(world: DemoWorld) -> None:
    for code, job_type, channel_name, interval, cron in RECURRING_JOBS:
        job = RecurringJob(
            account=world.accounts[code],
            job_type=job_type,
            channel=world.channels[(code, channel_name)] if channel_name else None,
            interval_minutes=interval,
            cron=cron,
        )
        services.recurring_job_save(job=job, by=None)


def _users(world: DemoWorld) -> None:
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


# Steps run in order, inside the demo organization's schema. Append a step to extend the demo.
STEPS: list[Callable[[DemoWorld], None]] = [_accounts, _channels, _account_settings, _catalog, _recurring_jobs,
                                            _users]


def demo_counts(organization: Organization) -> dict[str, int]:
    with tenant_context(organization):
        return {
            "accounts": Account.objects.count(),
            "warehouses": Warehouse.objects.count(),
            "channels": Channel.objects.count(),
            "products": Product.objects.count(),
            "variants": Variant.objects.count(),
            "recurring jobs": RecurringJob.objects.count(),
            "customers": Customer.objects.count(),
            "orders": Order.objects.count(),
            "members": Membership.objects.filter(organization=organization).count(),
        }


def demo_drop() -> bool:
    """Drop the demo organization, schema and all. Its users stay (they are shared); True if it existed."""
    with schema_context(get_public_schema_name()):
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            return False
        with transaction.atomic():
            Membership.objects.filter(organization=organization).delete()
            organization.delete(force_drop=True)
        return True


def demo_seed(*, reset: bool = False, progress: Callable | None = None) -> DemoResult:
    """Load the demo organization once. With `reset`, drop it first. One transaction for all of it."""
    progress = progress or _NoProgress
    with schema_context(get_public_schema_name()), transaction.atomic():
        if reset:
            demo_drop()
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is not None:
            return DemoResult(organization, False, DEMO_USERS, demo_counts(organization))
        organization = organization_create(name=DEMO_NAME, slug=DEMO_SLUG)
        world = DemoWorld(organization=organization, progress=progress)
        with tenant_context(organization):
            for step in STEPS:
                step(world)
        return DemoResult(organization, True, DEMO_USERS, demo_counts(organization))


# Orders: taxes, shipping, promotions, customers, stock and about 2,000 orders ----------------------------------
#
# Random but repeatable: one seeded generator per account, so every load gives the same orders (their dates
# move with today). Orders go through `orders_insert` in batches, priced with the promotions valid on each
# order's date (all promotions fetched once per account), and allocate stock, so every count adds up.

ORDER_SEED = 20_240_601
ORDER_DAYS = 180
ORDER_BATCH = 250
CUSTOMERS_PER_ACCOUNT = 300


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    country: str
    tax: str  # tax jurisdiction code


@dataclass(frozen=True)
class SalesSpec:
    orders: int
    currency: str
    taxes: list[tuple[str, str, str]]  # code, name, rate
    shipping: list[tuple[str, str, str, str, str]]  # code, name, price, carrier code, service code
    places: list[Place]
    warehouse_by_country: dict[str, str]  # country -> warehouse code; others use the default warehouse


SALES = {
    "NORTHWIND": SalesSpec(
        orders=900,
        currency="USD",
        taxes=[("US-NY", "New York", "0.08875"), ("US-CA", "California", "0.0725"), ("CA-ON", "Ontario HST", "0.13")],
        shipping=[("GROUND", "Standard ground", "6.95", "UPS", "GROUND"),
                  ("2DAY", "Express 2-day", "14.95", "FEDEX", "FEDEX_2_DAY"),
                  ("NEXTDAY", "Next day air", "29.00", "UPS", "NEXT_DAY_AIR")],
        places=[Place("New York", "NY", "US", "US-NY"), Place("Brooklyn", "NY", "US", "US-NY"),
                Place("Buffalo", "NY", "US", "US-NY"), Place("Los Angeles", "CA", "US", "US-CA"),
                Place("San Francisco", "CA", "US", "US-CA"), Place("San Diego", "CA", "US", "US-CA"),
                Place("Toronto", "ON", "CA", "CA-ON"), Place("Ottawa", "ON", "CA", "CA-ON")],
        warehouse_by_country={"CA": "YYZ"},
    ),
    "LUMEN": SalesSpec(
        orders=650,
        currency="EUR",
        taxes=[("DE", "Germany VAT", "0.19"), ("NL", "Netherlands VAT", "0.21")],
        shipping=[("PAKET", "DHL Paket", "4.99", "DHL", "PAKET"), ("CLASSIC", "DPD Classic", "5.90", "DPD", "CLASSIC"),
                  ("EXPRESS", "DHL Express", "19.90", "DHL", "EXPRESS")],
        places=[Place("Berlin", "", "DE", "DE"), Place("Hamburg", "", "DE", "DE"), Place("München", "", "DE", "DE"),
                Place("Köln", "", "DE", "DE"), Place("Amsterdam", "", "NL", "NL"), Place("Utrecht", "", "NL", "NL"),
                Place("Rotterdam", "", "NL", "NL")],
        warehouse_by_country={"NL": "RTM"},
    ),
    "KITE": SalesSpec(
        orders=450,
        currency="USD",
        taxes=[("JP", "Japan consumption tax", "0.10"), ("JP-REDUCED", "Japan reduced rate", "0.08")],
        shipping=[("TAQBIN", "Yamato TA-Q-BIN", "8.00", "YAMATO", "TAQBIN"),
                  ("HIKYAKU", "Sagawa Hikyaku", "7.50", "SAGAWA", "HIKYAKU"),
                  ("YUPACK", "Japan Post Yu-Pack", "6.00", "JPPOST", "YU_PACK")],
        places=[Place("Tokyo", "Tokyo", "JP", "JP"), Place("Yokohama", "Kanagawa", "JP", "JP"),
                Place("Osaka", "Osaka", "JP", "JP"), Place("Kyoto", "Kyoto", "JP", "JP"),
                Place("Sapporo", "Hokkaido", "JP", "JP")],
        warehouse_by_country={},
    ),
}
FIRST_NAMES = {
    "US": ["James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Maria", "Daniel", "Aisha",
           "Kevin", "Emily", "Jose", "Grace", "Tyler"],
    "CA": ["Liam", "Olivia", "Noah", "Emma", "Lucas", "Chloe", "Ethan", "Sophie", "Mathieu", "Amélie"],
    "DE": ["Lukas", "Anna", "Felix", "Lea", "Jonas", "Mia", "Paul", "Hannah", "Leon", "Sophie", "Emre", "Jana"],
    "NL": ["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Milan", "Sanne", "Bram", "Fleur"],
    "JP": ["Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura", "Kaito", "Mei", "Riku", "Yuna"],
}
LAST_NAMES = {
    "US": ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Lee",
           "Walker", "Nguyen", "Patel", "Cohen"],
    "CA": ["Tremblay", "Roy", "Gagnon", "Wilson", "MacDonald", "Campbell", "Singh", "Leblanc", "Chen"],
    "DE": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Yilmaz"],
    "NL": ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Mulder", "de Boer"],
    "JP": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"],
}
STREETS = {
    "US": ["Main St", "Oak Ave", "Maple Dr", "Broadway", "Park Ave", "Cedar Ln", "Elm St", "Sunset Blvd"],
    "CA": ["Queen St W", "King St E", "Yonge St", "Bank St", "Bloor St W"],
    "DE": ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße", "Bergstraße"],
    "NL": ["Kerkstraat", "Dorpsstraat", "Keizersgracht", "Molenweg", "Stationsplein"],
    "JP": ["Chiyoda", "Minato", "Nakagyo", "Chuo", "Kita"],
}
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
CALLING_CODES = {"US": 1, "CA": 1, "DE": 49, "NL": 31, "JP": 81}
# Final status by the order's age in days: (up to this many days, [(status, weight), ...])
_St = Order.Status
STATUS_BY_AGE = [
    (3, [(_St.OPEN, 30), (_St.ALLOCATED, 40), (_St.ON_HOLD, 10), (_St.SHIPPED, 15), (_St.CANCELLED, 5)]),
    (21, [(_St.OPEN, 3), (_St.ALLOCATED, 15), (_St.ON_HOLD, 5), (_St.SHIPPED, 45), (_St.CLOSED, 25),
          (_St.CANCELLED, 7)]),
    (ORDER_DAYS + 1, [(_St.OPEN, 1), (_St.ALLOCATED, 3), (_St.ON_HOLD, 2), (_St.SHIPPED, 12), (_St.CLOSED, 74),
                      (_St.CANCELLED, 8)]),
]
# The status changes behind each final status, after the order was created (allocated, or open).
STATUS_PATHS = {
    _St.ON_HOLD: [(_St.ALLOCATED, _St.ON_HOLD)],
    _St.SHIPPED: [(_St.ALLOCATED, _St.SHIPPED)],
    _St.CLOSED: [(_St.ALLOCATED, _St.SHIPPED), (_St.SHIPPED, _St.CLOSED)],
    _St.CANCELLED: [(_St.OPEN, _St.CANCELLED)],
}
SOURCES = [(Order.Source.SALES_CHANNEL, 45), (Order.Source.MANUAL, 20), (Order.Source.API, 20),
           (Order.Source.IMPORT, 15)]
LINE_COUNTS = [(1, 30), (2, 28), (3, 20), (4, 11), (5, 7), (6, 4)]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _postal_code(rng: random.Random, country: str) -> str:
    if country == "US":
        return f"{rng.randint(10001, 96199):05d}"
    if country == "CA":
        letters = "ABCEGHJKLMNPRSTVXY"
        first = f"{rng.choice('KLM')}{rng.randint(1, 9)}{rng.choice(letters)}"
        return f"{first} {rng.randint(1, 9)}{rng.choice(letters)}{rng.randint(1, 9)}"
    if country == "NL":
        return f"{rng.randint(1011, 3599)} {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRST')}"
    if country == "JP":
        return f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
    return f"{rng.randint(10115, 99998):05d}"


def _street_line(rng: random.Random, country: str) -> str:
    street = rng.choice(STREETS[country])
    if country in {"US", "CA"}:
        return f"{rng.randint(1, 2999)} {street}"
    if country == "JP":
        return f"{street} {rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    return f"{street} {rng.randint(1, 180)}"


def _address(rng: random.Random, place: Place, name: str) -> dict[str, str]:
    return {
        "name": name,
        "line1": _street_line(rng, place.country),
        "line2": rng.choice(["", "", "", f"Apt {rng.randint(1, 40)}"]) if place.country in {"US", "CA"} else "",
        "city": place.city,
        "region": place.region,
        "postal_code": _postal_code(rng, place.country),
        "country": place.country,
    }


@dataclass
class _DemoCustomer:
    row: Customer
    place: Place
    address: dict[str, str]


def _sales_setup(account: Account, spec: SalesSpec, variants: list[Variant], today: dt.date):
    """Tax jurisdictions, shipping methods and promotions of one account."""
    taxes = TaxJurisdiction.objects.bulk_create(
        [TaxJurisdiction(account=account, code=code, name=name, rate=Decimal(rate)) for code, name, rate in spec.taxes]
    )
    methods = ShippingMethod.objects.bulk_create(
        [
            ShippingMethod(account=account, code=code, name=name, price=Decimal(price), carrier_code=carrier,
                           service_code=service)
            for code, name, price, carrier, service in spec.shipping
        ]
    )
    day = dt.timedelta(days=1)
    promotions = Promotion.objects.bulk_create(
        [
            Promotion(account=account, name="Featured products 10% off", kind=Promotion.Kind.PERCENTAGE,
                      value=Decimal("10"), scope=Promotion.Scope.PRODUCTS, valid_from=today - 200 * day),
            Promotion(account=account, name="Buy two, save 5 each", kind=Promotion.Kind.FIXED, value=Decimal("5.00"),
                      scope=Promotion.Scope.VARIANTS, min_quantity=2, valid_from=today - 90 * day,
                      valid_to=today + 30 * day),
            Promotion(account=account, name="Spring sale", kind=Promotion.Kind.PERCENTAGE, value=Decimal("10"),
                      code="SPRING10", valid_from=today - 30 * day, valid_to=today + 60 * day),
            Promotion(account=account, name="Winter sale (over)", kind=Promotion.Kind.PERCENTAGE, value=Decimal("15"),
                      code="WINTER15", valid_from=today - 170 * day, valid_to=today - 100 * day),
        ]
    )
    product_ids = sorted({v.product_id for v in variants})
    promotions[0].products.set(product_ids[::9])
    promotions[1].variants.set([v.pk for v in variants[3::25]])
    return {t.code: t for t in taxes}, methods


def _customers(rng: random.Random, account: Account, spec: SalesSpec) -> list[_DemoCustomer]:
    plans = []
    for n in range(CUSTOMERS_PER_ACCOUNT):
        place = rng.choice(spec.places)
        first, last = rng.choice(FIRST_NAMES[place.country]), rng.choice(LAST_NAMES[place.country])
        name = f"{first} {last}"
        local = f"{first}.{last}".lower().replace(" ", "").replace("ü", "ue").replace("é", "e")
        email = f"{local}{n + 1}@{rng.choice(EMAIL_DOMAINS)}"
        phone = f"+{CALLING_CODES[place.country]} {rng.randint(200, 999)} {rng.randint(1000000, 9999999)}"
        plans.append((Customer(account=account, name=name, email=email, phone=phone), place))
    rows = Customer.objects.bulk_create([row for row, _ in plans])
    return [_DemoCustomer(row, place, _address(rng, place, row.name)) for row, (_, place) in zip(rows, plans)]


def _stock(rng: random.Random, account: Account, warehouses: list[Warehouse], variants: list[Variant]) -> dict:
    """Plenty on hand of every variant in every warehouse; returns what is free, by (warehouse, variant) id."""
    levels = [
        StockLevel(account=account, variant=variant, warehouse=warehouse, on_hand=rng.randint(50, 500))
        for warehouse in warehouses
        for variant in variants
    ]
    stock_levels_create(account=account, levels=levels, reason="Demo stock")
    return {(level.warehouse_id, level.variant_id): level.on_hand for level in levels}


def _promotions_by_day(promotions: list[Promotion], first: dt.date, last: dt.date) -> dict[dt.date, list[Promotion]]:
    days = {}
    day = first
    while day <= last:
        days[day] = [
            p for p in promotions if p.is_active and p.valid_from <= day and (p.valid_to is None or day <= p.valid_to)
        ]
        day += dt.timedelta(days=1)
    return days


def _orders(world: DemoWorld) -> None:
    """About 2,000 orders over the last 180 days, with their history, through `orders_insert` in batches."""
    now = timezone.now()
    agent = world.users.get(_email("agent"))
    bar = world.progress(total=sum(s.orders for s in SALES.values()), desc="Orders", unit="order")
    try:
        for index, spec_account in enumerate(ACCOUNTS):
            account = world.accounts[spec_account.code]
            spec = SALES[spec_account.code]
            rng = random.Random(ORDER_SEED + index)
            zone = zoneinfo.ZoneInfo(account.timezone)
            today = now.astimezone(zone).date()
            variants = list(Variant.objects.filter(account=account, is_active=True).order_by("sku"))
            taxes, methods = _sales_setup(account, spec, variants, today)
            customers = _customers(rng, account, spec)
            warehouses = world.warehouses[spec_account.code]
            free = _stock(rng, account, warehouses, variants)
            promotions = list(Promotion.objects.filter(account=account).prefetch_related("products", "variants"))
            by_day = _promotions_by_day(promotions, today - dt.timedelta(days=ORDER_DAYS + 1), today)
            channels = [c for (code, _), c in world.channels.items()
                        if code == spec_account.code and c.kind == Channel.Kind.SALES]
            by_code = {w.code: w for w in warehouses}
            default_warehouse = account.default_warehouse or warehouses[0]

            times = sorted(
                now - dt.timedelta(seconds=rng.uniform(600, ORDER_DAYS * 86_400)) for _ in range(spec.orders)
            )
            drafts, paths = [], []
            for n, created_at in enumerate(times):
                age = (now - created_at).days
                status = next(_pick(rng, weights) for days, weights in STATUS_BY_AGE if age < days)
                customer = rng.choice(customers)
                warehouse = by_code.get(spec.warehouse_by_country.get(customer.place.country, ""), default_warehouse)
                shipping_address = customer.address
                if rng.random() < 0.15:  # a gift, or to the office: another address in the same country
                    place = rng.choice([p for p in spec.places if p.country == customer.place.country])
                    recipient = f"{rng.choice(FIRST_NAMES[place.country])} {customer.row.name.split(' ', 1)[1]}"
                    shipping_address = _address(rng, place, recipient)
                    tax_code = place.tax
                else:
                    tax_code = customer.place.tax
                holds_stock = status in HOLDS_STOCK
                lines, chosen = [], set()
                for _ in range(_pick(rng, LINE_COUNTS)):
                    variant = rng.choice(variants)
                    quantity = _pick(rng, [(1, 70), (2, 20), (3, 7), (4, 3)])
                    key = (warehouse.pk, variant.pk)
                    if variant.pk in chosen or (holds_stock and free[key] < quantity):
                        continue
                    chosen.add(variant.pk)
                    if holds_stock:
                        free[key] -= quantity
                    lines.append(LineInput(variant=variant, quantity=quantity))
                if not lines:
                    continue
                order_date = created_at.astimezone(zone).date()
                valid_codes = [p.code for p in by_day[order_date] if p.code]
                codes = [c for c in valid_codes if rng.random() < 0.3]
                source = _pick(rng, SOURCES)
                channel = rng.choice(channels) if source == Order.Source.SALES_CHANNEL else None
                external_id = {
                    Order.Source.SALES_CHANNEL: f"{spec_account.sku_prefix}W-{100_000 + n}",
                    Order.Source.API: f"api-{rng.getrandbits(40):010x}",
                    Order.Source.IMPORT: f"IMP-{order_date:%Y%m%d}-{n:04d}",
                }.get(source, "")
                simulation = source == Order.Source.MANUAL and rng.random() < 0.04
                draft = OrderDraft(
                    account=account,
                    lines=lines,
                    order_date=order_date,
                    source=source,
                    channel=channel,
                    external_id=external_id,
                    customer=customer.row,
                    customer_name=customer.row.name,
                    customer_email=customer.row.email,
                    customer_phone=customer.row.phone,
                    billing=customer.address,
                    shipping=shipping_address,
                    discount_codes=codes,
                    shipping_method=_pick(rng, zip(methods, [60, 30, 10], strict=True)),
                    tax_jurisdiction=taxes[tax_code],
                    warehouse=warehouse,
                    currency=spec.currency,
                    is_simulation=simulation,
                    status=None if simulation else status,
                    created_at=created_at,
                    event_message=f"Order received from {channel.name}" if channel else "Order created",
                )
                draft.price(promotions=by_day[order_date])
                drafts.append(draft)
                paths.append([] if simulation else STATUS_PATHS.get(status, []))
            for start in range(0, len(drafts), ORDER_BATCH):
                batch = drafts[start:start + ORDER_BATCH]
                orders = orders_insert(account=account, drafts=batch, by=None)
                _history(rng, account, orders, paths[start:start + ORDER_BATCH], agent, now)
                bar.update(len(batch))
    finally:
        bar.close()
    with connection.cursor() as cursor:  # fresh statistics, so the first searches are planned on real numbers
        cursor.execute(
            "ANALYZE orders_order, orders_orderline, orders_orderevent, orders_customer, inventory_stocklevel"
        )


def _history(rng: random.Random, account: Account, orders: list[Order], paths, agent, now) -> None:
    """The status changes that brought each order to where it is, hours or days after it came in."""
    events = []
    for order, path in zip(orders, paths, strict=True):
        when = order.created_at
        for before, after in path:
            if before == _St.OPEN and order.warehouse_id and after == _St.CANCELLED and rng.random() < 0.5:
                before = _St.ALLOCATED
            when = min(now, when + dt.timedelta(hours=rng.uniform(2, 96)))
            actor = agent if rng.random() < 0.4 else None
            events.append(
                OrderEvent(account=account, order=order, actor=actor, kind="status",
                           message=f"Status {before} → {after}", data={"status": [before.value, after.value]},
                           created_at=when)
            )
    OrderEvent.objects.bulk_create(events)


STEPS.append(_orders)


# Intake: a few orders from Northwind's web store and the API, some of them rejected ------------------------------
#
# They go through the one entry flow, as real traffic would, so the Intake page shows health and failures to
# work on: an unknown (legacy) SKU to map and a missing postal code; an API order with an unknown carrier code is
# accepted with a flag (the rule is a Warning).


def _intake_payloads(skus: list[str]) -> list[tuple[str, dict]]:
    ship_to = {"name": "Maya Chen", "street": "48 Mercer St", "city": "New York", "state": "NY", "zip": "10013",
               "country": "US"}
    buyer = {"name": "Maya Chen", "email": "maya.chen@example.com"}

    def web(n: int, items: list[tuple[str, int, str]], **changes) -> tuple[str, dict]:
        body = {"id": f"NWS-{90_000 + n}", "currency": "USD", "buyer": buyer, "ship_to": ship_to,
                "items": [{"sku": sku, "qty": qty, "price": price} for sku, qty, price in items],
                "shipping": {"carrier": "UPS", "service": "GROUND"}}
        body.update(changes)
        return "channel", body

    api_body = {
        "external_id": "ERP-55120", "customer": {"name": "Ravi Patel", "email": "ravi@example.com"},
        "shipping_address": {"name": "Ravi Patel", "line1": "9 Bay Rd", "city": "Boston", "postal_code": "02110",
                             "country": "US"},
        "lines": [{"sku": skus[3], "quantity": 4}], "carrier_code": "PIGEON", "service_code": "GROUND",
    }
    return [
        web(1, [(skus[0], 1, "24.00"), (skus[1], 2, "12.50")]),
        web(2, [(skus[2], 1, "39.00")]),
        web(3, [("NW-LEGACY-17", 3, "45.00"), (skus[0], 1, "24.00")]),
        web(4, [("NW-LEGACY-17", 1, "45.00")]),
        web(5, [(skus[1], 2, "12.50")], ship_to={**ship_to, "zip": ""}),
        ("api", api_body),
    ]


def _intake(world: DemoWorld) -> None:
    from intake.models import Source
    from intake.services import intake_submit

    account = world.accounts["NORTHWIND"]
    channel = world.channels[("NORTHWIND", "Northwind Web Store")]
    skus = list(Variant.objects.filter(account=account, is_active=True).order_by("sku").values_list("sku", flat=True)[:4])
    for source, payload in _intake_payloads(skus):
        if source == "channel":
            intake_submit(account=account, payload=payload, channel=channel, source=Source.CHANNEL)
        else:
            intake_submit(account=account, payload=payload, source=Source.API)


STEPS.append(_intake)
