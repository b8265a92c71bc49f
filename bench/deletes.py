"""Bench: deleting a warehouse, channel, shipping method, tax jurisdiction or user of an account holding
1,000,000 orders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_list .venv/bin/python bench/deletes.py

Re-uses the order list's account BENCH-LIST of bench/clone_order.py (run that first: it builds the million
orders). Each case makes a fresh row that no order references, then times deleting it twice: through the
delete service (what a door calls; it commits, so PostgreSQL's deferred foreign key check runs) and as a plain
ORM delete in a transaction rolled back (Django's collector only: the deferred check never runs). Orders
reference these rows without an index of their own unless a partial index serves it (orders 0011), so each
check is a scan of the orders; the floor is one index look-up of the orders by account.
"""

from __future__ import annotations

import argparse
import statistics
import time

import common

ORG_SLUG = "bench"


def timed_ms(call) -> float:
    t0 = time.perf_counter()
    call()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Deletes timed per case (default 3).")
    args = parser.parse_args()
    common.setup("oms_bench")
    from django.db import connection, transaction
    from django_tenants.utils import tenant_context

    from accounts.models import Account
    from accounts.services import warehouse_create, warehouse_delete
    from accounts.tenancy.models import User
    from channels.models import Channel
    from channels.services import channel_delete
    from orders.models import Order, ShippingMethod, TaxJurisdiction
    from orders.services.charges import shipping_method_delete, tax_jurisdiction_delete

    org = common.ensure_organization(ORG_SLUG, "Bench")  # an existing one: migrates its schema
    with tenant_context(org):
        account = Account.objects.get(code="BENCH-LIST")
        total = Order.objects.filter(account=account).count()
        print(f"deleting unreferenced rows of {account.code} ({total:,} orders); median of {args.runs} runs")
        with connection.cursor() as cursor:
            cursor.execute("SELECT "
                           + ", ".join(f"count({c})" for c in ("warehouse_id", "channel_id", "fulfillment_channel_id",
                                                             "shipping_method_id", "tax_jurisdiction_id",
                                                             "assigned_to_id", "created_by_id"))
                           + " FROM orders_order WHERE account_id = %s", [account.pk])
            print("  orders referencing a warehouse, channel, fulfillment channel, shipping method, tax jurisdiction, "
                  f"assignee, creator: {cursor.fetchone()}")

        n = int(time.time())
        makers = {
            "warehouse": (lambda i: warehouse_create(account=account, by=None, name=f"Gone {n}-{i}", code=f"G{n % 10**6}{i}"),
                          lambda row: warehouse_delete(warehouse=row, by=None)),
            "channel": (lambda i: Channel.objects.create(account=account, kind="sales", name=f"Gone {n}-{i}"),
                        lambda row: channel_delete(channel=row, by=None)),
            "shipping method": (lambda i: ShippingMethod.objects.create(account=account, code=f"G{n}{i}", name="Gone",
                                                                        price=1),
                                lambda row: shipping_method_delete(method=row, by=None)),
            "tax jurisdiction": (lambda i: TaxJurisdiction.objects.create(account=account, code=f"G{n}{i}", name="Gone",
                                                                          rate="0.1"),
                                 lambda row: tax_jurisdiction_delete(jurisdiction=row, by=None)),
        }

        class Rollback(Exception):
            pass

        def orm_delete(row):
            try:
                with transaction.atomic():
                    row.__class__.objects.filter(pk=row.pk).delete()
                    raise Rollback
            except Rollback:
                pass

        for label, (make, service_delete) in makers.items():
            orm, service = [], []
            for i in range(args.runs):
                row = make(2 * i)
                orm.append(timed_ms(lambda: orm_delete(row)))
                row = make(2 * i + 1)
                service.append(timed_ms(lambda: service_delete(row)))
            print(f"  {label:<18} ORM delete, rolled back {statistics.median(orm):>8.1f} ms   "
                  f"service, committed {statistics.median(service):>8.1f} ms")

        users = []
        for i in range(args.runs):
            users.append(User.objects.create(email=f"gone-{n}-{i}@example.com"))
        times = [timed_ms(lambda: orm_delete(u)) for u in users]
        print(f"  {'user (tenant part)':<18} ORM delete, rolled back {statistics.median(times):>8.1f} ms   (users are deactivated, "
              "never deleted, by the app)")
        User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)

        floor = []
        for _ in range(args.runs):
            floor.append(timed_ms(lambda: Order.objects.filter(account=account, status="on_hold").exists()))
        print(f"  floor: one index look-up of the orders {statistics.median(floor):.1f} ms")


if __name__ == "__main__":
    main()
