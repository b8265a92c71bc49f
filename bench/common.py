"""What every bench script shares: its own database (never the app's or the tests'), Django, an organization."""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(default_database: str) -> None:
    """Point Django at `default_database` (or DATABASE_URL), create and migrate it, and start Django."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_database}")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings.test")  # DEBUG off, like production
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", verbosity=0)


def ensure_database(url: str) -> str:
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if "bench" not in name and os.environ.get("BENCH_ANY_DATABASE") != "1":
        sys.exit(f"bench: refusing to fill database {name!r}: use a database whose name contains 'bench'.")
    conninfo = {k: v for k, v in {"host": cfg.get("HOST"), "port": cfg.get("PORT"), "user": cfg.get("USER"),
                                  "password": cfg.get("PASSWORD")}.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def ensure_organization(slug: str, name: str, admin_email: str = "", admin_password: str = ""):
    from django_tenants.utils import get_public_schema_name, schema_context

    from accounts.tenancy.models import Organization
    from accounts.tenancy.services import organization_create

    with schema_context(get_public_schema_name()):
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            organization = organization_create(
                name=name, slug=slug, admin_email=admin_email, admin_password=admin_password
            )
            print(f"created organization {slug}")
        else:
            from django.core.management import call_command

            call_command("migrate_schemas", "--tenant", "--schema", organization.schema_name, verbosity=0)
    return organization


def timed(call: Callable[[], object], runs: int, warmup: int = 1) -> list[float]:
    """`runs` timings of `call` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p95(times: list[float]) -> float:
    """The 95th percentile of `times` (nearest rank), in their unit."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def p95_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] * 1000


def value_sql(field, known: dict[str, tuple[str, list]]) -> tuple[str, list]:
    """SQL for one column of a generated row: given, or the field's default, or NULL. Fields added to the model
    later get their default without touching the bench."""
    from django.db import connection
    from django.db.models.fields import NOT_PROVIDED

    if field.column in known:
        return known[field.column]
    if field.has_default():
        return "%s", [field.get_db_prep_save(field.get_default(), connection)]
    if field.null:
        return "NULL", []
    if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
        raise RuntimeError(f"bench: give {field.model.__name__}.{field.name} a value in value_sql")
    if field.blank and field.get_internal_type() in {"CharField", "TextField", "EmailField"}:
        return "''", []
    raise RuntimeError(f"bench: {field.model.__name__}.{field.name} needs a value: add it to the bench")


def insert_sql(model, known: dict[str, tuple[str, list]], source: str) -> tuple[str, list]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = [value_sql(f, known) for f in fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    select = ", ".join(sql for sql, _ in values)
    params = [p for _, ps in values for p in ps]
    return f'INSERT INTO "{model._meta.db_table}" ({columns}) SELECT {select} {source}', params
