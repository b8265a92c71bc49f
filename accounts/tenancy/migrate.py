"""A migrate_schemas executor for many organizations: `manage.py migrate_schemas --tenant --executor=oneplan`.

django-tenants' executors run Django's whole migrate command once per schema: each time it builds the migration
graph from the files, replays every migration into a project state, renders all models for the post_migrate
signal and introspects the schema's tables; measured (bench/migrate_schemas.py), that is nearly all of a schema's
time when one small migration is applied. Every organization's schema has the same migrations, so this executor
builds the graph once, reads each schema's applied migrations (one query), skips a schema with nothing to apply,
and applies the plan to the others from a project state built once per set of applied migrations. The
post_migrate signal is not sent per schema: what it creates (content types, permissions) lives in the public
schema, which `migrate_schemas --shared` migrates first. Each migration is applied in its own transaction, as the
migrate command does; a failure stops the run at that schema, and a re-run continues from there.

Takes the same arguments as the migrate command for a target: none (everything), `app_label` (its latest) or
`app_label migration_name` (`zero` to unapply the app).
"""

from __future__ import annotations

import sys

from django.db import connections
from django.db.migrations.executor import MigrationExecutor as DjangoMigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors.base import MigrationExecutor, run_migrations


class OnePlanExecutor(MigrationExecutor):
    codename = "oneplan"

    def run_migrations(self, tenants=None):
        tenants = list(tenants or [])
        if self.PUBLIC_SCHEMA_NAME in tenants:  # the public schema the usual way, post_migrate and all
            run_migrations(self.args, self.options, "standard", self.PUBLIC_SCHEMA_NAME)
            tenants.remove(self.PUBLIC_SCHEMA_NAME)
        if not tenants:
            return
        connection = connections[self.options.get("database") or self.TENANT_DB_ALIAS]
        connection.set_schema(tenants[0])
        executor = DjangoMigrationExecutor(connection)
        targets = self._targets(executor)
        verbose = int(self.options.get("verbosity", 1)) >= 1
        states: dict[frozenset, object] = {}
        applied_to = 0
        for index, schema in enumerate(tenants):
            if verbose:
                sys.stdout.write(f"[{index + 1}/{len(tenants)} oneplan:{schema}] === Starting migration\n")
                sys.stdout.flush()
            recorder = MigrationRecorder(connection)
            # Whether the schema has its django_migrations, asked by name: the recorder's own check lists every
            # table the search path sees, a scan of the catalog, which holds every schema's tables.
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass(%s)", [f'"{schema}".{recorder.Migration._meta.db_table}'])
                recorder._has_table = cursor.fetchone()[0] is not None
            if not recorder._has_table:
                connection.set_schema(schema, include_public=False)
                recorder.ensure_schema()  # the schema's own django_migrations, never public's
            connection.set_schema(schema)
            executor.recorder = recorder
            executor.loader.applied_migrations = recorder.applied_migrations()
            plan = executor.migration_plan(targets)
            if not plan:
                continue
            applied = frozenset(executor.loader.applied_migrations)
            if applied not in states:
                state = executor._create_project_state(with_applied_migrations=True)
                state.apps  # render the models once: each schema's clone copies them instead of rendering again
                states[applied] = state
            executor.migrate(targets, plan=plan, state=states[applied].clone(), fake=bool(self.options.get("fake")))
            applied_to += 1
        connection.set_schema_to_public()
        if verbose:
            sys.stdout.write(f"oneplan: {len(tenants)} schemas, migrations applied in {applied_to}\n")

    def _targets(self, executor) -> list[tuple[str, str | None]]:
        graph = executor.loader.graph
        if not self.options.get("app_label"):
            return graph.leaf_nodes()
        app_label = self.options["app_label"]
        name = self.options.get("migration_name")
        if name == "zero":
            return [(app_label, None)]
        if name:
            migration = executor.loader.get_migration_by_prefix(app_label, name)
            return [(migration.app_label, migration.name)]
        return [key for key in graph.leaf_nodes() if key[0] == app_label]
