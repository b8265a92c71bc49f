"""What the demo organization holds: its accounts, channels, settings, recurring jobs and logins."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from accounts.choices import MasterProductSource
from accounts.models import RecurringJob
from accounts.roles import AccountRole
from accounts.tenancy.models import Membership
from channels.models import Channel

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
    order_format: str = "oms"  # the intake adapter that reads its orders (intake/adapters/)


_S, _F = Channel.Kind.SALES, Channel.Kind.FULFILLMENT
_C = Channel.Connector
CHANNELS = [
    ChannelSpec("NORTHWIND", _S, "Northwind Web Store", _C.SANDBOX, product_import=True, order_import=True,
                inventory=True, order_format="sandbox"),
    ChannelSpec("NORTHWIND", _S, "Trailhead Marketplace", _C.HTTP_JSON, order_import=True, inventory=True,
                pii_retention_days=30, order_format="shopify"),
    ChannelSpec("NORTHWIND", _F, "ShipRight 3PL", _C.HTTP_JSON, inventory=True, shipments=True),
    ChannelSpec("NORTHWIND", _S, "Northwind on Amazon", _C.AMAZON, order_import=True, inventory=True,
                order_format="amazon"),
    ChannelSpec("LUMEN", _S, "Lumen Online Shop", _C.SANDBOX, product_import=True, order_import=True, inventory=True,
                pii_retention_days=180, order_format="sandbox"),
    ChannelSpec("LUMEN", _S, "Berlin Showroom", _C.MANUAL),
    ChannelSpec("LUMEN", _F, "Lumen Logistics", _C.SANDBOX, product_import=True, inventory=True, shipments=True),
    ChannelSpec("KITE", _S, "Kite Kids Store", _C.SANDBOX, product_import=True, order_import=True, inventory=True,
                order_format="sandbox"),
    ChannelSpec("KITE", _F, "Sakura Fulfillment", _C.HTTP_JSON, inventory=True, shipments=True),
    ChannelSpec("KITE", _S, "Kite on Shopify", _C.SHOPIFY, order_import=True, inventory=True, order_format="shopify"),
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


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


DEMO_USERS = [
    DemoUser(demo_email("sysadmin"), "Sam Sysadmin", system_admin=True),
    DemoUser(demo_email("admin"), "Olivia Owner", org_role=Membership.Role.ADMIN),
    DemoUser(demo_email("supervisor"), "Sid Supervisor", org_role=Membership.Role.SUPERVISOR),
    DemoUser(demo_email("account-admin"), "Ada Accountadmin", account_role=AccountRole.ADMIN),
    DemoUser(demo_email("agent"), "Alex Agent", account_role=AccountRole.AGENT),
    DemoUser(demo_email("viewer"), "Vic Viewer", account_role=AccountRole.VIEWER),
]



def shopify_emulator_url() -> str:
    """Where the demo's Shopify channel finds the local Shopify emulator (`make shopify`, started by `make run`)."""
    return f"http://127.0.0.1:{settings.SHOPIFY_EMULATOR_PORT}"


def sandbox_url() -> str:
    """Where the demo's channels find the sandbox marketplace (`make sandbox`, started by `make run`)."""
    return f"http://127.0.0.1:{settings.SANDBOX_PORT}"


def amazon_emulator_url() -> str:
    """Where the demo's Amazon channel finds the local SP-API emulator (`make amazon`, started by `make run`)."""
    return f"http://127.0.0.1:{settings.AMAZON_EMULATOR_PORT}"
