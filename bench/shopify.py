"""Bench: the Shopify connector against the local Shopify emulator, beside the generic HTTP/JSON connector.

    .venv/bin/python bench/shopify.py                    # 1000 orders pulled, 200 SKUs pushed, 3 runs each
    .venv/bin/python bench/shopify.py --orders 3000 --runs 5

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_shopify). Makes
organization `bench-shopify` with account BENCH-SHOPIFY: warehouse MAIN, `--skus` SKUs with stock. Starts the
Shopify emulator and the sandbox marketplace in threads of this process, with a cost bucket too large to
throttle, so the figures are the connector's own work.

1. Pull: `--orders` new orders (one line each) seeded in the emulator, imported with `orders_import` through the
   Shopify connector (GraphQL pages of 50, each mapped to the REST shape). Floor, in the same run: the same
   orders in the REST shape served by the sandbox marketplace in one answer and imported through the generic
   HTTP/JSON connector. Orders per second for both.
2. Push: `--skus` SKUs at one mapped location, pushed with `connector_push_inventory` (inventorySetQuantities, 250
   a request) and the queries it ran; floor: the same SKUs pushed to the sandbox marketplace in one request.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

ORG_SLUG = "bench-shopify"


def _serve(server) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def prepare(skus: int):
    from django.db import connection

    from accounts.models import Account
    from accounts.services import account_create, warehouse_create
    from inventory.models import StockLevel
    from inventory.services import stock_levels_create
    from orders.models import Product, Variant

    org = common.ensure_organization(ORG_SLUG, "Bench Shopify")
    connection.set_tenant(org)
    account = Account.objects.filter(code="BENCH-SHOPIFY").first()
    if account is None:
        account, _ = account_create(name="Bench Shopify", code="BENCH-SHOPIFY", by=None)
        main = warehouse_create(account=account, by=None, name="Main", code="MAIN")
        account.default_warehouse = main
        account.save(update_fields=["default_warehouse"])
        print("built the bench account")
    main = account.default_warehouse
    have = Variant.objects.filter(account=account).count()
    if have < skus:
        products = Product.objects.bulk_create([Product(account=account, name=f"P{n}") for n in range(have, skus)])
        variants = Variant.objects.bulk_create([
            Variant(account=account, product=p, sku=f"B-{n:05d}", name=p.name, price="9.50")
            for n, p in zip(range(have, skus), products)
        ])
        stock_levels_create(account=account, reason="Bench", levels=[
            StockLevel(account=account, variant=v, warehouse=main, on_hand=1_000_000) for v in variants])
    return org, account, main


def channel(account, main, *, name: str, connector: str, url: str, secret: str, order_format: str):
    from channels.models import Channel, ChannelConnection
    from channels.services import channel_save

    found = Channel.objects.filter(account=account, name=name).first()
    if found is not None:
        found.delete()
    return channel_save(
        account=account, channel=Channel(kind=Channel.Kind.SALES, name=name, connector_type=connector,
                                         supports_order_import=True, supports_inventory_updates=True,
                                         order_format=order_format),
        warehouses=[main], connection=ChannelConnection(base_url=url, timeout_seconds=30), secret=secret,
        clear_secret=False, by=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    common.setup("oms_bench_shopify")

    import json
    import urllib.request

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channels.connectors import connector_push_inventory
    from channels.connectors.shopify import order_as_rest
    from channels.models import Channel
    from channels.services import channel_maps_import
    from intake.importing import orders_import
    from sandbox import server as marketplace
    from sandbox import shopify as emulator

    org, account, main = prepare(args.skus)
    from orders.models import Variant

    shop_store = emulator.Store()
    shop_store.maximum = shop_store.available = shop_store.restore_rate = 1e12
    shop_url = _serve(emulator.make_server(0, store=shop_store))
    market_store = marketplace.Store()
    market_url = _serve(marketplace.make_server(0, store=market_store))
    skus = list(Variant.objects.filter(account=account).order_by("sku").values_list("sku", flat=True)[:args.skus])
    shop_store.locations = [{"id": "gid://shopify/Location/1", "name": "Main", "isActive": True}]
    shop_store.variants = [{"id": f"gid://shopify/ProductVariant/{n}", "sku": sku, "title": sku, "price": "9.50",
                            "product": {"title": sku}, "inventoryItem": {"id": f"gid://shopify/InventoryItem/{n}"}}
                           for n, sku in enumerate(skus, start=1)]
    shopify = channel(account, main, name="Bench Shopify", connector=Channel.Connector.SHOPIFY, url=shop_url,
                      secret=emulator.TOKEN, order_format="shopify")
    generic = channel(account, main, name="Bench HTTP JSON", connector=Channel.Connector.HTTP_JSON, url=market_url,
                      secret="bench", order_format="shopify")
    channel_maps_import(channel=shopify)
    base = int(time.time() * 1000) * 100

    print(f"pull of {args.orders} new orders (one line each), {args.runs} runs")
    for run in range(args.runs):
        first = base + run * 2 * args.orders
        nodes = [emulator.sample_order(first + n, name=f"#{n}", sku=skus[n % len(skus)], quantity=1,
                                       updated_at=f"2030-01-01T00:{run:02d}:{n % 60:02d}Z") for n in range(args.orders)]
        shop_store.orders = nodes
        started = time.perf_counter()
        counts = orders_import(channel=shopify)
        shopify_s = time.perf_counter() - started
        floor_orders = [{**order_as_rest(node), "id": first + args.orders + n} for n, node in enumerate(nodes)]
        market_store.orders = floor_orders
        started = time.perf_counter()
        floor_counts = orders_import(channel=generic)
        floor_s = time.perf_counter() - started
        print(f"  run {run + 1}: Shopify GraphQL {counts.created / shopify_s:8.1f} orders/s ({counts.created} "
              f"created)   floor, HTTP/JSON one answer {floor_counts.created / floor_s:8.1f} orders/s "
              f"({floor_counts.created} created)")

    print(f"push of {len(skus)} SKUs at one location, {args.runs} runs")
    items = [{"sku": sku, "quantity": 1} for sku in skus]
    for run in range(args.runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            connector_push_inventory(shopify, items)
        shopify_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        connector_push_inventory(generic, items)
        floor_ms = (time.perf_counter() - started) * 1000
        print(f"  run {run + 1}: Shopify inventorySetQuantities {shopify_ms:7.1f} ms ({len(queries)} queries)   "
              f"floor, HTTP/JSON one request {floor_ms:7.1f} ms")
    received = json.loads(urllib.request.urlopen(f"{shop_url}/_received").read())
    print(f"emulator received {len(received)} quantities in total")


if __name__ == "__main__":
    main()
