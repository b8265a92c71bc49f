"""Time the SKU look-up (what the SKU inputs ask as you type) in an account with many SKUs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_entry .venv/bin/python bench/sku_lookup.py
    .venv/bin/python bench/sku_lookup.py --skus 200000 --runs 30

The first run inserts `--skus` variants (SKU `SKU-000000`…, names made of a colour, a material and a noun)
with one generate_series INSERT and a stock level for each, then ANALYZE. Each case times `sku_lookup` (the
selector) and the htmx GET through the test client, beside a floor measured in the same run: the same GET with
an empty `q` (the door alone: session, account, roles, no look-up)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ORG_SLUG = "bench"
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-pass-123"
COLOURS = ["Red", "Blue", "Green", "Black", "White", "Amber", "Ivory", "Olive", "Coral", "Slate"]
MATERIALS = ["cotton", "linen", "wool", "steel", "oak", "bamboo", "glass", "clay", "leather", "paper"]
NOUNS = ["mug", "shirt", "scarf", "lamp", "kite", "bowl", "chair", "notebook", "blanket", "candle", "towel",
         "basket", "vase", "apron", "pillow", "tray", "jar", "clock", "mirror", "stool"]


timed, p95 = common.timed, common.p95


def ensure_catalog(account, warehouse, total: int) -> None:
    from django.db import connection

    from orders.models import Product, Variant

    have = Variant.objects.filter(account=account).count()
    if have >= total:
        return
    print(f"inserting {total - have:,} variants …", flush=True)
    product = Product.objects.create(account=account, name="Bench product")
    colours, materials, nouns = (", ".join(f"'{w}'" for w in words) for words in (COLOURS, MATERIALS, NOUNS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO orders_variant (account_id, product_id, sku, name, price, is_active)
            SELECT %s, %s, 'SKU-' || lpad(i::text, 6, '0'),
                   (ARRAY[{colours}])[1 + i %% {len(COLOURS)}] || ' ' || (ARRAY[{materials}])[1 + (i / 10) %% {len(MATERIALS)}]
                   || ' ' || (ARRAY[{nouns}])[1 + (i / 100) %% {len(NOUNS)}] || ' ' || i::text,
                   9.99, i %% 50 <> 0
            FROM generate_series(%s, %s) AS i
            """,
            [account.pk, product.pk, have, total - 1],
        )
        cursor.execute(
            "INSERT INTO inventory_stocklevel (account_id, variant_id, warehouse_id, on_hand, allocated, updated_at) "
            "SELECT %s, v.id, %s, 100, 0, now() FROM orders_variant v WHERE v.account_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM inventory_stocklevel s WHERE s.variant_id = v.id AND s.warehouse_id = %s)",
            [account.pk, warehouse.pk, account.pk, warehouse.pk],
        )
        cursor.execute("ANALYZE orders_variant; ANALYZE inventory_stocklevel")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=200_000, help="Variants in the account (default 200,000).")
    parser.add_argument("--runs", type=int, default=30, help="Timed runs per case (default 30).")
    args = parser.parse_args()

    common.setup("oms_bench_entry")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_tenants.utils import tenant_context

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, warehouse_create
    from accounts.tenancy.models import User
    from orders.selectors import sku_lookup

    org = common.ensure_organization(ORG_SLUG, "Bench", ADMIN_EMAIL, ADMIN_PASSWORD)
    admin = User.objects.get(email=ADMIN_EMAIL)
    print(f"database {connection.settings_dict['NAME']}, settings {os.environ['DJANGO_SETTINGS_MODULE']}")
    with tenant_context(org):
        account = Account.objects.filter(code="BENCH-SKUS").first()
        if account is None:
            account, _ = account_create(name="Bench SKUs", code="BENCH-SKUS", by=None)
            warehouse_create(account=account, by=None, name="Main", code="MAIN")
        warehouse = Warehouse.objects.get(account=account, code="MAIN")
        ensure_catalog(account, warehouse, args.skus)
        count = account.variants.count()

        client = Client(HTTP_HOST=f"{ORG_SLUG}.localhost")
        client.force_login(admin)
        url = reverse("sku_lookup", args=[account.pk])

        def get(params):
            response = client.get(url, params, HTTP_HX_REQUEST="true")
            connection.set_tenant(org)
            assert response.status_code == 200, response.status_code
            return response

        floor = timed(lambda: get({"q": ""}), args.runs)
        print(f"{count:,} SKUs in the account; {args.runs} runs a case; median / p95 in ms")
        print(f"  floor: GET with an empty q (the door alone)        {statistics.median(floor):7.2f} / {p95(floor):7.2f}")
        cases = {
            "SKU prefix, 1 character ('S')": {"q": "S"},
            "SKU prefix, narrow ('SKU-01234')": {"q": "SKU-01234"},
            "name, common word ('kite')": {"q": "kite"},
            "name, rare ('amber oak kite 1')": {"q": "amber oak kite 1"},
            "nothing matches ('zzzq')": {"q": "zzzq"},
            "name with stock in MAIN ('blue wool')": {"q": "blue wool", "warehouse": "MAIN"},
        }
        for label, params in cases.items():
            selector = timed(
                lambda params=params: sku_lookup(
                    account=account, q=params["q"], warehouse=warehouse if "warehouse" in params else None
                ), args.runs,
            )
            view = timed(lambda params=params: get(params), args.runs)
            with CaptureQueriesContext(connection) as captured:
                rows = len(sku_lookup(account=account, q=params["q"]))
            print(f"  {label:<42} selector {statistics.median(selector):7.2f} / {p95(selector):7.2f}"
                  f"   GET {statistics.median(view):7.2f} / {p95(view):7.2f}"
                  f"   (floor {statistics.median(floor):.2f}; {len(captured)} queries, {rows} rows)")


if __name__ == "__main__":
    main()
