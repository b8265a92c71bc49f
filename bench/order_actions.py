"""Bulk actions on orders: how long a bulk hold, tag and re-allocation take per order, beside the floor of one
status update with its history entry in a transaction of its own (what any per-order bulk must pay).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_actions .venv/bin/python bench/order_actions.py
"""

from __future__ import annotations

import argparse
import time

from common import ensure_organization, setup


def build(orders: int):
    from django.db import connection

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, warehouse_create
    from orders.models import Product, Variant
    from tests.factories import order_draft, make_orders, stock

    account = Account.objects.filter(name="Bench actions").first()
    if account is None:
        account, _ = account_create(name="Bench actions", by=None)
        warehouse_create(account=account, by=None, name="Main", code="MAIN")
        warehouse_create(account=account, by=None, name="East", code="EAST")
        print("built the account")
    main = Warehouse.objects.get(account=account, code="MAIN")
    east = Warehouse.objects.get(account=account, code="EAST")
    product, _ = Product.objects.get_or_create(account=account, name="Lamp")
    lamps = []
    for n in range(3):
        lamp, _ = Variant.objects.get_or_create(account=account, product=product, sku=f"LAMP-{n}",
                                                defaults={"price": 10})
        stock(lamp, main, 10**6)
        stock(lamp, east, 10**6)
        lamps.append(lamp)
    made = make_orders(account, [order_draft(account, [(v, 1) for v in lamps], warehouse=main) for _ in range(orders)])
    connection.close()
    return account, east, [o.pk for o in made]


def floor(account, ids) -> list[float]:
    """One status update and one history entry per order, each in its own transaction."""
    from django.db import transaction
    from django.utils import timezone

    from orders.models import Order, OrderEvent

    times = []
    for pk in ids:
        start = time.perf_counter()
        with transaction.atomic():
            Order.objects.select_for_update().filter(pk=pk).values_list("id", flat=True).get()
            Order.objects.filter(pk=pk).update(tags=["floor"], updated_at=timezone.now())
            OrderEvent.objects.create(account=account, order_id=pk, kind="tags", message="Tags changed", data={})
        times.append(time.perf_counter() - start)
    return times


def timed(account, by, action, params, ids) -> tuple[float, int, int]:
    from orders.services.bulk import orders_bulk_apply

    start = time.perf_counter()
    summary = orders_bulk_apply(account=account, by=by, action=action, params=params, order_ids=ids)
    return (time.perf_counter() - start) / max(1, len(ids)), summary.done, len(summary.refused)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per bulk action (default 200)")
    args = parser.parse_args()
    setup("oms_bench_actions")
    from django_tenants.utils import tenant_context

    organization = ensure_organization("bench", "Bench", "bench-admin@example.com", "bench-pass-123")
    with tenant_context(organization):
        account, east, ids = build(args.orders)
        times = floor(account, ids)
        floor_ms = sum(times) / len(times) * 1000
        print(f"{args.orders} orders of 3 lines; mean ms per order (floor: one locked update + event, own transaction: "
              f"{floor_ms:.2f} ms)")
        for action, params in [("add_tag", {"tag": "bench"}), ("hold", {"reason": "bench"}),
                               ("release", {"reason": "bench"}), ("assign_warehouse", {"warehouse": east.pk})]:
            per_order, done, refused = timed(account, None, action, params, ids)
            print(f"  {action:<17} {per_order * 1000:7.2f} ms/order  ({per_order * 1000 / floor_ms:.1f} × floor; "
                  f"{done} done, {refused} refused)")


if __name__ == "__main__":
    main()
