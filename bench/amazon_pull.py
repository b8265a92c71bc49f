"""Bench: an order pull from Amazon's Selling Partner API (the emulator in sandbox/amazon.py), through the
connector and intake, beside a floor: the same getOrders pages and getOrderItems calls fetched bare.

    .venv/bin/python bench/amazon_pull.py                 # 500 orders, pages of 100
    .venv/bin/python bench/amazon_pull.py --orders 2000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_amazon; created and
migrated if missing). Makes organization `bench-amazon` with account BENCH-AMZ (SKU SBX-MUG) and an Amazon
channel connected to the emulator, which runs in this process on a loopback port with every operation's rate
raised (so the figures are the OMS's work, not Amazon's quota). Each run imports into a fresh channel.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import urllib.parse
import urllib.request

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_amazon")

import common

ORG_SLUG = "bench-amazon"


def _call(url: str, method: str = "GET", body=None, headers=None, form: bytes | None = None):
    data = form if form is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def floor(url: str, emulator) -> float:
    """Seconds to fetch every page and every order's items bare (no pacing, no database)."""
    token = _call(url + "/auth/o2/token", "POST", form=(
        f"grant_type=refresh_token&client_id={emulator.CLIENT_ID}&client_secret={emulator.CLIENT_SECRET}"
        f"&refresh_token={urllib.parse.quote(emulator.REFRESH_TOKEN)}").encode())["access_token"]
    headers = {"x-amz-access-token": token}
    started = time.perf_counter()
    query = f"MarketplaceIds={emulator.MARKETPLACE_ID}&LastUpdatedAfter=2000-01-01T00:00:00Z"
    while True:
        page = _call(f"{url}/orders/v0/orders?{query}", headers=headers)["payload"]
        for order in page["Orders"]:
            _call(f"{url}/orders/v0/orders/{order['AmazonOrderId']}/orderItems", headers=headers)
        if not page.get("NextToken"):
            return time.perf_counter() - started
        query = f"MarketplaceIds={emulator.MARKETPLACE_ID}&NextToken={page['NextToken']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    common.setup("oms_bench_amazon")

    from django.db import connection

    from accounts.models import Account
    from accounts.services import account_create
    from channels.models import Channel, ChannelConnection
    from channels.services import channel_save
    from intake.importing import orders_import
    from orders.models import Product, Variant
    from sandbox import amazon as emulator

    server = emulator.make_server(0)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = server.RequestHandlerClass.store
    store.rates = {op: [10000.0, 10000] for op in emulator.DEFAULT_RATES}
    store.orders = [emulator.example_order(f"900-{n:07d}-0000001", quantity=2) for n in range(args.orders)]
    base = time.time() - 60
    for n, order in enumerate(store.orders):
        order["LastUpdateDate"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base)) + f".{n % 1000:03d}Z"

    org = common.ensure_organization(ORG_SLUG, "Bench Amazon")
    connection.set_tenant(org)
    account = Account.objects.filter(code="BENCH-AMZ").first()
    if account is None:
        account, _ = account_create(name="Bench Amazon", by=None, code="BENCH-AMZ")
    if not Variant.objects.filter(account=account, sku="SBX-MUG").exists():
        product = Product.objects.create(account=account, name="Mug")
        Variant.objects.create(account=account, product=product, sku="SBX-MUG", name="Mug", price="9.50")
    channel = channel_save(
        account=account, by=None, warehouses=[], clear_secret=False,
        channel=Channel(kind=Channel.Kind.SALES, name=f"Amazon {time.time():.0f}", connector_type="amazon",
                        order_format="amazon", supports_order_import=True),
        connection=ChannelConnection(base_url=url, token_url=url + "/auth/o2/token", seller_id=emulator.SELLER_ID,
                                     marketplace_ids=emulator.MARKETPLACE_ID),
        secret=json.dumps({"client_id": emulator.CLIENT_ID, "client_secret": emulator.CLIENT_SECRET,
                           "refresh_token": emulator.REFRESH_TOKEN}),
    )
    bare = floor(url, emulator)
    started = time.perf_counter()
    counts = orders_import(channel=channel)
    pulled = time.perf_counter() - started
    print(f"orders: {args.orders} offered, {counts.created} created, {counts.rejected} rejected")
    print(f"floor (bare getOrders pages + getOrderItems per order): {bare:.2f} s "
          f"({args.orders / bare:.0f} orders/s)")
    print(f"pull through the connector and intake:                 {pulled:.2f} s "
          f"({args.orders / pulled:.0f} orders/s)")
    server.shutdown()


if __name__ == "__main__":
    main()
