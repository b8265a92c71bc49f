"""Bench: one new migration (a column and an index on orders) applied to every organization's schema.

    nice -n 19 .venv/bin/python bench/migrate_schemas.py                          # 1,000 organizations
    nice -n 19 .venv/bin/python bench/migrate_schemas.py --organizations 200 --executors standard,multiprocessing

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_migrate). Creates
`--organizations` organizations `bench-m-00001`…, once; later runs re-use them (`--organizations` more adds
the rest). The first is made by organization_create; the others hold the same schema, written from one pg_dump
of the migrated template with the schema's name replaced (about 20 a second here, where the app's clone_schema
takes about 7 s a schema).

The migration is the bench's own, never the app's: at run time the script writes a throw-away tenant app
`bench_migration` into a temporary directory (one migration, after the newest of `orders`: RunSQL adding a
nullable column `bench_note` to orders_order and an index on (account_id, bench_note), with its reverse) and a
settings module that adds that app to TENANT_APPS. `manage.py migrate_schemas --tenant` then runs in a
subprocess with that settings module, so the app's own migrations and database are untouched (the bench
database records `bench_migration` as applied, then as unapplied).

For each `--executors` entry (django-tenants' `standard`: one schema after another in one process;
`multiprocessing`: `--processes` processes, TENANT_MULTIPROCESSING_MAX_PROCESSES; this app's `oneplan`,
accounts/tenancy/migrate.py: one process, the graph and project state built once) it times, over every schema:
applying the migration, a run with nothing left to apply (the per-schema cost of migrate_schemas itself), and
unapplying it. Target: under 10 minutes for 1,000 organizations.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
from django.conf import settings

MIGRATION = '''from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "{orders_leaf}")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE orders_order ADD COLUMN bench_note varchar(40) NULL; "
            "CREATE INDEX orders_order_bench_note ON orders_order (account_id, bench_note)",
            reverse_sql="DROP INDEX orders_order_bench_note; ALTER TABLE orders_order DROP COLUMN bench_note",
        ),
    ]
'''

SETTINGS = '''from {base} import *  # noqa: F401,F403

TENANT_APPS = TENANT_APPS + ["bench_migration"]  # noqa: F405
INSTALLED_APPS = INSTALLED_APPS + ["bench_migration"]  # noqa: F405
TENANT_MULTIPROCESSING_MAX_PROCESSES = {processes}
TENANT_MULTIPROCESSING_CHUNKS = {chunks}
'''


def ensure_organizations(count: int) -> int:
    """`count` organizations bench-m-NNNNN. The first is made by organization_create; the others hold the same
    schema, written from one `pg_dump` of the migrated template (tables, indexes, constraints under the template's
    names, its data and migration records) with the schema's name replaced, 25 schemas per `psql` run,
    then their organization and domain rows in bulk: creating them one by one through the app (clone_schema, about
    7 s a schema here) is what takes long, not what is measured."""
    import re

    from django.db import connection
    from django_tenants.utils import get_public_schema_name, schema_context

    from accounts.tenancy.models import Domain, Organization
    from accounts.tenancy.services import organization_create, organization_domain
    from accounts.tenancy.template import tenant_template_ensure

    url = os.environ["DATABASE_URL"]
    with schema_context(get_public_schema_name()):
        if not Organization.objects.filter(slug="bench-m-00001").exists():
            organization_create(name="Bench M 00001", slug="bench-m-00001")
        tenant_template_ensure()
        have = set(Organization.objects.filter(slug__startswith="bench-m-").values_list("slug", flat=True))
        missing = [n for n in range(1, count + 1) if f"bench-m-{n:05d}" not in have]
        if missing:
            print(f"creating {len(missing):,} organizations…", flush=True)
            template = settings.TENANT_BASE_SCHEMA
            dump = subprocess.run(["pg_dump", "--schema", template, "--no-owner", "--no-privileges", url],
                                  capture_output=True, text=True, check=True).stdout
            name = re.compile(rf"(?<![\w$]){re.escape(template)}(?![\w$])")
        started = time.perf_counter()
        for done in range(0, len(missing), 25):
            part = missing[done:done + 25]
            schemas = {n: f"bench-m-{n:05d}".replace("-", "_") for n in part}
            for schema in schemas.values():  # left by an interrupted run, before its rows were written
                connection.cursor().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            script = "".join(f"BEGIN;\n{name.sub(schema, dump)}\nCOMMIT;\n" for schema in schemas.values())
            written = subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", url], input=script,
                                     text=True, capture_output=True)
            if written.returncode:
                sys.exit(f"psql could not write the schemas: {written.stderr.strip()}")
            organizations = Organization.objects.bulk_create(
                [Organization(name=f"Bench M {n:05d}", slug=f"bench-m-{n:05d}", schema_name=schemas[n]) for n in part]
            )  # no save(): the schemas are there already
            Domain.objects.bulk_create([
                Domain(domain=organization_domain(o.slug), tenant=o, is_primary=True) for o in organizations
            ])
            made = done + len(part)
            if made % 100 == 0 or made == len(missing):
                print(f"  {made:,}/{len(missing):,} ({made / (time.perf_counter() - started):.1f}/s)", flush=True)
        return Organization.objects.exclude(schema_name=get_public_schema_name()).count()


def write_app(directory: Path, processes: int) -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    orders_leaf = max(name for app, name in loader.graph.leaf_nodes() if app == "orders")
    package = directory / "bench_migration"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "migrations" / "0001_orders_bench_note.py").write_text(MIGRATION.format(orders_leaf=orders_leaf))
    base = os.environ["DJANGO_SETTINGS_MODULE"]
    (directory / "bench_migration_settings.py").write_text(
        SETTINGS.format(base=base, processes=processes, chunks=2)
    )


def migrate(directory: Path, executor: str, *extra: str) -> tuple[float, list[float]]:
    """(seconds, the times at which each schema's migration started): migrate_schemas prints a line per schema."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_migration_settings",
           "PYTHONPATH": os.pathsep.join([str(directory), str(common.ROOT)])}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "migrate_schemas", "--tenant", f"--executor={executor}", "-v", "1",
         "--noinput", *extra],
        cwd=common.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    starts, tail = [], []
    for line in process.stdout:
        if "Starting migration" in line:
            starts.append(time.perf_counter() - started)
        tail = (tail + [line])[-40:]
    process.wait()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit("migrate_schemas failed:\n" + "".join(tail))
    return elapsed, starts


def halves(starts: list[float], total: float) -> str:
    """Mean seconds a schema in the first and in the second half of the run: equal when the cost is linear."""
    if len(starts) < 4:
        return ""
    each = [b - a for a, b in zip(starts, starts[1:] + [total])]
    half = len(each) // 2
    first, second = each[:half], each[half:]
    return f" [a schema: {sum(first) / len(first) * 1000:.0f} ms in the first half, " \
           f"{sum(second) / len(second) * 1000:.0f} ms in the second]"


def applied_in(schemas: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders_order' "
            "AND column_name = 'bench_note'"
        )
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--executors", default="oneplan,multiprocessing,standard")
    parser.add_argument("--processes", type=int, default=2, help="for the multiprocessing executor")
    args = parser.parse_args()

    common.setup("oms_bench_migrate")
    schemas = ensure_organizations(args.organizations)
    directory = Path(tempfile.mkdtemp(prefix="bench-migration-"))
    write_app(directory, args.processes)
    print(f"{schemas:,} organization schemas; the migration: a column and an index on orders_order")
    migrate(directory, "oneplan", "bench_migration", "zero")  # start clean (an interrupted run leaves it half applied)
    for executor in args.executors.split(","):
        label = executor + (f" ({args.processes} processes)" if executor == "multiprocessing" else "")
        forward, starts = migrate(directory, executor)
        columns = applied_in(schemas)
        spread = halves(starts, forward) if executor != "multiprocessing" else ""
        print(f"{label}: apply {forward:7.1f} s ({forward / schemas * 1000:5.0f} ms a schema; column now in "
              f"{columns:,} schemas){spread}", flush=True)
        again, _ = migrate(directory, executor)
        back, _ = migrate(directory, executor, "bench_migration", "zero")
        print(f"{label}: nothing to apply {again:7.1f} s ({again / schemas * 1000:5.0f} ms a schema), "
              f"unapply {back:7.1f} s", flush=True)


if __name__ == "__main__":
    main()
