"""Bench: the inventory pages at size — levels (by level and by SKU) and the ledger — beside raw-SQL floors.

    .venv/bin/python bench/inventory_pages.py                     # 50,000 SKUs x 3 warehouses, 1,000,000 entries
    .venv/bin/python bench/inventory_pages.py --skus 5000 --runs 5

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_inventory_pages;
created and migrated if missing). Makes organization `bench-pages` with account BENCH-PAGES, warehouses MAIN,
EAST and WEST, `--skus` SKUs with a level in each warehouse, and ledger entries: six per level plus
`--hot` on one SKU (HOT-1 in MAIN), about 1,000,000 in all. Then it times `GET` of each page through
django.test.Client as the organization administrator (middleware, view, selectors, template): the median of
`--runs` after a warm-up, with its number of queries, beside a floor: the same rows read by one hand-written
SQL query on the same connection (what the database alone costs for that page).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

import common

ORG_SLUG = "bench-pages"
ADMIN_EMAIL = "bench-pages-admin@example.com"
ADMIN_PASSWORD = "bench-pages-Passw0rd!"


def ensure_data(skus: int, hot: int):
    from django.db import connection

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, warehouse_create
    from orders.models import Product, Variant

    account = Account.objects.filter(code="BENCH-PAGES").first()
    if account is None:
        account, _ = account_create(name="Bench Pages", code="BENCH-PAGES", by=None)
        for code in ("MAIN", "EAST", "WEST"):
            warehouse_create(account=account, by=None, name=code.title(), code=code)
    have = Variant.objects.filter(account=account).exclude(sku="HOT-1").count()
    if have >= skus:
        return account
    t0 = time.perf_counter()
    product = Product.objects.create(account=account, name="Bench product")
    warehouses = list(Warehouse.objects.filter(account=account).values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO orders_variant (account_id, product_id, sku, name, price, is_active)
               SELECT %s, %s, 'B-' || lpad(g::text, 6, '0'), 'Bench item ' || g, 10, true
                 FROM generate_series(%s, %s) g""",
            [account.pk, product.pk, have + 1, skus],
        )
        cursor.execute(
            "INSERT INTO orders_variant (account_id, product_id, sku, name, price, is_active) "
            "VALUES (%s, %s, 'HOT-1', 'Hot item', 10, true) ON CONFLICT DO NOTHING", [account.pk, product.pk],
        )
        cursor.execute(
            """INSERT INTO inventory_stocklevel (account_id, variant_id, warehouse_id, on_hand, allocated,
                                                 reorder_point, updated_at)
               SELECT %s, v.id, w, (v.id * 7 + w) %% 40, least((v.id * 7 + w) %% 40, (v.id + w) %% 3), 8, now()
                 FROM orders_variant v CROSS JOIN unnest(%s::bigint[]) w
                WHERE v.account_id = %s
               ON CONFLICT DO NOTHING""",
            [account.pk, warehouses, account.pk],
        )
        for step in range(6):
            cursor.execute(
                """INSERT INTO inventory_stockmovement (account_id, variant_id, warehouse_id, kind, on_hand_delta,
                                                       allocated_delta, reason, created_at)
                   SELECT account_id, variant_id, warehouse_id, 'adjustment', CASE WHEN %s = 0 THEN on_hand ELSE 0 END,
                          0, 'bench', now() - interval '1 minute' * (6 - %s)
                     FROM inventory_stocklevel WHERE account_id = %s""",
                [step, step, account.pk],
            )
            print(f"  ledger step {step + 1}/6 ({time.perf_counter() - t0:.0f} s)", flush=True)
        cursor.execute(
            """INSERT INTO inventory_stockmovement (account_id, variant_id, warehouse_id, kind, on_hand_delta,
                                                   allocated_delta, reason, created_at)
               SELECT %s, v.id, %s, 'adjustment', CASE WHEN g %% 2 = 0 THEN 1 ELSE -1 END, 0, 'hot',
                      now() - interval '1 second' * (%s - g)
                 FROM orders_variant v CROSS JOIN generate_series(1, %s) g
                WHERE v.account_id = %s AND v.sku = 'HOT-1'""",
            [account.pk, warehouses[0], hot, hot, account.pk],
        )
        for table in ("orders_variant", "inventory_stocklevel", "inventory_stockmovement"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"built {skus:,} SKUs and their ledger in {time.perf_counter() - t0:.0f} s")
    return account


def timed(call, runs: int) -> float:
    """The median of `runs` timings of `call`, in ms."""
    return statistics.median(common.timed(call, runs))


def queries_of(call) -> tuple[int, float]:
    """The number of queries of one call and the time they took in the database (ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured), sum(float(q["time"]) for q in captured.captured_queries) * 1000


def floor_sql(account, warehouses: dict, middle: str, hot_cursor: int) -> dict[str, tuple[str, list]]:
    """Hand-written SQL for each page's rows and count (the ledger: its rows, without balances): the least
    the database must do for it."""
    by_sku_count = "SELECT COUNT(DISTINCT variant_id) FROM inventory_stocklevel WHERE account_id = %s"
    levels = """SELECT l.id, v.sku, v.name, w.code, l.on_hand, l.allocated FROM inventory_stocklevel l
                  JOIN orders_variant v ON v.id = l.variant_id JOIN accounts_warehouse w ON w.id = l.warehouse_id
                 WHERE l.account_id = %s AND v.account_id = %s {extra} ORDER BY v.sku, w.code, l.id LIMIT 51;
                SELECT COUNT(*) FROM inventory_stocklevel l JOIN orders_variant v ON v.id = l.variant_id
                 WHERE l.account_id = %s AND v.account_id = %s {extra}"""
    ledger = """SELECT m.* FROM inventory_stockmovement m WHERE m.account_id = %s AND m.variant_id = (SELECT id
                 FROM orders_variant WHERE account_id = %s AND sku = %s) {extra} ORDER BY m.id DESC LIMIT 51"""
    a = account.pk
    return {
        "levels: first page": (levels.format(extra=""), [a, a, a, a]),
        "levels: page in the middle": (levels.format(extra=f"AND v.sku >= '{middle}'"), [a, a, a, a]),
        "levels: search 'B-00012'": (levels.format(extra="AND (v.sku ILIKE '%%B-00012%%' OR v.name ILIKE '%%B-00012%%')"), [a, a, a, a]),
        "levels: warehouse EAST": (levels.format(extra=f"AND l.warehouse_id = {warehouses['EAST']}"), [a, a, a, a]),
        "levels: low stock": (levels.format(extra="AND l.on_hand - l.allocated <= l.reorder_point"), [a, a, a, a]),
        "levels: out of stock": (levels.format(extra="AND l.on_hand - l.allocated <= 0"), [a, a, a, a]),
        "by SKU: first page": ("SELECT id, sku FROM orders_variant WHERE account_id = %s ORDER BY sku LIMIT 51;"
                               + by_sku_count, [a, a]),
        "by SKU: page in the middle": (
            "SELECT id, sku FROM orders_variant WHERE account_id = %s AND sku > %s ORDER BY sku LIMIT 51;"
            + by_sku_count, [a, middle, a]),
        "ledger: typical SKU": (ledger.format(extra=""), [a, a, "B-000123"]),
        "ledger: HOT-1, first page": (ledger.format(extra=""), [a, a, "HOT-1"]),
        "ledger: HOT-1, page 100": (ledger.format(extra="AND m.id < %s"), [a, a, "HOT-1", hot_cursor]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--hot", type=int, default=100_000, help="Ledger entries of the one hot SKU.")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_inventory_pages")
    common.setup("oms_bench_inventory_pages")

    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django_tenants.utils import tenant_context

    from accounts.models import Warehouse
    from accounts.tenancy.models import User
    from inventory.models import StockLevel, StockMovement
    from inventory.selectors import stock_ledger_page
    from orders.models import Variant

    org = common.ensure_organization(ORG_SLUG, "Bench Pages", ADMIN_EMAIL, ADMIN_PASSWORD)
    admin = User.objects.get(email=ADMIN_EMAIL)
    with tenant_context(org):
        account = ensure_data(args.skus, args.hot)
        warehouses = dict(Warehouse.objects.filter(account=account).values_list("code", "id"))
        print(f"{Variant.objects.filter(account=account).count():,} SKUs, "
              f"{StockLevel.objects.filter(account=account).count():,} levels, "
              f"{StockMovement.objects.filter(account=account).count():,} ledger entries; "
              f"median of {args.runs} runs after a warm-up")
        levels_url = reverse("inventory_levels", args=[account.pk])
        middle = f"B-{args.skus // 2:06d}"
        middle_level = StockLevel.objects.filter(account=account, variant__sku=middle).order_by("warehouse__code").first()
        middle_sku = Variant.objects.get(account=account, sku=middle)
        hot = Variant.objects.get(account=account, sku="HOT-1")
        page = stock_ledger_page(account=account, variant=hot)
        for _ in range(98):
            page = stock_ledger_page(account=account, variant=hot, after=page.older)
        cases = {
            "levels: first page": (levels_url, {}),
            "levels: page in the middle": (levels_url, {"after": middle_level.pk}),
            "levels: search 'B-00012'": (levels_url, {"q": "B-00012"}),
            "levels: warehouse EAST": (levels_url, {"warehouse": warehouses["EAST"]}),
            "levels: low stock": (levels_url, {"stock": "low"}),
            "levels: out of stock": (levels_url, {"stock": "out"}),
            "by SKU: first page": (levels_url, {"view": "sku"}),
            "by SKU: page in the middle": (levels_url, {"view": "sku", "after": middle_sku.pk}),
            "ledger: typical SKU": (reverse("inventory_ledger", args=[account.pk, "B-000123"]), {}),
            "ledger: HOT-1, first page": (reverse("inventory_ledger", args=[account.pk, "HOT-1"]), {}),
            "ledger: HOT-1, page 100": (reverse("inventory_ledger", args=[account.pk, "HOT-1"]), {"after": page.older}),
        }
        floors = floor_sql(account, warehouses, middle, page.older)
    client = Client(HTTP_HOST=f"{ORG_SLUG}.localhost")
    client.force_login(admin)
    print(f"  {'page':<32} {'view':>9} {'queries':>8} {'in SQL':>9} {'rows':>5} {'floor (SQL)':>12}")
    for label, (url, params) in cases.items():
        def call(url=url, params=params):
            response = client.get(url, params)
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}")
            return response

        ms = timed(call, args.runs)
        count, in_sql = queries_of(call)
        rows = len(re.findall(r'data-(?:level|sku|entry)="', call().content.decode()))
        sql, sql_params = floors[label]
        with tenant_context(org):
            def floor(sql=sql, sql_params=sql_params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, sql_params)
                    cursor.fetchall()
            floor_ms = timed(floor, args.runs)
        print(f"  {label:<32} {ms:>6.1f} ms {count:>8} {in_sql:>6.1f} ms {rows:>5} {floor_ms:>9.1f} ms", flush=True)


if __name__ == "__main__":
    main()
