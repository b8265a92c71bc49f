"""Bench: real-time inventory push latency and coalescing, with a real Celery worker, Redis and the sandbox.

    .venv/bin/python bench/inventory_push.py                  # 200 changes at 50/s, then a burst of 1,000
    .venv/bin/python bench/inventory_push.py --changes 500 --rate 50 --burst 1000 --threads 10

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_inventory; created and
migrated if missing) and Redis database REDIS_URL (default redis://127.0.0.1:6379/15, flushed at start). Makes
organization `bench-inventory` with account BENCH-INV (warehouse MAIN, SKUs LAT-1 and HOT-1) and a sales
channel connected to the sandbox marketplace, which runs in this process on a loopback port. Starts one worker
(`celery -A oms worker -c 4`) as a subprocess.

1. Latency: `--changes` stock changes of LAT-1 at `--rate` per second, each its own commit (stock_adjust).
   For each change: the time from its commit to the sandbox first holding a value that includes it.
2. Coalescing: `--burst` changes of HOT-1 as fast as `--threads` threads commit them; the number of pushes the
   sandbox received for them, and that the last value it holds is the final one.

Targets from the issue: p95 under 1 s; under 20 pushes per 1,000 changes of one SKU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_inventory")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
os.environ.setdefault("CELERY_RESULT_BACKEND", os.environ["REDIS_URL"])

import common

ORG_SLUG = "bench-inventory"


def prepare(sandbox_url: str):
    from django.db import connection

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, warehouse_create
    from channels.models import Channel, ChannelConnection
    from channels.services import channel_save
    from orders.models import Product, Variant

    org = common.ensure_organization(ORG_SLUG, "Bench Inventory")
    connection.set_tenant(org)
    account = Account.objects.filter(code="BENCH-INV").first()
    if account is None:
        account, _ = account_create(name="Bench Inventory", by=None, code="BENCH-INV")
    warehouse = Warehouse.objects.filter(account=account, code="MAIN").first() or warehouse_create(
        account=account, by=None, name="Main", code="MAIN"
    )
    variants = {}
    for sku in ("LAT-1", "HOT-1"):
        variant = Variant.objects.filter(account=account, sku=sku).first()
        if variant is None:
            variant = Variant.objects.create(
                account=account, product=Product.objects.create(account=account, name=sku), sku=sku
            )
        variants[sku] = variant
    channel = Channel.objects.filter(account=account, name="Sandbox").first() or Channel(
        kind=Channel.Kind.SALES, name="Sandbox", connector_type=Channel.Connector.SANDBOX,
        supports_inventory_updates=True,
    )
    connection_row = getattr(channel, "connection", None) if channel.pk else None
    connection_row = connection_row or ChannelConnection()
    connection_row.base_url = sandbox_url
    channel_save(account=account, channel=channel, warehouses=[warehouse], connection=connection_row, secret="bench",
                 clear_secret=False, by=None)
    if not account.inventory_realtime_updates:
        account.inventory_realtime_updates = True
        account.save(update_fields=["inventory_realtime_updates"])
    return org, account, warehouse, variants


def start_worker(logdir: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings.test", "PYTHONUNBUFFERED": "1"}
    log = logdir / "worker.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "oms", "worker", "-l", "warning", "-c", "4", "-n",
             f"bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=common.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    time.sleep(4)  # -l warning prints no "ready" line; give the pool time to start
    if process.poll() is not None:
        sys.exit(f"worker exited:\n{log.read_text()}")
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()

    common.setup("oms_bench_inventory")
    import redis
    from django.db import connection

    from inventory.models import StockLevel
    from inventory.services import stock_adjust
    from sandbox.server import make_server

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    store = server.RequestHandlerClass.store
    org, account, warehouse, variants = prepare(f"http://127.0.0.1:{server.server_address[1]}")
    worker = start_worker(Path(tempfile.mkdtemp(prefix="oms-bench-inventory-")))
    try:
        # 1. latency at a steady rate
        lat = variants["LAT-1"]
        base = StockLevel.objects.filter(variant=lat, warehouse=warehouse).values_list("on_hand", flat=True).first() or 0
        commits: list[tuple[int, float]] = []
        interval = 1.0 / args.rate
        start = time.perf_counter()
        for i in range(args.changes):
            due = start + i * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            stock_adjust(account=account, warehouse=warehouse, variant=lat, delta=1, by=None, reason="bench")
            commits.append((base + i + 1, time.time()))
        final = base + args.changes
        deadline = time.time() + 30
        while time.time() < deadline:
            with store.lock:
                if any(r["sku"] == "LAT-1" and r["quantity"] >= final for r in store.received):
                    break
            time.sleep(0.05)
        with store.lock:
            received = [(r["quantity"], r["at"]) for r in store.received if r["sku"] == "LAT-1"]
        latencies = []
        for quantity, committed in commits:
            arrival = next((at for q, at in received if q >= quantity), None)
            if arrival is not None:
                latencies.append(max(0.0, arrival - committed))
        lost = len(commits) - len(latencies)
        lat_pushes = len(received)

        # 2. a burst on one hot SKU
        hot = variants["HOT-1"]
        base = StockLevel.objects.filter(variant=hot, warehouse=warehouse).values_list("on_hand", flat=True).first() or 0
        per_thread = args.burst // args.threads

        def burst():
            connection.set_tenant(org)
            try:
                for _ in range(per_thread):
                    stock_adjust(account=account, warehouse=warehouse, variant=hot, delta=1, by=None, reason="burst")
            finally:
                connection.close()

        began = time.perf_counter()
        threads = [threading.Thread(target=burst) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_seconds = time.perf_counter() - began
        connection.set_tenant(org)
        final_hot = base + per_thread * args.threads
        deadline = time.time() + 30
        while time.time() < deadline:
            with store.lock:
                hot_received = [r["quantity"] for r in store.received if r["sku"] == "HOT-1"]
            if hot_received and hot_received[-1] == final_hot:
                break
            time.sleep(0.05)
        time.sleep(1)
        with store.lock:
            hot_received = [r["quantity"] for r in store.received if r["sku"] == "HOT-1"]
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=15)
        server.shutdown()

    print(f"latency: {len(commits)} changes at {args.rate:g}/s -> {lat_pushes} pushes; "
          f"p50 {common.median_ms(latencies):.0f} ms, p95 {common.p95_ms(latencies):.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; changes never seen by the sandbox: {lost}")
    pushes = len(hot_received)
    print(f"coalescing: {per_thread * args.threads} changes of HOT-1 in {burst_seconds:.2f} s -> {pushes} pushes "
          f"({pushes * 1000 / (per_thread * args.threads):.1f} per 1,000 changes); last value "
          f"{hot_received[-1] if hot_received else None} (final {final_hot})")
    ok = latencies and common.p95_ms(latencies) < 1000 and lost == 0 and pushes * 1000 / (per_thread * args.threads) < 20
    print("targets: p95 < 1 s, < 20 pushes per 1,000 changes:", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
