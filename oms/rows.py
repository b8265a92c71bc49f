"""Plain rows written in one statement, and statements sent together, for paths that write thousands of rows a
second (intake).

Django's `bulk_create` prepares every value of every row field by field in Python (about 40 % of a 100-order
batch's time). Here the rows go to PostgreSQL as one JSON text and `json_populate_recordset` turns them into
the table's row type, so Python only builds dictionaries and one `json.dumps`. Values must already be what the
column holds (no field conversion runs): text, numbers, Decimal, dates, booleans, None, and lists or dicts for
JSON columns. Like `bulk_create` on PostgreSQL, it relies on `INSERT … SELECT … RETURNING` giving the ids back in
the order of the rows.

`pipelined` sends statements without waiting for each answer (psycopg's pipeline mode); `send` and
`send_instances` send a read now and read its rows later, so reads that do not depend on each other cost one
round trip together; `ids_send` takes new ids up front, so inserts need no answer either.
"""

from __future__ import annotations

import functools
import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def rows_insert(model, rows: list[dict], *, ids: bool = False) -> list[int]:
    """Insert `rows` (column name -> value; every row has the same columns) into `model`'s table; with `ids`,
    return the new primary keys in the order of the rows."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(column) for column in rows[0])
    sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json)"
    if ids:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, default=_plain, separators=(",", ":"))])
        return [row[0] for row in cursor.fetchall()] if ids else []


def instances_insert(objs: list, ids: list[int] | None = None) -> list:
    """`bulk_create` for unsaved instances of one model with plain fields: the rows go through `rows_insert`,
    the instances get their primary keys: `ids` (taken with `ids_send`; then nothing waits for an answer), else
    the ones the table gives. `auto_now` and `auto_now_add` fields take the time of the insert, as Django's
    `pre_save` gives them on an insert."""
    if not objs:
        return objs
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key or ids is not None]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    now = timezone.now()
    rows = []
    for obj, pk in zip(objs, ids if ids is not None else [None] * len(objs)):
        obj.pk = pk
        for field in stamped:
            setattr(obj, field.attname, now)
        rows.append({field.column: getattr(obj, field.attname) for field in fields})
    given = rows_insert(type(objs[0]), rows, ids=ids is None)
    for obj, pk in zip(objs, ids if ids is not None else given):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def ids_send(model, count: int) -> Sent:
    """`count` new primary keys of `model`'s table taken from its sequence, sent now (rows: one list of ids), so
    rows can be written with their ids without waiting for the insert's answer."""
    if not count:
        return Sent(None, convert=lambda rows: [])
    return Sent(
        "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count], convert=lambda rows: rows[0][0],
    )


@contextmanager
def pipelined():
    """Send the statements run inside without waiting for each answer (psycopg's pipeline mode): they go to
    PostgreSQL together and their answers come back at the next read of a result, or at the end. One round trip
    instead of one per statement; an error in one is raised at that point. Only for code that reads no row
    count (`cursor.rowcount`, `QuerySet.update()`'s return, `Model.save()` of a saved row): in a pipeline it is
    not known yet. Nested use joins the open pipeline."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.pgconn.pipeline_status:
        yield
        return
    with connection.wrap_database_errors, raw.pipeline():
        yield


@contextmanager
def atomic_pipelined():
    """`transaction.atomic()` with its statements in a pipeline that stays open for the COMMIT, so the last
    writes and the COMMIT are one round trip (psycopg's commit waits for every answer and Django rolls back
    if one was an error). The pipeline opens inside the transaction (psycopg cannot start one in pipeline mode)
    and its on-commit callbacks run before the pipeline ends, so they too must read no row count. Inside another
    transaction (a savepoint, whose RELEASE would not wait for the answers before it) the pipeline ends first.
    On an error the pipeline ends, then the transaction rolls back."""
    outermost = not connection.in_atomic_block
    atomic = transaction.atomic()
    atomic.__enter__()
    pipe = pipelined()
    try:
        pipe.__enter__()
    except BaseException:
        atomic.__exit__(*sys.exc_info())
        raise
    try:
        yield
    except BaseException:
        error = sys.exc_info()
        try:
            pipe.__exit__(*error)
        finally:
            atomic.__exit__(*error)
        raise
    first, then = (atomic, pipe) if outermost else (pipe, atomic)
    try:
        first.__exit__(None, None, None)
    except BaseException:
        then.__exit__(*sys.exc_info())
        raise
    then.__exit__(None, None, None)


class Sent:
    """A statement sent now whose rows are read later (`rows()`, once). Outside a pipeline it has run already."""

    def __init__(self, sql: str | None, params=(), convert=None):
        self._cursor = None
        self._convert = convert
        if sql is not None:
            self._cursor = connection.cursor()
            self._cursor.execute(sql, params)

    def rows(self) -> list:
        if self._cursor is None:
            return self._convert([]) if self._convert is not None else []
        try:
            rows = self._cursor.fetchall()
        finally:
            self._cursor.close()
        return self._convert(rows) if self._convert is not None else rows


def send(sql: str, params=()) -> Sent:
    return Sent(sql, params)


@functools.cache
def select_list(model, alias: str) -> str:
    """The concrete columns of `model` as `alias`.column, in field order: what `send_instances` reads."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def send_instances(sql: str, params, *models) -> Sent:
    """Hand-written SQL for paths where building the queryset costs more than running it: `sql` selects
    `select_list` of each of `models` in turn; each row comes back as an instance (a tuple of them, for several
    models), as the ORM would build it."""
    parts = []
    for model in models:
        fields = model._meta.concrete_fields
        parts.append((model, [f.attname for f in fields], [(i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value")]))

    def convert(rows):
        made = []
        for row in rows:
            start, objs = 0, []
            for model, names, converted in parts:
                values = list(row[start:start + len(names)])
                start += len(names)
                for i, field in converted:
                    values[i] = field.from_db_value(values[i], None, connection)
                objs.append(model.from_db(connection.alias, names, values))
            made.append(objs[0] if len(objs) == 1 else tuple(objs))
        return made

    return Sent(sql, params, convert)
