"""Bench: cloning an account with 2,000 order rules, 50 warehouses and 20 recurring jobs.

    .venv/bin/python bench/clone_account.py [--runs 5] [--rules 2000] [--warehouses 50] [--jobs 20]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_accounts) and an
organization `bench-accounts`; builds the template account once and re-uses it. Prints the clone's median and
slowest time and its query count, also for a template a tenth the size, to show the count does not grow.
Target from the issue: under 2 s.
"""

from __future__ import annotations

import argparse
import time

from common import ensure_organization, median_ms, setup


def build_template(account_name: str, rules: int, warehouses: int, jobs: int):
    from accounts.models import Account, RecurringJob, Warehouse
    from accounts.services import account_create
    from orders.models import OrderRule

    account = Account.objects.filter(name=account_name).first()
    if account is None:
        account, _ = account_create(name=account_name, by=None)
        Warehouse.objects.bulk_create(
            [Warehouse(account=account, name=f"Warehouse {i}", code=f"WH-{i}") for i in range(warehouses)]
        )
        wh_ids = list(Warehouse.objects.filter(account=account).values_list("id", flat=True))
        Account.objects.filter(pk=account.pk).update(default_warehouse_id=wh_ids[0])
        RecurringJob.objects.bulk_create(
            [RecurringJob(account=account, job_type="redact_pii", interval_minutes=60 + i) for i in range(jobs)]
        )
        OrderRule.objects.bulk_create(
            [
                OrderRule(
                    account=account, position=i, name=f"Rule {i}",
                    conditions=[{"type": "country", "value": "US"}, {"type": "total", "min": str(i), "max": ""}],
                    actions=[{"type": "assign_warehouse", "id": wh_ids[i % len(wh_ids)]}]
                    + ([{"type": "assign_user", "id": 1}] if i % 10 == 0 else []),
                    needs_review=False,
                )
                for i in range(rules)
            ],
            batch_size=1000,
        )
        print(f"built {account_name}: {rules} rules, {warehouses} warehouses, {jobs} jobs")
    return Account.objects.get(pk=account.pk)


def time_clones(source, runs: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.clone import account_clone

    seconds, queries = [], 0
    stamp = int(time.time())
    for run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            account_clone(source=source, name=f"{source.name} copy {stamp}-{run}", by=None)
            seconds.append(time.perf_counter() - start)
        queries = len(captured)
    return seconds, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rules", type=int, default=2000)
    parser.add_argument("--warehouses", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    setup("oms_bench_accounts")
    from django_tenants.utils import tenant_context

    organization = ensure_organization("bench-accounts", "Bench Accounts")
    with tenant_context(organization):
        big = build_template(f"Template {args.rules}", args.rules, args.warehouses, args.jobs)
        small = build_template(f"Template {args.rules // 10}", args.rules // 10, max(1, args.warehouses // 10),
                               max(1, args.jobs // 10))
        for label, source in (("full", big), ("a tenth", small)):
            seconds, queries = time_clones(source, args.runs)
            print(f"clone {label:8} ({source.name}): median {median_ms(seconds):7.1f} ms, "
                  f"slowest {max(seconds) * 1000:7.1f} ms, {queries} queries")
    print("target: under 2000 ms, queries independent of size")


if __name__ == "__main__":
    main()
