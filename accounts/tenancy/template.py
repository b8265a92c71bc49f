"""A migrated template schema that new organizations are cloned from.

Running every migration for a new schema takes seconds and grows with each migration; cloning a migrated
template (django-tenants' clone_schema) and recording the migrations as applied takes about one. The template
is (re)migrated the first time a process creates an organization, so it always matches the code.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

_ready = False


def tenant_template_ensure() -> None:
    global _ready
    if _ready and schema_exists(settings.TENANT_BASE_SCHEMA):
        return
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=0)
    connection.set_schema_to_public()
    _ready = True


_CONSTRAINTS = """
    SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
      FROM pg_constraint con
      JOIN pg_class cl ON cl.oid = con.conrelid
      JOIN pg_namespace ns ON ns.oid = cl.relnamespace
     WHERE ns.nspname = %s
"""


def schema_constraints(schema: str) -> set[tuple[str, str, str, str]]:
    """(table, constraint name, type, definition) of every constraint in `schema`."""
    with connection.cursor() as cursor:
        cursor.execute(_CONSTRAINTS, [schema])
        return {(t, n, k, d.replace(f"{schema}.", "")) for t, n, k, d in cursor.fetchall()}


def tenant_schema_align_names(schema: str) -> None:
    """clone_schema recreates UNIQUE constraints under default names; give them the template's names, so
    that later migrations find them by name in every schema."""
    template = settings.TENANT_BASE_SCHEMA
    wanted = {(t, k, d): n for t, n, k, d in schema_constraints(template)}
    with connection.cursor() as cursor:
        for table, name, kind, definition in schema_constraints(schema):
            target = wanted.get((table, kind, definition))
            if target and target != name:
                cursor.execute(f'ALTER TABLE "{schema}"."{table}" RENAME CONSTRAINT "{name}" TO "{target}"')
