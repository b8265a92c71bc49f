"""Bench: the Intake page's failures list with 100,000 open failures in one account.

    .venv/bin/python bench/intake_failures.py                      # 100,000 open failures
    .venv/bin/python bench/intake_failures.py --failures 20000 --runs 9

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_failures). Makes
organization `bench-failures` with account BENCH-FAILURES, an administrator and two sales channels, and fills
it once with `--failures` open failures (one `INSERT … SELECT generate_series`; values and line counts with many
ties, so the keyset's later columns matter; one in ten retrying, the rest waiting for an operator; 90 % from one
broken channel) plus a tenth as many replayed ones, then `VACUUM ANALYZE`. Times, as medians and p95 of
`--runs`: the `failure_page` selector for the first page and for page 50 (reached through the keyset), the same
for the broken channel only, the health per source (which counts the open failures), and GET of the Intake page through django.test.Client as the administrator (page,
health and template), first page and page 50. Target: the page under 200 ms.
"""

from __future__ import annotations

import argparse
import time

import common

ORG_SLUG = "bench-failures"


def prepare(count: int):
    from django.db import connection

    from accounts.models import Account
    from accounts.services import account_create
    from channels.models import Channel
    from intake.models import IntakeFailure

    org = common.ensure_organization(ORG_SLUG, "Bench Failures", "bench-failures@example.com", "bench-failures-pw-1")
    connection.set_tenant(org)
    account = Account.objects.filter(code="BENCH-FAILURES").first()
    if account is None:
        account, _ = account_create(name="Bench Failures", by=None, code="BENCH-FAILURES")
    channels = []
    for name in ("Broken market", "Quiet market"):
        channel = Channel.objects.filter(account=account, name=name).first() or Channel.objects.create(
            account=account, name=name, kind=Channel.Kind.SALES, order_format="sandbox",
        )
        channels.append(channel)
    have = IntakeFailure.objects.filter(account=account).count()
    wanted = count + count // 10
    if have < wanted:
        print(f"inserting {wanted - have:,} failures…")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO intake_intakefailure (account_id, source, channel_id, document, payload_format, payload,
                    external_id, fingerprint, reasons, status, value, line_count, attempts, next_attempt_at,
                    created_at, updated_at)
                SELECT %(account)s, CASE WHEN n %% 10 = 0 THEN 'api' ELSE 'channel' END,
                       CASE WHEN n %% 10 = 0 THEN NULL WHEN n %% 10 = 9 THEN %(quiet)s ELSE %(broken)s END,
                       'sales_order', 'sandbox', jsonb_build_object('id', 'BF-' || n, 'items', '[]'::jsonb),
                       'BF-' || n, '',
                       '[{"code": "unknown_sku", "field": "items[0].sku", "message": "Unknown SKU MUG-9."}]'::jsonb,
                       CASE WHEN n > %(open)s THEN 'replayed' WHEN n %% 10 = 3 THEN 'retrying' ELSE 'dead' END,
                       (n * 7919 %% 50000) / 100.0, 1 + n %% 7, 3,
                       CASE WHEN n %% 10 = 3 THEN now() + interval '1 hour' END,
                       now() - (n * interval '1 second') / 3, now()
                FROM generate_series(%(start)s, %(stop)s) AS n
                """,
                {"account": account.pk, "broken": channels[0].pk, "quiet": channels[1].pk, "open": count,
                 "start": have + 1, "stop": wanted},
            )
            cursor.execute("VACUUM ANALYZE intake_intakefailure")
        print(f"  done in {time.perf_counter() - started:.0f} s")
    admin = org.memberships.get(role="admin").user
    return org, account, channels[0], admin


def timed(runs: int, call) -> list[float]:
    call()  # warm
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=100_000, help="open failures in the account")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    common.setup("oms_bench_failures")
    org, account, broken, admin = prepare(args.failures)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from intake import selectors
    from intake.models import IntakeFailure

    connection.set_tenant(org)
    open_count = IntakeFailure.objects.filter(account=account, status__in=selectors.OPEN).count()
    print(f"account BENCH-FAILURES: {open_count:,} open failures, "
          f"{IntakeFailure.objects.filter(account=account).count():,} in all")

    def cursor_at(page: int, **filters):
        after = None
        for _ in range(page - 1):
            after = selectors.failure_page(account=account, **filters, after=after).next
        return after

    cases = [("all open, first page", {}, 1), ("all open, page 50", {}, 50),
             ("one channel, first page", {"source": "channel", "channel_id": broken.pk}, 1),
             ("one channel, page 50", {"source": "channel", "channel_id": broken.pk}, 50)]
    print(f"\nfailure_page selector (50 rows), {args.runs} runs:")
    for label, filters, page in cases:
        after = cursor_at(page, **filters)
        seconds = timed(args.runs, lambda: selectors.failure_page(account=account, **filters, after=after))
        with CaptureQueriesContext(connection) as captured:
            selectors.failure_page(account=account, **filters, after=after)
        print(f"  {label:<26} median {common.median_ms(seconds):7.1f} ms   p95 {common.p95_ms(seconds):7.1f} ms"
              f"   {len(captured)} queries")

    seconds = timed(args.runs, lambda: selectors.intake_health(account=account))
    print(f"  {'health per source (counts)':<26} median {common.median_ms(seconds):7.1f} ms   "
          f"p95 {common.p95_ms(seconds):7.1f} ms")

    client = Client(HTTP_HOST=f"{ORG_SLUG}.localhost")
    client.force_login(admin)
    url = reverse("intake_page", args=[account.pk])
    print(f"\nGET the Intake page (health, filters, 50 failures, template), {args.runs} runs (target < 200 ms):")
    for label, filters, page in cases[:2]:
        after = cursor_at(page, **filters)
        full = url + (f"?after={after.encode()}" if after else "")
        response = client.get(full)
        assert response.status_code == 200, response.status_code
        seconds = timed(args.runs, lambda: client.get(full))
        connection.set_tenant(org)
        print(f"  {label:<26} median {common.median_ms(seconds):7.1f} ms   p95 {common.p95_ms(seconds):7.1f} ms")

    connection.set_tenant(org)
    with connection.cursor() as cursor:
        query, params = selectors.failures_for_account(account=account)[:51].query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + query, params)
        print("\nplan of the first page of open failures:")
        for (line,) in cursor.fetchall():
            print("  " + line)


if __name__ == "__main__":
    main()
