"""`migrate_schemas --tenant --executor=oneplan` applies and unapplies migrations in every organization's schema,
as django-tenants' own executors do, and leaves alone a schema with nothing to apply."""

from django.core.management import call_command
from django.db import connection

INDEX = "intake_failure_open_impact"


def _schemas_with_index(schemas) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname FROM pg_indexes WHERE indexname = %s AND schemaname = ANY(%s)",
                       [INDEX, list(schemas)])
        return {row[0] for row in cursor.fetchall()}


def _applied(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                       ["intake", "0006_failure_open_impact_index"])
        return cursor.fetchone() is not None


def test_oneplan_unapplies_and_applies_a_migration_in_every_schema(world, other_world):
    schemas = {world.org.schema_name, other_world.org.schema_name}
    assert _schemas_with_index(schemas) == schemas

    call_command("migrate_schemas", "--tenant", "--executor=oneplan", "intake", "0005_replay_runs",
                 verbosity=0)
    connection.set_schema_to_public()
    assert _schemas_with_index(schemas) == set()
    assert not any(_applied(schema) for schema in schemas)

    call_command("migrate_schemas", "--tenant", "--executor=oneplan", verbosity=0)
    connection.set_schema_to_public()
    assert _schemas_with_index(schemas) == schemas
    assert all(_applied(schema) for schema in schemas)

    call_command("migrate_schemas", "--tenant", "--executor=oneplan", verbosity=0)  # nothing left: changes nothing
    connection.set_schema_to_public()
    assert _schemas_with_index(schemas) == schemas
