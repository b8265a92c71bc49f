"""Bench: customers due for a re-order (orders/reorders.py) on an account with 1,000,000 orders.

    .venv/bin/python bench/reorders_due.py                    # defaults: 1,000,000 orders, 7 runs
    .venv/bin/python bench/reorders_due.py --orders 200000 --runs 5

Its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_reorders; refused unless
its name contains "bench"), an organization `bench-reorders` and an account BENCH-REORDER with `--customers`
customer profiles (default 100,000) and `--orders` orders spread evenly over them, each customer ordering
every 7 to 66 days up to about now (one order in 20 cancelled), one line per order. Inserted with INSERT ...
SELECT generate_series per 100,000 rows, then ANALYZE; a second run re-uses them.

Printed, beside a floor measured in the same run (counting the account's orders, `SELECT count(*)`, the least
any answer over all of them costs): the median and p95 of `reorder_habits_refresh`, the set-based statement the
recurring job runs over every order, and of `reorders_due`, what the page reads (the computed habits and the
baskets of the customers shown).
"""

from __future__ import annotations

import argparse
import time

import common

ORG_SLUG = "bench-reorders"
CHUNK = 100_000


def ensure_account():
    from accounts.models import Account
    from accounts.services import account_create, warehouse_create
    from orders.models import Product, Variant

    account = Account.objects.filter(code="BENCH-REORDER").first()
    if account is None:
        account, _ = account_create(name="Bench Reorder", code="BENCH-REORDER", by=None)
        warehouse_create(account=account, by=None, name="Main", code="MAIN")
        product = Product.objects.create(account=account, name="Bench product")
        Variant.objects.bulk_create(
            Variant(account=account, product=product, sku=f"RO-{i:04d}", name=f"Item {i}", price=10) for i in range(200)
        )
    return account


def fill(account, *, orders: int, customers: int) -> None:
    from django.db import connection

    from orders.models import Customer, Order, OrderLine, Variant

    have_customers = Customer.objects.filter(account=account).count()
    if have_customers < customers:
        sql, params = common.insert_sql(Customer, {
            "account_id": ("%s", [account.pk]),
            "name": ("'Customer ' || g", []),
            "email": ("'customer' || g || '@example.com'", []),
            "created_at": ("now()", []),
        }, "FROM generate_series(%s::bigint, %s::bigint) AS g")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, have_customers + 1, customers])
        print(f"inserted {customers - have_customers:,} customers")
    first_customer = Customer.objects.filter(account=account).order_by("pk").values_list("pk", flat=True).first()
    variants = list(Variant.objects.filter(account=account).order_by("pk").values_list("pk", "sku"))
    have = Order.objects.filter(account=account).count()
    # Order g belongs to customer mod(g, C); it is that customer's k-th order (k = g / C, 0 = oldest), placed
    # (n - k) periods ago, the period being 7 to 66 days by customer, give or take up to a day.
    per_customer = max(1, orders // customers)
    period = f"((7 + mod(mod(g, {customers}), 60)) * INTERVAL '1 day')"
    created = (f"(now() - ({per_customer} - ((g - 1) / {customers})) * {period} "
               f"+ mod(g * 7919, 86400) * INTERVAL '1 second')")
    known = {
        "account_id": ("%s", [account.pk]),
        "kind": ("'sales'", []),
        "number": ("'SO-' || lpad(g::text, 7, '0')", []),
        "status": ("CASE WHEN mod(g, 20) = 0 THEN 'cancelled' ELSE 'closed' END", []),
        "source": ("'api'", []),
        "order_date": (f"({created})::date", []),
        "customer_id": (f"{first_customer} + mod(g, {customers})", []),
        "customer_name": (f"'Customer ' || (1 + mod(g, {customers}))", []),
        "customer_email": (f"'customer' || (1 + mod(g, {customers})) || '@example.com'", []),
        "subtotal": ("20", []), "total": ("20", []),
        "created_at": (created, []),
        "updated_at": (created, []),
    }
    sql, params = common.insert_sql(Order, known, "FROM generate_series(%s::bigint, %s::bigint) AS g")
    line_sql, line_params = common.insert_sql(OrderLine, {
        "account_id": ("%s", [account.pk]),
        "order_id": ("o.id", []),
        "order_created_at": ("o.created_at", []),
        "position": ("1", []),
        "variant_id": ("(%s::bigint[])[1 + mod(o.customer_id, 200)]", [[pk for pk, _ in variants]]),
        "sku": ("(%s::text[])[1 + mod(o.customer_id, 200)]", [[sku for _, sku in variants]]),
        "quantity": ("1 + mod(o.customer_id, 4)", []),
        "unit_price": ("10", []),
        "line_total": ("10 * (1 + mod(o.customer_id, 4))", []),
    }, "FROM orders_order AS o WHERE o.account_id = %s AND o.id > %s")
    if have >= orders:
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for start in range(have + 1, orders + 1, CHUNK):
            end = min(orders, start + CHUNK - 1)
            cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
            before = cursor.fetchone()[0]
            cursor.execute(sql, [*params, start, end])
            cursor.execute(line_sql, [*line_params, account.pk, before])
            print(f"  orders {start:,}..{end:,} ({time.perf_counter() - started:.0f} s)")
        cursor.execute("ANALYZE orders_order")
        cursor.execute("ANALYZE orders_orderline")


def timed(call, runs: int) -> list[float]:
    call()  # warm-up
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="Orders in the account (default 1,000,000).")
    parser.add_argument("--customers", type=int, default=100_000, help="Customers they belong to (default 100,000).")
    parser.add_argument("--runs", type=int, default=7, help="Timed runs (default 7).")
    args = parser.parse_args()

    common.setup("oms_bench_reorders")
    from django.db import connection
    from django_tenants.utils import tenant_context

    from orders.reorders import reorders_due
    from orders.services.reorders import reorder_habits_refresh

    org = common.ensure_organization(ORG_SLUG, "Bench reorders")
    with tenant_context(org):
        account = ensure_account()
        fill(account, orders=args.orders, customers=args.customers)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders_order WHERE account_id = %s", [account.pk])
            total = cursor.fetchone()[0]

        def floor():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM orders_order WHERE account_id = %s", [account.pk])
                cursor.fetchone()

        habits = reorder_habits_refresh(account=account)
        due = reorders_due(account=account)
        floor_times = timed(floor, args.runs)
        refresh_times = timed(lambda: reorder_habits_refresh(account=account), args.runs)
        due_times = timed(lambda: reorders_due(account=account), args.runs)
        floor_ms = max(common.median_ms(floor_times), 0.001)
        print(f"account BENCH-REORDER: {total:,} orders, {args.customers:,} customers, {habits:,} with a habit; "
              f"{len(due)} due shown, e.g. {due[0].name if due else '-'} every "
              f"{due[0].usual_days if due else 0:.1f} days, basket {due[0].basket if due else []}")
        for label, times in (("floor: count(*) of the account's orders", floor_times),
                             ("reorder_habits_refresh (the job, 2 statements)", refresh_times),
                             ("reorders_due (the page, 2 queries)", due_times)):
            print(f"  {label:<48} median {common.median_ms(times):9.1f} ms  p95 {common.p95_ms(times):9.1f} ms"
                  f"  ({common.median_ms(times) / floor_ms:.2f} × the floor)")


if __name__ == "__main__":
    main()
