"""The orders step: taxes, shipping, promotions, customers, stock and about 2,000 orders."""

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.demo.spec import ACCOUNTS, demo_email
from accounts.demo.world import DemoWorld
from accounts.models import Account, Warehouse
from channels.models import Channel
from inventory.models import StockLevel
from inventory.services import stock_levels_create
from orders.models import (
    Customer,
    Order,
    OrderEvent,
    Promotion,
    ShippingMethod,
    TaxJurisdiction,
    Variant,
)
from orders.pricing import LineInput
from orders.services.create import HOLDS_STOCK, OrderDraft, orders_insert

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


def step_orders(world: DemoWorld) -> None:
    """About 2,000 orders over the last 180 days, with their history, through `orders_insert` in batches."""
    now = timezone.now()
    agent = world.users.get(demo_email("agent"))
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
