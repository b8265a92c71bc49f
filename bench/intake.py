"""Bench: sales orders of 5 lines posted through the public API by several clients at once.

    .venv/bin/python bench/intake.py                         # 8 clients for 30 s
    .venv/bin/python bench/intake.py --clients 16 --seconds 60 --threads 16
    .venv/bin/python bench/intake.py --floor                 # the cheapest authenticated request instead
    .venv/bin/python bench/intake.py --bulk                  # POST /orders/bulk, 100 orders of 5 lines each
    .venv/bin/python bench/intake.py --webhooks              # signed webhook deliveries acknowledged
    .venv/bin/python bench/intake.py --drain                 # the webhook inbox drained into orders by the worker
    .venv/bin/python bench/intake.py --web-processes 2 --workers 2   # and the cross-process checks
    .venv/bin/python bench/intake.py --floor --profile 2000  # where one request's time goes (in process)

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_intake; created and
migrated if missing). Makes organization `bench-intake` with account BENCH-INTAKE: warehouse MAIN (its default),
200 SKUs with plenty of stock (through the ledger), a UPS/GROUND shipping method and a fresh API key, then
VACUUM ANALYZE (autovacuum's work, which some machines run with autovacuum off).

Starts the app as production runs it: ONE gunicorn process (gthread, `--threads` threads; `--web-processes`
for more) with oms.settings.production, and one Celery worker, then `--clients` client threads, each on its
own keep-alive connection, POST /api/v1/orders as fast as answers come: 5 random SKUs, a unique external id and
an Idempotency-Key per order. Every order goes the whole way: normalize, validate, de-duplicate, create, rules,
allocate; orders that arrive together are written in one transaction (api/group_commit.py). After a warm-up,
prints sustained orders per second, latency percentiles and any other answers. `--floor` sends instead the
cheapest authenticated request (POST /orders with `[]`: organization by host, key, rate limit, a JSON 422 from
the schema check; nothing read or written: a refused JSON object would be kept on the Intake page), the most API requests of any kind one process can answer.

`--bulk`, `--webhooks` and `--drain` first measure the floor for `--floor-seconds` in the same run and print
each figure beside it. `--bulk`: clients post POST /orders/bulk with 100 orders of 5 lines (orders/s counts
the created orders). `--webhooks`: clients post Shopify-style signed deliveries (5 lines each, a unique webhook
id) to the bench channel's /hooks/<token>/orders while the worker drains them. `--drain`: `--inbox` deliveries
are put in the inbox in one statement and the worker's drain is timed until the inbox is empty.

After an orders run (no mode flag) it checks the orders against the answers: every 201 is one order in the
database, none lost, none doubled. With `--web-processes 2` (or more) it then sends 100 Idempotency-Keys four
times each at the same moment on new connections (retries racing across processes; gunicorn's access log says
which process answered which key): each key must give four 201s with one order. `--workers N` starts N Celery
workers. `--profile N` starts no server: it runs N requests (`--floor`: the 422; else orders) through the WSGI
application in this process under cProfile and prints where one request's time goes.

Then it counts the queries that write a batch of 1 and of 16 orders in a new, empty account and in the bench
account (which by then holds every order the run made): they must be equal. Targets from the issue: at least
200 orders/s, p95 under 100 ms, on this 2-core machine, with the query count per order independent of the
account's size.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_intake")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
os.environ.setdefault("CELERY_RESULT_BACKEND", os.environ["REDIS_URL"])
os.environ.setdefault("CHANNEL_SECRET_KEYS", "bench-channel-secrets")  # the web process must open what prepare() seals

import common

ORG_SLUG = "bench-intake"
SKUS = 200
LINES = 5
BULK = 100  # orders per bulk request
HOOK_SECRET = "bench-hook-secret"


def prepare():
    from django.db import connection

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, account_rotate_api_key, warehouse_create
    from channels.models import Channel, ChannelConnection
    from channels.secrets import secret_encrypt
    from inventory.models import StockLevel
    from inventory.services import stock_levels_create
    from orders.models import Product, ShippingMethod, Variant

    org = common.ensure_organization(ORG_SLUG, "Bench Intake")
    connection.set_tenant(org)
    account = Account.objects.filter(code="BENCH-INTAKE").first()
    if account is None:
        account, _ = account_create(name="Bench Intake", by=None, code="BENCH-INTAKE")
    warehouse = Warehouse.objects.filter(account=account, code="MAIN").first() or warehouse_create(
        account=account, by=None, name="Main", code="MAIN"
    )
    if account.default_warehouse_id != warehouse.pk:
        Account.objects.filter(pk=account.pk).update(default_warehouse=warehouse)
        account.refresh_from_db()
    ShippingMethod.objects.get_or_create(
        account=account, code="GROUND", defaults={"name": "Ground", "price": "5.00", "carrier_code": "UPS", "service_code": "GROUND"}
    )
    if not Variant.objects.filter(account=account).exists():
        product = Product.objects.create(account=account, name="Bench product")
        Variant.objects.bulk_create(
            [Variant(account=account, product=product, sku=f"B-{n:04d}", price="10.00") for n in range(SKUS)]
        )
    missing = Variant.objects.filter(account=account).exclude(stock_levels__warehouse=warehouse)
    stock_levels_create(
        account=account,
        levels=[StockLevel(account=account, variant=v, warehouse=warehouse, on_hand=100_000_000) for v in missing],
    )
    key = account_rotate_api_key(account=account, by=None)
    channel = Channel.objects.filter(account=account, name="Bench shop").first()
    if channel is None:
        channel = Channel.objects.create(account=account, kind=Channel.Kind.SALES, name="Bench shop",
                                         order_format="shopify", supports_order_import=True)
        channel.warehouses.set([warehouse])
    ChannelConnection.objects.update_or_create(
        channel=channel, defaults={"webhook_secret_encrypted": secret_encrypt(HOOK_SECRET, origin="webhook")}
    )
    account.bench_channel = channel
    host = org.domains.get(is_primary=True).domain
    # Fresh planner statistics, as autovacuum keeps them in production (it is off on some machines: without
    # it the planner goes on believing the tables are empty and scans instead of using their indexes).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return org, account, key, host


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(logdir: Path, port: int, threads: int, host: str, web_processes: int = 1,
          workers: int = 1) -> list[subprocess.Popen]:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings.production", "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f".{host.split('.', 1)[1]},{host}", "SECURE_SSL_REDIRECT": "0", "PYTHONUNBUFFERED": "1",
    }
    web = [sys.executable, "-m", "gunicorn", "oms.wsgi", "-w", str(web_processes), "-k", "gthread", "--threads",
           str(threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    if web_processes > 1:  # which process answered which Idempotency-Key: the cross-process check reads it
        web += ["--access-logfile", str(logdir / "access.log"),
                "--access-logformat", "%(p)s %({idempotency-key}i)s %(s)s"]
    commands = [("web", web)] + [
        (f"worker-{n}", [sys.executable, "-m", "celery", "-A", "oms", "worker", "-l", "warning", "-c", "1", "-n",
                         f"bench-intake-{os.getpid()}-{n}@%h", "--without-gossip", "--without-mingle",
                         "--without-heartbeat"])
        for n in range(workers)
    ]
    processes = []
    for name, argv in commands:
        out = open(logdir / f"{name}.log", "wb")
        processes.append(subprocess.Popen(argv, cwd=common.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return processes
        except OSError:
            time.sleep(0.2)
    sys.exit(f"web did not start:\n{(logdir / 'web.log').read_text()}")


def order_body(n: int, rng: random.Random) -> dict:
    return {
        "external_id": f"bench-{os.getpid()}-{n}",
        "customer": {"name": "Grace Hopper", "email": f"grace{n % 1000}@example.com"},
        "shipping_address": {"name": "Grace Hopper", "line1": "1 Harbor Way", "city": "Arlington", "region": "VA",
                             "postal_code": "22201", "country": "US"},
        "lines": [{"sku": f"B-{s:04d}", "quantity": rng.randint(1, 3)} for s in rng.sample(range(SKUS), LINES)],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }


def shopify_body(n: int, rng: random.Random) -> dict:
    """A Shopify-style order of LINES lines, as a webhook delivers it."""
    address = {"name": "Grace Hopper", "address1": "1 Harbor Way", "city": "Arlington", "province_code": "VA",
               "zip": "22201", "country_code": "US"}
    return {
        "id": 10**12 + os.getpid() * 10**6 + n, "email": f"grace{n % 1000}@example.com",
        "created_at": "2026-11-23T10:00:00Z", "currency": "USD",
        "customer": {"first_name": "Grace", "last_name": "Hopper"},
        "line_items": [{"sku": f"B-{s:04d}", "quantity": rng.randint(1, 3), "price": "10.00", "title": "Bench"}
                       for s in rng.sample(range(SKUS), LINES)],
        "shipping_address": address,
        "shipping_lines": [{"code": "GROUND", "carrier_identifier": "UPS", "title": "Ground", "price": "5.00"}],
    }


def hook_headers(body: bytes, n: int) -> dict:
    from intake.services import webhook_signature

    return {"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": webhook_signature(HOOK_SECRET, body),
            "X-Shopify-Webhook-Id": f"bench-{os.getpid()}-{n}", "X-Shopify-Topic": "orders/create"}


def request_for(mode: str, n: int, rng: random.Random, key: str, token: str) -> tuple[str, bytes, dict, int, int]:
    """(path, body, headers, expected status, orders it stands for) of request `n` in `mode`."""
    api = {"X-Api-Key": key, "Content-Type": "application/json"}
    if mode == "floor":  # the cheapest authenticated request: key, rate limit, a body the schema refuses (422);
        # a JSON list, since a refused object is kept on the Intake page (a write)
        return "/api/v1/orders", b"[]", api, 422, 0
    if mode == "bulk":
        orders = [order_body(n * BULK + i, rng) for i in range(BULK)]
        return ("/api/v1/orders/bulk", json.dumps({"orders": orders}).encode(),
                {**api, "Idempotency-Key": f"b-{os.getpid()}-{n}"}, 200, BULK)
    if mode == "webhooks":
        body = json.dumps(shopify_body(n, rng)).encode()
        return f"/hooks/{token}/orders", body, hook_headers(body, n), 200, 1
    return "/api/v1/orders", json.dumps(order_body(n, rng)).encode(), {**api, "Idempotency-Key": f"k-{os.getpid()}-{n}"}, 201, 1


def client(port: int, host: str, key: str, stop: threading.Event, counter, results: list, errors: dict, lock,
           mode: str = "orders", token: str = "") -> None:
    rng = random.Random()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        with lock:
            n = next(counter)
        path, body, headers, expected, orders = request_for(mode, n, rng, key, token)
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers={"Host": host, **headers})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            continue
        elapsed = time.perf_counter() - started
        if mode == "bulk" and response.status == expected:
            orders = json.loads(data)["created"]
        external_id = f"bench-{os.getpid()}-{n}" if mode == "orders" else None  # order_body's, for the check
        with lock:
            if response.status == expected:
                results.append((time.perf_counter(), elapsed, orders, external_id))
            else:
                label = f"{response.status} {data[:120]!r}"
                errors[label] = errors.get(label, 0) + 1


def post_together(port: int, host: str, key: str, body: str, idempotency_key: str, copies: int) -> list:
    """`copies` identical requests sent at the same moment, each on its own new connection: [(status, body)]."""
    barrier = threading.Barrier(copies)
    answers: list = [None] * copies

    def one(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.connect()
            barrier.wait()
            conn.request("POST", "/api/v1/orders", body=body, headers={
                "Host": host, "X-Api-Key": key, "Content-Type": "application/json", "Idempotency-Key": idempotency_key,
            })
            response = conn.getresponse()
            answers[i] = (response.status, json.loads(response.read() or b"null"))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            answers[i] = (type(exc).__name__, None)
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def idempotency_across_processes(port: int, host: str, key: str, logdir: Path, keys: int = 100, copies: int = 4):
    """Each of `keys` Idempotency-Keys sent `copies` times at once (a client's retries racing on new connections,
    which the kernel spreads over the web processes): every copy must get 201 and the same order, and the access
    log says how many keys were answered by more than one process. Returns (keys, bad keys, keys seen by 2+
    processes, the external ids)."""
    rng = random.Random(11)
    bad, external_ids = [], []
    for n in range(keys):
        body = order_body(2 * 10**9 + n, rng)
        body["external_id"] = f"bench-idem-{os.getpid()}-{n}"
        external_ids.append(body["external_id"])
        answers = post_together(port, host, key, json.dumps(body), f"idem-{os.getpid()}-{n}", copies)
        numbers = {(a[1] or {}).get("number") for a in answers}
        if {a[0] for a in answers} != {201} or len(numbers) != 1:
            bad.append((n, answers))
    time.sleep(1.5)  # the access log is written after each answer
    by_key: dict[str, set] = {}
    log = logdir / "access.log"
    for line in (log.read_text().splitlines() if log.exists() else []):
        pid, idem, _ = (line.split(" ") + ["", ""])[:3]
        if idem.startswith(f"idem-{os.getpid()}-"):
            by_key.setdefault(idem, set()).add(pid)
    spread = sum(1 for pids in by_key.values() if len(pids) > 1)
    return keys, bad, spread, external_ids


def orders_check(org, account, answered: set[str], prefix: str) -> tuple[int, int, int, int]:
    """Of the orders this run made (external id starting with `prefix`): (in the database, answered 201 but
    missing, in the database but never answered, external ids held by more than one order)."""
    from django.db import connection
    from django.db.models import Count

    from orders.models import Order

    connection.set_tenant(org)
    made = Order.objects.filter(account=account, external_id__startswith=prefix)
    ids = set(made.values_list("external_id", flat=True))
    doubled = made.values("external_id").annotate(n=Count("id")).filter(n__gt=1).count()
    return len(ids), len(answered - ids), len(ids - answered), doubled


def queries_per_batch(org, account, sizes=(1, 16)) -> list[tuple[int, int, int]]:
    """Queries of the API's write (intake_submit_batch, one transaction) for batches of `sizes` orders, in a new
    empty account and in `account` (full of orders): (size, empty, full)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Account, Warehouse
    from accounts.services import account_create, warehouse_create
    from inventory.models import StockLevel
    from inventory.services import stock_levels_create
    from intake.services import intake_submit_batch
    from orders.models import Product, ShippingMethod, Variant

    connection.set_tenant(org)
    small = Account.objects.filter(code="BENCH-SMALL").first()
    if small is None:
        small, _ = account_create(name="Bench Small", by=None, code="BENCH-SMALL")
        warehouse = warehouse_create(account=small, by=None, name="Main", code="MAIN")
        Account.objects.filter(pk=small.pk).update(default_warehouse=warehouse)
        ShippingMethod.objects.create(account=small, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND")
        product = Product.objects.create(account=small, name="p")
        variants = Variant.objects.bulk_create(
            [Variant(account=small, product=product, sku=f"B-{n:04d}", price="10.00") for n in range(SKUS)]
        )
        stock_levels_create(account=small, levels=[
            StockLevel(account=small, variant=v, warehouse=warehouse, on_hand=1_000_000) for v in variants
        ])
    rng = random.Random(7)
    rows = []
    for size in sizes:
        counts = []
        for target in (Account.objects.get(pk=small.pk), Account.objects.get(pk=account.pk)):
            Warehouse.objects.filter(account=target).first()  # nothing cached between the two
            payloads = [order_body(10**9 + rng.randint(0, 10**8), rng) for _ in range(size)]
            with CaptureQueriesContext(connection) as captured, transaction.atomic():
                results = intake_submit_batch(account=target, payloads=payloads)
            assert all(results), "a bench order was not taken by the batch"
            counts.append(len(captured))
        rows.append((size, *counts))
    return rows


PROFILE_PARTS = [  # (label, function names whose cumulative time is that part), outermost first
    ("the API view (ninja: auth, parsing, the endpoint)", ["run"], "ninja/operation"),
    ("organization by host (tenant middleware)", ["process_request"], "tenan"),
    ("  of which the look-up cache's version (Redis GET)", ["lookups_version"], "lookups"),
    ("API key lookup", ["account_for_key"], "api/auth"),
    ("rate limit (Redis)", ["ratelimit_check"], "api/ratelimit"),
    ("wrong-key limit check (Redis)", ["bad_key_check"], "api/ratelimit"),
    ("body parsing (JSON)", ["parse_body"], "api/core"),
    ("schema validation (pydantic)", ["_get_values"], "ninja/operation"),
    ("the endpoint (intake for orders)", ["order_create", "order_bulk_create"], "api/"),
    ("JSON rendering", ["render"], "ninja/renderers"),
    ("SQL (every query sent; in a pipeline, sending only)", ["execute"], "psycopg/cursor"),
    ("waiting on PostgreSQL (every answer, pipeline syncs)", ["wait"], "psycopg/connection"),
]


def profile(requests: int, host: str, key: str, *, mode: str, token: str = "") -> None:
    """Run `requests` requests through the WSGI application in this process under cProfile and print where one
    request's time goes (cumulative time of the parts; parts nest, e.g. SQL is inside the others)."""
    import cProfile
    import io
    import pstats

    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    rng = random.Random(3)

    statuses: list = []
    last = [0]

    def start_response(status, headers, exc_info=None):
        last[0] = int(status.split()[0])

    def run(n: int) -> None:
        path, body, headers, _, _ = request_for(mode, n, rng, key, token)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": host,
            "SERVER_PORT": "80", "HTTP_HOST": host, "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr,
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        }
        if "HTTP_IDEMPOTENCY_KEY" in environ:
            environ["HTTP_IDEMPOTENCY_KEY"] += f"-p{n}-{time.time_ns()}"
        response = app(environ, start_response)
        b"".join(response)
        response.close()
        statuses.append(last[0])

    for n in range(50):  # warm-up: imports, connections, caches
        run(n)
    statuses.clear()
    began = time.perf_counter()
    for n in range(requests):
        run(10_000 + n)
    plain = (time.perf_counter() - began) / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests):
        run(20_000 + n)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[3] for key_, row in stats.stats.items() if key_[2] == "__call__" and "wsgi.py" in key_[0])
    expected = {"floor": 422, "bulk": 200, "webhooks": 200}.get(mode, 201)
    print(f"{requests} {'floor (422)' if mode == 'floor' else mode} requests in process, answers {sorted(set(statuses))} "
          f"(expected {expected}): {plain * 1000:.2f} ms each without the profiler, "
          f"{total / requests * 1000:.2f} ms with it")
    print("where one request's time goes (cumulative, under the profiler; parts nest):")
    for label, names, where in PROFILE_PARTS:
        spent = calls = 0
        for (filename, _, name), row in stats.stats.items():
            if name in names and where in filename:
                spent += row[3]
                calls += row[1]
        if calls:
            print(f"  {label:<54} {spent / requests * 1000:7.3f} ms  {100 * spent / total:5.1f} %  "
                  f"({calls / requests:.1f} calls)")
    if os.environ.get("BENCH_PROFILE_TOP"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(int(os.environ["BENCH_PROFILE_TOP"]))
        print(out.getvalue())


TARGETS = {  # mode -> (what a result is, target line)
    "orders": ("orders created", ">= 200 orders/s, p95 < 100 ms"),
    "floor": ("authenticated 422s (--floor)", "none: the most one process answers"),
    "bulk": (f"orders created through /orders/bulk ({BULK} of {LINES} lines a request)", ">= 1,000 orders/s"),
    "webhooks": (f"webhook deliveries acknowledged ({LINES} lines each)", ">= 500/s, p95 < 20 ms"),
}


def load(mode: str, *, port: int, host: str, key: str, token: str, clients: int, seconds: float, warmup: float,
         logdir: Path) -> dict:
    """`clients` threads sending `mode` requests for warmup + seconds; the figures of the last `seconds`."""
    import itertools

    stop, lock = threading.Event(), threading.Lock()
    counter = itertools.count()
    results: list = []
    errors: dict = {}
    threads = [
        threading.Thread(target=client, args=(port, host, key, stop, counter, results, errors, lock, mode, token),
                         daemon=True)
        for _ in range(clients)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(warmup + seconds)
    stop.set()
    for thread in threads:
        thread.join(35)
    window = [(e, o) for t, e, o, _ in results if t >= began + warmup]
    latencies = [e for e, _ in window]
    if not latencies:
        sys.exit(f"{mode}: no expected answer; answers: {errors}\nweb log:\n{(logdir / 'web.log').read_text()[-3000:]}")
    return {"answers": len(window) / seconds, "orders": sum(o for _, o in window) / seconds,
            "p50": common.median_ms(latencies), "p95": common.p95_ms(latencies), "max": max(latencies) * 1000,
            "errors": errors, "answered": {ext for *_, ext in results if ext}}


def report(mode: str, figures: dict, floor: dict | None) -> None:
    what, target = TARGETS[mode]
    rate = figures["answers"] if mode in ("floor", "webhooks") else figures["orders"]
    beside = f"   [floor: {floor['answers']:,.0f}/s, p50 {floor['p50']:.1f} ms, p95 {floor['p95']:.1f} ms]" if floor else ""
    print(f"{what}: {rate:,.0f}/s; latency p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms, "
          f"max {figures['max']:.0f} ms (target {target}){beside}")
    if mode == "bulk":
        print(f"  bulk requests answered: {figures['answers']:,.1f}/s")
    print(f"  other answers: {figures['errors'] or 'none'}")


def drain(org, account, count: int, timeout: float = 600) -> tuple[float, int]:
    """Put `count` deliveries in the inbox (one statement), queue the drain, time the worker until it is empty:
    (seconds, orders created)."""
    from django.db import connection

    from intake.models import WebhookDelivery
    from intake.services import webhook_drain_trigger
    from orders.models import Order

    connection.set_tenant(org)
    channel = account.bench_channel
    WebhookDelivery.objects.filter(channel=channel, processed_at__isnull=True).delete()  # an earlier run's leftovers
    rng = random.Random()
    base = Order.objects.filter(channel=channel).count()
    stamp = time.time_ns()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(account=account, channel=channel, webhook_id=f"drain-{stamp}-{n}", topic="orders/create",
                        body=json.dumps({**shopify_body(n, rng), "id": stamp + n}))
        for n in range(count)
    ], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_webhookdelivery")
    started = time.perf_counter()
    webhook_drain_trigger()
    deadline = started + timeout
    while WebhookDelivery.objects.filter(channel=channel, processed_at__isnull=True).exists():
        if time.perf_counter() > deadline:
            sys.exit("drain: the inbox was not empty in time (see the worker log)")
        time.sleep(0.02)
    return time.perf_counter() - started, Order.objects.filter(channel=channel).count() - base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads in the one web process")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--floor", action="store_true",
                       help="instead of orders, the cheapest authenticated request (a 422): the most one process serves")
    modes.add_argument("--bulk", action="store_true", help=f"POST /orders/bulk, {BULK} orders of {LINES} lines each")
    modes.add_argument("--webhooks", action="store_true", help="signed webhook deliveries acknowledged")
    modes.add_argument("--drain", action="store_true", help="the webhook inbox drained into orders by the worker")
    parser.add_argument("--inbox", type=int, default=3000, help="--drain: deliveries put in the inbox")
    parser.add_argument("--floor-seconds", type=float, default=10.0,
                        help="--bulk, --webhooks, --drain: seconds of floor measured first, printed beside")
    parser.add_argument("--web-processes", type=int, default=1,
                        help="gunicorn processes (the issue's target is for one; more shows how it scales)")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes (one task at a time each)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="instead: profile N requests (orders, --floor, --bulk, --webhooks) in this process, no server")
    args = parser.parse_args()
    mode = next((m for m in ("floor", "bulk", "webhooks", "drain") if getattr(args, m)), "orders")
    if args.profile and mode == "drain":
        parser.error("--profile profiles requests: orders, --floor, --bulk or --webhooks, not --drain")

    if args.profile:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "oms.settings.production", "SECRET_KEY": "bench-" + "x" * 50,
                           "ALLOWED_HOSTS": ".localhost", "SECURE_SSL_REDIRECT": "0"})
    common.setup("oms_bench_intake")
    org, account, key, host = prepare()
    if args.profile:
        return profile(args.profile, host, key, mode=mode, token=account.bench_channel.webhook_token)
    from django.db import connection

    from orders.models import Order

    connection.set_tenant(org)
    before = Order.objects.filter(account=account).count()
    port = free_port()
    logdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    processes = start(logdir, port, args.threads, host, args.web_processes, args.workers)
    web = "one web process" if args.web_processes == 1 else f"{args.web_processes} web processes"
    workers_label = "one worker" if args.workers == 1 else f"{args.workers} workers"
    common_args = {"port": port, "host": host, "key": key, "token": account.bench_channel.webhook_token,
                   "logdir": logdir}
    try:
        print(f"clients {args.clients}, {web} ({args.threads} threads each), {workers_label}")
        floor = None
        if mode in ("bulk", "webhooks", "drain"):
            load("floor", clients=args.clients, seconds=1.0, warmup=2.0, **common_args)  # the server's first requests
            floor = load("floor", clients=args.clients, seconds=args.floor_seconds, warmup=1.0, **common_args)
            report("floor", floor, None)
        if mode == "drain":
            seconds, created = drain(org, account, args.inbox)
            beside = f"   [floor: {floor['answers']:,.0f}/s]" if floor else ""
            print(f"inbox of {args.inbox:,} deliveries ({LINES} lines each) drained by {workers_label} in {seconds:.1f} s: "
                  f"{created / seconds:,.0f} orders/s, {created:,} orders created (target >= 300 orders/s){beside}")
        else:
            figures = load(mode, clients=args.clients, seconds=args.seconds, warmup=args.warmup, **common_args)
            report(mode, figures, floor)
        if mode == "orders":  # every 201 is one order in the database: none lost, none doubled
            answered = figures["answered"]
            made, lost, unanswered, doubled = orders_check(org, account, answered, f"bench-{os.getpid()}-")
            print(f"orders: {len(answered):,} answered 201, {made:,} in the database; lost {lost}, "
                  f"made but not answered {unanswered}, external ids doubled {doubled}")
        if args.web_processes > 1 and mode == "orders":
            keys, bad, spread, external_ids = idempotency_across_processes(port, host, key, logdir)
            _, lost, _, doubled = orders_check(org, account, set(external_ids), f"bench-idem-{os.getpid()}-")
            print(f"idempotency across processes: {keys} keys sent 4 times at once, {spread} of them answered by "
                  f"more than one process; keys with another answer than one 201 order: {len(bad)}; "
                  f"lost {lost}, doubled {doubled}")
            for n, answers in bad[:3]:
                print(f"  key {n}: {[(status, str(body)[:80]) for status, body in answers]}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    connection.set_tenant(org)
    after = Order.objects.filter(account=account).count()
    print(f"orders in the account: {before:,} before, {after:,} after")
    if mode in ("orders", "floor"):
        for size, small, large in queries_per_batch(org, account):
            print(f"queries to write a batch of {size} order(s): {small} in an empty account, "
                  f"{large} in BENCH-INTAKE ({after:,} orders)")


if __name__ == "__main__":
    main()
