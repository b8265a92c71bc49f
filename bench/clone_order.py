"""Bench: order_clone for source orders of 1, 20 and 200 lines, and the order list with 1,000,000 orders.

    .venv/bin/python bench/clone_order.py                   # defaults: 15 clone runs, 1,000,000 orders
    .venv/bin/python bench/clone_order.py --runs 30 --list-runs 9 --orders 200000

It uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench; created if
missing, and refused unless its name contains "bench"), migrates it, and makes an organization `bench` with
two accounts: BENCH-CLONE (200 SKUs with ample stock, three source orders) and BENCH-LIST (the million
orders, inserted in one INSERT ... SELECT generate_series per 100,000, with lines for one order in 20 so SKU
search has data, then ANALYZE). A second run re-uses all of it; only the clones it times are new rows. The list part also adds a
discontinued best-seller (SKU LST-OLD on 50,000 of the oldest orders) and times every sort (first page and
page 20), the count, the CSV export's first rows and rate, and that SKU's search, each beside a raw-SQL floor.

Targets from the issue: a 200-line clone under 150 ms; the order list page under 200 ms at 1,000,000 orders.
Times are server-side and in-process: the order_clone call alone (it commits), and the order list view through
django.test.Client (middleware, selector, template), plus the list selector on its own.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import common

ORG_SLUG = "bench"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-admin-password-77"
CLONE_SIZES = (1, 20, 200)
CATALOG_SIZE = 200
CHUNK = 100_000
LINES_EVERY = 20  # one order in 20 gets 1-3 lines
CUSTOMERS = 50_000
FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James", "Mia",
         "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail", "Theodore", "Emily",
         "Jack", "Ella", "Levi", "Elizabeth", "Alexander", "Camila", "Jackson", "Luna", "Mateo", "Sofia",
         "Daniel", "Avery", "Michael", "Mila", "Mason", "Aria", "Sebastian", "Scarlett", "Ethan"]  # 40
LAST_A = ["Ash", "Black", "Brook", "Clay", "Dale", "East", "Fair", "Green", "Hart", "Holt", "Kings", "Lang",
          "Marsh", "North", "Oak", "Pem", "Rad", "Sand", "Stan", "Thorn", "Wain", "West", "Whit", "Wood", "York"]  # 25
LAST_B = ["ford", "ley", "ton", "wood", "field", "bury", "worth", "well", "combe", "stead", "brook", "dale",
          "more", "by", "ham", "wick", "shaw", "land", "hurst", "gate", "cliffe", "bourne", "mere", "den", "croft",
          "holme", "thorpe", "sley", "stone", "ridge", "wright", "man", "son", "ing", "hill", "ock", "er", "all",
          "away", "ell", "ings", "ett", "ney", "low", "ridge", "well", "win", "ward", "field", "ston"]  # 50


# Set-up -----------------------------------------------------------------------------------------------------


def ensure_organization():
    from accounts.tenancy.models import User

    org = common.ensure_organization(ORG_SLUG, "Bench", ADMIN_EMAIL, ADMIN_PASSWORD)
    return org, User.objects.get(email=ADMIN_EMAIL)


def ensure_account(code: str, name: str, sku_prefix: str):
    """An account with a warehouse, CATALOG_SIZE variants with plenty of stock, a shipping method, a tax
    jurisdiction and a promotion behind a code."""
    import datetime as dt

    from accounts.models import Account
    from accounts.services import account_create, warehouse_create
    from inventory.models import StockLevel
    from inventory.services import stock_levels_create
    from orders.models import Product, Promotion, ShippingMethod, TaxJurisdiction, Variant

    account = Account.objects.filter(code=code).first()
    if account is None:
        account, _ = account_create(name=name, code=code, by=None)
        warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        product = Product.objects.create(account=account, name="Bench product")
        variants = Variant.objects.bulk_create(
            Variant(account=account, product=product, sku=f"{sku_prefix}-{i:04d}", name=f"Item {i}",
                    price=Decimal("5.00") + Decimal(i % 97))
            for i in range(CATALOG_SIZE)
        )
        stock_levels_create(
            account=account,
            levels=[StockLevel(account=account, variant=v, warehouse=warehouse, on_hand=1_000_000_000) for v in variants],
            reason="Bench stock",
        )
        ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price=Decimal("5.00"),
                                      carrier_code="UPS", service_code="GND")
        TaxJurisdiction.objects.create(account=account, code="US-NY", name="New York", rate=Decimal("0.08875"))
        Promotion.objects.create(account=account, name="Bench 10", kind="percentage", value=10, code="BENCH10",
                                 valid_from=dt.date(2000, 1, 1))
    return account


def address(name: str) -> dict[str, str]:
    return {"name": name, "line1": "1 Bench Street", "line2": "", "city": "Springfield", "region": "IL",
            "postal_code": "62701", "country": "US"}


def ensure_sources(account, admin) -> dict[int, str]:
    """Source orders of 1, 20 and 200 lines (found again by their external id); {lines: number}."""
    import datetime as dt

    from accounts.models import Warehouse
    from orders.models import Order, ShippingMethod, TaxJurisdiction, Variant
    from orders.pricing import LineInput
    from orders.services.create import OrderDraft, orders_insert

    numbers = dict(
        Order.objects.filter(account=account, external_id__startswith="bench-source-").values_list(
            "external_id", "number"
        )
    )
    variants = list(Variant.objects.filter(account=account).order_by("sku")[:max(CLONE_SIZES)])
    warehouse = Warehouse.objects.get(account=account, code="MAIN")
    method = ShippingMethod.objects.get(account=account, code="GROUND")
    tax = TaxJurisdiction.objects.get(account=account, code="US-NY")
    out = {}
    for size in CLONE_SIZES:
        key = f"bench-source-{size}"
        if key not in numbers:
            draft = OrderDraft(
                account=account, external_id=key, order_date=dt.date.today(),
                lines=[LineInput(variant=v, quantity=1 + i % 3) for i, v in enumerate(variants[:size])],
                customer_name="Ada Lovelace", customer_email="ada@example.com", customer_phone="+1 555 0100",
                billing=address("Ada Lovelace"), shipping=address("Ada Lovelace"), discount_codes=["BENCH10"],
                shipping_method=method, tax_jurisdiction=tax, warehouse=warehouse, notes="Bench source",
            )
            numbers[key] = orders_insert(account=account, drafts=[draft], by=admin)[0].number
        out[size] = numbers[key]
    return out


# The million orders -----------------------------------------------------------------------------------------


def insert_orders(account, start: int, end: int, variant_ids: list[int], skus: list[str]) -> None:
    """Orders SO-<start>..SO-<end> of `account`, 90 seconds apart from 2023-01-01, for 50,000 customers; then
    1-3 lines for one order in LINES_EVERY."""
    from django.db import connection

    from orders.models import Order, OrderLine

    created = "(TIMESTAMPTZ '2023-01-01 00:00:00+00' + g * INTERVAL '90 seconds')"
    amount = "(10 + mod(g * 37, 990) + 0.99)::numeric(14, 2)"
    known = {
        "account_id": ("%s", [account.pk]),
        "kind": ("'sales'", []),
        "number": ("'SO-' || lpad(g::text, 7, '0')", []),
        "status": ("(ARRAY['closed','closed','closed','closed','shipped','shipped','allocated','open','on_hold',"
                   "'cancelled'])[1 + mod(g, 10)]", []),
        "source": ("(ARRAY['sales_channel','api','manual','import'])[1 + mod(g, 4)]", []),
        "order_date": (f"({created} AT TIME ZONE 'UTC')::date", []),
        "customer_name": ("n.name", []),
        "customer_email": ("n.email", []),
        "customer_phone": ("'+1 555 ' || lpad(mod(k.c, 10000)::text, 4, '0')", []),
        **{f"{p}_{f}": (v, []) for p in ("billing", "shipping") for f, v in {
            "name": "n.name", "line1": "mod(k.c, 997)::text || ' Market Street'", "line2": "''",
            "city": "(ARRAY['Springfield','Portland','Austin','Denver','Boston'])[1 + mod(k.c, 5)]",
            "region": "''", "postal_code": "lpad(mod(k.c, 99999)::text, 5, '0')", "country": "'US'"}.items()},
        "currency": ("'USD'", []),
        "subtotal": (amount, []),
        "discount_total": ("0", []),
        "shipping_total": ("5", []),
        "tax_total": ("0", []),
        "total": (f"{amount} + 5", []),
        "is_simulation": ("false", []),
        "created_at": (created, []),
        "updated_at": (created, []),
    }
    source = (
        "FROM generate_series(%s::bigint, %s::bigint) AS g "
        f"CROSS JOIN LATERAL (SELECT mod(g * 7919, {CUSTOMERS}) AS c) AS k "
        "CROSS JOIN LATERAL (SELECT f || ' ' || l AS name, "
        "                           lower(f || '.' || l) || '.' || k.c || '@example.com' AS email "
        "  FROM (SELECT (%s::text[])[1 + mod(k.c, 40)] AS f, "
        "               (%s::text[])[1 + mod(k.c / 40, 25)] || (%s::text[])[1 + mod(k.c / 1000, 50)] AS l) AS parts"
        ") AS n"
    )
    sql, params = common.insert_sql(Order, known, source)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
        before = cursor.fetchone()[0]
        cursor.execute(sql, [*params, start, end, FIRST, LAST_A, LAST_B])
        line_known = {
            "account_id": ("%s", [account.pk]),
            "order_id": ("o.id", []),
            "order_created_at": ("o.created_at", []),
            "position": ("p.pos", []),
            "variant_id": ("(%s::bigint[])[v.i]", [variant_ids]),
            "sku": ("(%s::text[])[v.i]", [skus]),
            "name": ("'Item ' || v.i", []),
            "quantity": ("1 + mod(o.id, 4)", []),
            "unit_price": ("12.50", []),
            "line_discount": ("0", []),
            "tax_amount": ("0", []),
            "line_total": ("12.50 * (1 + mod(o.id, 4))", []),
        }
        line_source = (
            "FROM orders_order AS o CROSS JOIN LATERAL generate_series(1, 1 + mod(o.id, 3)::int) AS p(pos) "
            "CROSS JOIN LATERAL (SELECT 1 + mod((o.id / %s) * 37 + p.pos * 11, %s)::int AS i) AS v "
            "WHERE o.id > %s AND o.account_id = %s AND mod(o.id, %s) = 0"
        )
        line_sql, line_params = common.insert_sql(OrderLine, line_known, line_source)
        cursor.execute(line_sql, [*line_params, LINES_EVERY, len(variant_ids), before, account.pk, LINES_EVERY])
        cursor.execute(
            """
            INSERT INTO orders_ordernumbercounter (account_id, kind, last_value) VALUES (%s, 'sales', %s)
            ON CONFLICT (account_id, kind) DO UPDATE SET last_value = EXCLUDED.last_value
            """,
            [account.pk, end],
        )


def ensure_million(account, total: int) -> None:
    from django.db import connection, transaction

    from orders.models import OrderNumberCounter, Variant

    counter = OrderNumberCounter.objects.filter(account=account, kind="sales").first()
    have = counter.last_value if counter else 0
    if have >= total:
        print(f"re-using {have:,} orders in {account.code}")
        return
    variants = list(Variant.objects.filter(account=account).order_by("id").values_list("id", "sku"))
    variant_ids, skus = [v for v, _ in variants], [s for _, s in variants]
    t0 = time.perf_counter()
    for start in range(have + 1, total + 1, CHUNK):
        end = min(start + CHUNK - 1, total)
        with transaction.atomic():
            insert_orders(account, start, end, variant_ids, skus)
        print(f"  inserted orders up to {end:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
        cursor.execute("ANALYZE orders_orderline")
    print(f"inserted {total - have:,} orders and analyzed in {time.perf_counter() - t0:.0f} s")


OLD_SKU = "LST-OLD"
OLD_SKU_EVERY = 6  # one order in 6 of the oldest 300,000: 50,000 lines of one SKU, none newer


def ensure_old_sku(account) -> None:
    """A popular SKU that stopped selling: on 50,000 of the account's oldest orders and on no newer one."""
    from django.db import connection, transaction

    from orders.models import OrderLine, Product, Variant

    if Variant.objects.filter(account=account, sku=OLD_SKU).exists():
        return
    t0 = time.perf_counter()
    with transaction.atomic():
        product = Product.objects.filter(account=account).first()
        variant = Variant.objects.create(account=account, product=product, sku=OLD_SKU, name="Discontinued",
                                         price=Decimal("12.50"))
        known = {
            "account_id": ("%s", [account.pk]), "order_id": ("o.id", []), "order_created_at": ("o.created_at", []), "position": ("9", []),
            "variant_id": ("%s", [variant.pk]), "sku": ("%s", [OLD_SKU]), "name": ("'Discontinued'", []),
            "quantity": ("1", []), "unit_price": ("12.50", []), "line_discount": ("0", []), "tax_amount": ("0", []),
            "line_total": ("12.50", []),
        }
        source = ("FROM (SELECT id, created_at FROM orders_order WHERE account_id = %s ORDER BY created_at, id LIMIT 300000) AS o "
                  "WHERE mod(o.id, %s) = 0")
        sql, params = common.insert_sql(OrderLine, known, source)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, account.pk, OLD_SKU_EVERY])
            cursor.execute("UPDATE orders_order SET units = units + 1 WHERE account_id = %s AND id IN "
                           "(SELECT order_id FROM orders_orderline WHERE account_id = %s AND sku = %s)",
                           [account.pk, account.pk, OLD_SKU])
            cursor.execute("ANALYZE orders_orderline")
            cursor.execute("ANALYZE orders_order")
    print(f"added {OLD_SKU} to 50,000 old orders in {time.perf_counter() - t0:.0f} s")


# Timing -----------------------------------------------------------------------------------------------------


timed, p95 = common.timed, common.p95


def queries_of(call: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def bench_clones(account, admin, sources: dict[int, str], runs: int) -> None:
    from django.db.models import Prefetch

    from orders.models import Order, OrderLine
    from orders.services.clone import order_clone

    def fresh(number: str) -> Order:  # what the page's access function loads (not timed)
        return (
            Order.objects.filter(account=account, number=number)
            .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer", "cloned_from")
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")))
            .get()
        )

    print(f"\norder_clone: time of the call alone (it commits a new order), {runs} runs each")
    print(f"{'lines':>6} {'pricing':>8} {'median':>10} {'p95':>10} {'min':>10} {'queries':>8}")
    for size, number in sources.items():
        for pricing in ("keep", "reprice"):
            times = []
            for i in range(runs + 1):
                source = fresh(number)
                t0 = time.perf_counter()
                order_clone(source=source, by=admin, pricing=pricing, door="cli")
                if i:  # the first is a warm-up
                    times.append((time.perf_counter() - t0) * 1000)
            source = fresh(number)
            count = queries_of(lambda: order_clone(source=source, by=admin, pricing=pricing, door="cli"))
            flag = "  (target < 150 ms)" if size == 200 else ""
            print(f"{size:>6} {pricing:>8} {statistics.median(times):>8.1f}ms {p95(times):>8.1f}ms "
                  f"{min(times):>8.1f}ms {count:>8}{flag}")


def search_terms(account) -> dict[str, str]:
    from orders.models import Order

    number = Order.objects.filter(account=account).order_by("-id").values_list("number", flat=True)[500]
    mid = Order.objects.filter(account=account, number=number).values("customer_email", "customer_name").get()
    first_name, last_name = mid["customer_name"].split(" ", 1)
    return {
        "exact order number": number,
        "customer email": mid["customer_email"],
        "customer name fragment (rare)": last_name[1:6].lower(),
        "customer name fragment (common)": first_name,
        "SKU": "LST-0042",
        "SKU, popular and old (50,000 lines, none recent)": OLD_SKU,
    }


def bench_list(org, account, admin, runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from orders.models import Order

    terms = search_terms(account)
    total = Order.objects.filter(account=account).count()
    print(f"\norder list of {account.code}: {total:,} orders; median of {runs} runs (after a warm-up)")

    # The selector on its own.
    try:
        from orders.selectors import OrderFilters, order_page
    except ImportError as exc:
        print(f"  selector: not available ({exc})")
        order_page = None
    cursor50 = None
    if order_page is not None:
        try:
            page = order_page(account=account)
            for _ in range(48):
                page = order_page(account=account, after=page.older)
            cursor50 = page.older  # the "older" link of page 49 opens page 50
            cases = {"first page": {}, "page 50 (keyset)": {"after": cursor50}}
            cases |= {f"search: {label} ({q!r})": {"filters": OrderFilters(q=q)} for label, q in terms.items()}
            print("  selector order_page():")
            for label, kwargs in cases.items():
                call = lambda kwargs=kwargs: order_page(account=account, **kwargs)  # noqa: E731
                times = timed(call, runs)
                rows = len(call().orders)
                print(f"    {label:<64} {statistics.median(times):>8.1f} ms  ({queries_of(call)} queries, "
                      f"{rows} rows)")
        except Exception as exc:  # noqa: BLE001 - report and go on to the view
            print(f"  selector: error {exc.__class__.__name__}: {exc}")

    # The page, through the test client: middleware, view, selector, template.
    client = Client(HTTP_HOST=f"{ORG_SLUG}.localhost")
    client.force_login(admin)
    url = reverse("order_list", args=[account.pk])
    first = client.get(url)
    connection.set_tenant(org)
    if first.status_code != 200:
        print(f"  view {url}: HTTP {first.status_code} (the order list view is not there yet?); no page timings")
        return
    html = first.content.decode()
    match = re.search(r'href="[^"]*[?&](?:amp;)?(\w+)=(-?\d+\.\d+)[^"]*"', html)
    cursor_param = match.group(1) if match else "after"
    cases = {"first page": {}}
    if cursor50 is not None:
        cases["page 50 (keyset link)"] = {cursor_param: cursor50.encode()}
    cases |= {f"search: {label} ({q!r})": {"q": q} for label, q in terms.items()}
    print(f"  view GET {url} (cursor parameter {cursor_param!r}{'' if match else ', guessed'}):")
    for label, params in cases.items():
        def call(params=params):
            response = client.get(url, params)
            connection.set_tenant(org)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            return response
        try:
            times = timed(call, runs)
            count = queries_of(call)
        except Exception as exc:  # noqa: BLE001
            print(f"    {label:<64} error: {exc}")
            continue
        flag = "" if statistics.median(times) < 200 else "  over the 200 ms target"
        print(f"    {label:<64} {statistics.median(times):>8.1f} ms  ({count} queries){flag}")


def sql_ms(sql: str, params: list, runs: int) -> float:
    from django.db import connection

    def call():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
    return statistics.median(timed(call, runs))


def bench_list_more(org, account, admin, runs: int) -> None:
    """Every sort (first page and page 20, through the view), the count, the CSV export's first row and rate,
    and the popular old SKU beside raw-SQL floors."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from orders import selectors
    from orders.export import DEFAULT_COLUMNS, csv_rows

    client = Client(HTTP_HOST=f"{ORG_SLUG}.localhost")
    client.force_login(admin)
    url = reverse("order_list", args=[account.pk])

    def view(params):
        def call():
            response = client.get(url, params)
            connection.set_tenant(org)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
        return call

    empty = ensure_account("BENCH-EMPTY", "Bench Empty", "EMP")
    empty_view = statistics.median(timed(lambda: client.get(reverse("order_list", args=[empty.pk])), runs))
    connection.set_tenant(org)
    print(f"\n  view floor: the same page of an account with no orders (middleware, session, header, template) "
          f"{empty_view:.1f} ms")
    print(f"\n  every sort, view GET {url} (median of {runs}); floor: the same page's rows in raw SQL")
    for sort, chosen in selectors.SORTS.items():
        page = selectors.order_page(account=account, sort=sort)
        for _ in range(18):
            page = selectors.order_page(account=account, sort=sort, after=page.older)
        deep = page.older.encode()
        order_sql = ", ".join(f"{f} {'DESC' if d else 'ASC'}" for f, d in chosen.keys)
        floor = sql_ms(f"SELECT id, number, customer_name, total, units, status, created_at FROM orders_order "
                       f"WHERE account_id = %s AND NOT is_simulation ORDER BY {order_sql} LIMIT 51", [account.pk], runs)
        first = statistics.median(timed(view({"sort": sort}), runs))
        page20 = statistics.median(timed(view({"sort": sort, "after": deep}), runs))
        flag = "" if max(first, page20) < 200 else "  over the 200 ms target"
        print(f"    {chosen.label:<40} first page {first:>7.1f} ms   page 20 {page20:>7.1f} ms   "
              f"(floor, first page's rows {floor:.1f} ms){flag}")

    print("\n  count of matching orders")
    branches = selectors._branches(account=account, filters=selectors.OrderFilters())
    capped = statistics.median(timed(lambda: selectors._count(branches), runs))
    full = sql_ms("SELECT count(*) FROM orders_order WHERE account_id = %s AND NOT is_simulation", [account.pk], runs)
    full_all = sql_ms("SELECT count(*) FROM orders_order WHERE account_id = %s", [account.pk], runs)
    print(f"    exact up to {selectors.COUNT_EXACT_UP_TO:,} (what the page runs)       {capped:>8.1f} ms")
    print(f"    floor: full count(*) of the account, simulations left out   {full:>8.1f} ms")
    print(f"    floor: full count(*) of the account, every order            {full_all:>8.1f} ms")

    print("\n  CSV export (default columns, newest first), in process")
    for lines in (False, True):
        t0 = time.perf_counter()
        rows = csv_rows(account=account, filters=selectors.OrderFilters(), sort=selectors.DEFAULT_SORT,
                        columns=DEFAULT_COLUMNS, lines=lines)
        next(rows)  # the header
        next(rows)  # the first chunk
        first = (time.perf_counter() - t0) * 1000
        count, limit = selectors.PAGE_SIZE, 200_000
        for chunk in rows:
            count += selectors.EXPORT_CHUNK
            if count >= limit:
                break
        seconds = time.perf_counter() - t0
        print(f"    {'one row per line' if lines else 'one row per order':<20} first rows "
              f"{first:>7.1f} ms; {count:,} orders in {seconds:.1f} s ({count / seconds:,.0f} orders/s)")

    print(f"\n  SKU search for {OLD_SKU}; floors in raw SQL: its newest 51 orders by primary key look-ups of its "
          "order ids (the plan before the lines carried order_created_at), reading those ids alone, and its newest "
          "51 orders read in order from the lines' (account, sku, order_created_at, order) index")
    floor = sql_ms(
        "SELECT o.id FROM orders_order o WHERE o.account_id = %s AND NOT o.is_simulation AND o.id = ANY(ARRAY("
        "SELECT order_id FROM orders_orderline WHERE account_id = %s AND sku = %s)) "
        "ORDER BY o.created_at DESC, o.id DESC LIMIT 51", [account.pk, account.pk, OLD_SKU], runs)
    ids = sql_ms("SELECT order_id FROM orders_orderline WHERE account_id = %s AND sku = %s", [account.pk, OLD_SKU],
                 runs)
    walk = sql_ms(
        "SELECT DISTINCT ON (l.order_created_at, l.order_id) l.order_id FROM orders_orderline l "
        "JOIN orders_order o ON o.id = l.order_id WHERE l.account_id = %s AND l.sku = %s AND NOT o.is_simulation "
        "ORDER BY l.order_created_at DESC, l.order_id DESC LIMIT 51", [account.pk, OLD_SKU], runs)
    filters = selectors.OrderFilters(q=OLD_SKU)
    page = statistics.median(timed(lambda: selectors.order_page(account=account, filters=filters), runs))
    counted = statistics.median(timed(lambda: selectors.order_page(account=account, filters=filters, count=True), runs))
    print(f"    order_page {page:.1f} ms, with the count {counted:.1f} ms; floors {floor:.1f} ms, {ids:.1f} ms "
          f"and {walk:.1f} ms")
    later = selectors.order_page(account=account, filters=filters)
    for _ in range(18):
        later = selectors.order_page(account=account, filters=filters, after=later.older)
    deep = later.older.encode()
    back = selectors.order_page(account=account, filters=filters, after=later.older).newer.encode()
    for label, params in [("first page", {"q": OLD_SKU}), ("page 20 (older link)", {"q": OLD_SKU, "after": deep}),
                          ("page 19 (newer link back)", {"q": OLD_SKU, "before": back})]:
        took = statistics.median(timed(view(params), runs))
        flag = "" if took < 200 else "  over the 200 ms target"
        print(f"    view, {label:<28} {took:>8.1f} ms{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="Timed clone runs per size and pricing (default 15).")
    parser.add_argument("--list-runs", type=int, default=7, help="Timed runs per order list case (default 7).")
    parser.add_argument("--orders", type=int, default=1_000_000, help="Orders in the list account (default 1,000,000).")
    parser.add_argument("--skip-clones", action="store_true", help="Only the order list.")
    parser.add_argument("--skip-list", action="store_true", help="Only the clones.")
    args = parser.parse_args()

    common.setup("oms_bench")
    from django.db import connection
    from django_tenants.utils import tenant_context

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"database {connection.settings_dict['NAME']} (PostgreSQL {cursor.fetchone()[0]}), settings {os.environ['DJANGO_SETTINGS_MODULE']}")
    org, admin = ensure_organization()
    with tenant_context(org):
        clone_account = ensure_account("BENCH-CLONE", "Bench Clone", "CLN")
        list_account = ensure_account("BENCH-LIST", "Bench List", "LST")
        if not args.skip_clones:
            sources = ensure_sources(clone_account, admin)
            bench_clones(clone_account, admin, sources, args.runs)
        if not args.skip_list:
            ensure_million(list_account, args.orders)
            ensure_old_sku(list_account)
            bench_list(org, list_account, admin, args.list_runs)
            bench_list_more(org, list_account, admin, args.list_runs)


if __name__ == "__main__":
    main()
