"""New organizations' schemas are cloned from a migrated template: they must be identical to it, names
included (later migrations find constraints by name)."""

from django.db import connection
from django.conf import settings

from accounts.tenancy.template import schema_constraints


def _indexes(schema: str) -> set[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        return {(t, n, d.replace(f"{schema}.", "")) for t, n, d in cursor.fetchall()}


def test_a_new_organization_schema_matches_the_template_name_for_name(committed_org):
    template = settings.TENANT_BASE_SCHEMA
    mine = committed_org.schema_name
    assert schema_constraints(mine) == schema_constraints(template)
    assert _indexes(mine) == _indexes(template)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [mine])
        assert cursor.fetchone()[0] > 20
