"""The demo organization: one call builds "Demo Company" at demo.<ORGANIZATION_DOMAIN> with accounts,
warehouses, channels, a catalogue, recurring jobs and a user for every role.

Loaded once: when the organization exists, `demo_seed` changes nothing (pass `reset=True` to drop it and
build it again). Everything happens in one transaction, so a failure leaves no half-built demo behind.

The data is fixed (no randomness), so every load yields the same counts. Each step is a function taking
the `DemoWorld` built so far; a later step (orders) appends itself to `STEPS`.

Demo logins all use DEMO_PASSWORD. Users are shared by every organization and are never deleted, so a
reload (after a reset) resets the demo users' passwords to DEMO_PASSWORD and reactivates them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from accounts import services
from accounts.choices import MasterProductSource
from accounts.models import Account, RecurringJob, Warehouse
from accounts.roles import AccountRole
from accounts.tenancy.models import Membership, Organization, User
from accounts.tenancy.services import member_add, organization_create
from channels.models import Channel
from orders.models import Product, Variant

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Company"
DEMO_PASSWORD = "demo-pass-123"
DEMO_EMAIL_DOMAIN = "demo.example.com"
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


_S, _F = Channel.Kind.SALES, Channel.Kind.FULFILLMENT
_C = Channel.Connector
CHANNELS = [
    ChannelSpec("NORTHWIND", _S, "Northwind Web Store", _C.SANDBOX, product_import=True, order_import=True,
                inventory=True),
    ChannelSpec("NORTHWIND", _S, "Trailhead Marketplace", _C.HTTP_JSON, order_import=True, inventory=True,
                pii_retention_days=30),
    ChannelSpec("NORTHWIND", _F, "ShipRight 3PL", _C.HTTP_JSON, inventory=True, shipments=True),
    ChannelSpec("LUMEN", _S, "Lumen Online Shop", _C.SANDBOX, product_import=True, order_import=True, inventory=True,
                pii_retention_days=180),
    ChannelSpec("LUMEN", _S, "Berlin Showroom", _C.MANUAL),
    ChannelSpec("LUMEN", _F, "Lumen Logistics", _C.SANDBOX, product_import=True, inventory=True, shipments=True),
    ChannelSpec("KITE", _S, "Kite Kids Store", _C.SANDBOX, product_import=True, order_import=True, inventory=True),
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
            )
            for spec in CHANNELS
        ]
    )
    world.channels = {(spec.account, spec.name): channel for spec, channel in zip(CHANNELS, channels, strict=True)}
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
