"""Redacting personal data once its retention has passed (the rules are in privacy/selectors.py).

How a run works, for one account:

* It takes a PostgreSQL advisory lock for (schema, account), so two runs of the same account (the beat job, a
  "Redact personal data" recurring job, the command) never overlap; the second one reports that and stops.
  It is a session lock: a crashed process's connection closes and the lock goes with it. It blocks no one
  else (users, order writes), only other redactions of the same account.
* For each retention group, batches of up to `BATCH_SIZE` orders (the size adapts so a batch lasts about
  `BATCH_TARGET_SECONDS`), each two statements in their own short transaction:

      WITH picked AS (SELECT ... FROM orders_order o WHERE <due> ORDER BY <the partial index> LIMIT n
                      FOR UPDATE SKIP LOCKED),
           redacted AS (UPDATE orders_order ... WHERE id = ANY(<picked ids>)),  -- clear the personal fields
           scrubbed AS (UPDATE orders_orderevent ... order_id = ANY(...)),      -- copies in the history
           profiles AS (SELECT ... FROM orders_customer ... FOR NO KEY UPDATE SKIP LOCKED)  -- ones to clear
      SELECT counts, locked profile ids;
      UPDATE orders_customer ... WHERE id = ANY(<locked>) AND no unredacted order shows it

  The profiles are cleared by a second statement so that it sees every order committed until their locks
  were taken. Intake locks the profile it attaches an order to (FOR SHARE, intake/services/orders.py): a profile
  being attached is skipped, and an intake that comes after the lock waits, finds the profile redacted and
  makes a new one: a new order never points at a blank profile.

  No Python loop over orders, row locks only on the batch for as long as the batch takes (measured and
  reported: `longest_batch_s`), and an order a user is editing right now is skipped and taken next run.
  A batch shorter than the limit ends the group (what it skipped was locked).
* The ORDER BY is the partial index's own order (privacy 0001): the planner then always walks that index,
  which holds only unredacted orders, oldest first (so, ids growing with time, along the table), instead of a
  foreign key index whose entries for already-redacted orders it would re-read batch after batch. The
  rewrite is not HOT (indexed columns change), so its cost is the indexes a redacted order is written into:
  orders 0006 keeps that to the order list's few (see tests/privacy/test_redaction_cost.py).
* Redacted orders get `pii_redacted_at`; the `WHERE pii_redacted_at IS NULL` makes the run idempotent and
  the partial index forgets them. `updated_at` is not touched: redaction is not an edit of the order.
* What was redacted goes to the account's activity log in one entry (counts per rule).

Redaction is irreversible: it writes over the values, no copy is kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from accounts.models import Account
from accounts.services import activity_log
from accounts.tenancy.fanout import for_each_organization, organizations
from privacy import selectors
from privacy.selectors import (
    CLEARED_FIELDS,
    CUSTOMER_FIELDS,
    CUSTOMERS,
    EVENTS,
    ORDERS,
    POSTAL_FIELDS,
    SECRET_FIELDS,
    RuleGroup,
    event_scrub_sql,
    group_due_sql,
    json_key_params,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 5000  # the most orders in one batch
FIRST_BATCH = 1000
MIN_BATCH = 100
BATCH_TARGET_SECONDS = 0.3  # each batch, and so each row lock, lasts about this long
GIN_PENDING_LIST_KB = 512
ADVISORY_LOCK_CLASS = 7301  # the first key of our advisory locks: "privacy redaction"


def postal_prefix_sql(column: str) -> str:
    """The first part of a postal code, kept for reporting: the part before the first space ("N1 9GU" ->
    "N1", "K1A 0B1" -> "K1A"), or, without a space, its first three characters ("90210" -> "902",
    "12345-6789" -> "123"). Applied twice it gives the same result."""
    value = f"btrim(o.{column})"
    return f"CASE WHEN strpos({value}, ' ') > 0 THEN split_part({value}, ' ', 1) ELSE left({value}, 3) END"


def _batch_sql() -> str:
    """One batch, one statement. The picked ids go through ARRAY(...) = ANY so every step probes an index
    (orders and events by id / order_id, customers by id and their unredacted orders by customer_id) instead
    of joining whole tables."""
    cleared = ", ".join(f"{name} = ''" for name in CLEARED_FIELDS)
    postal = ", ".join(f"{name} = {postal_prefix_sql(name)}" for name in POSTAL_FIELDS)
    message, data = event_scrub_sql("e", "p")
    return f"""
    WITH picked AS MATERIALIZED (
        SELECT o.id, o.customer_id, {", ".join(f"o.{name}" for name in SECRET_FIELDS)}
        FROM {ORDERS} o
        WHERE {{due}}
        ORDER BY o.account_id, o.channel_id, o.created_at
        LIMIT %(limit)s
        FOR UPDATE OF o SKIP LOCKED
    ), ids AS MATERIALIZED (
        SELECT ARRAY(SELECT id FROM picked) AS orders,
               ARRAY(SELECT DISTINCT customer_id FROM picked WHERE customer_id IS NOT NULL) AS customers
    ), redacted AS (
        UPDATE {ORDERS} o SET {cleared}, {postal}, pii_redacted_at = %(now)s
        WHERE o.id = ANY((SELECT orders FROM ids)::bigint[])
        RETURNING o.id
    ), scrubbed AS (
        UPDATE {EVENTS} ev SET message = s.message, data = s.data
        FROM (
            SELECT e.id, {message} AS message, {data} AS data, e.message AS old_message, e.data AS old_data
            FROM {EVENTS} e JOIN picked p ON p.id = e.order_id
            WHERE e.order_id = ANY((SELECT orders FROM ids)::bigint[])
        ) s
        WHERE ev.id = s.id AND (s.message IS DISTINCT FROM s.old_message OR s.data IS DISTINCT FROM s.old_data)
        RETURNING ev.id
    ), profiles AS MATERIALIZED (
        -- The profiles this batch may clear, locked for PROFILES_SQL: every order still showing them is in the
        -- batch (their unredacted orders, as this statement sees them, number exactly their orders in the
        -- batch). One an intake is attaching an order to right now (it holds FOR SHARE) is skipped.
        SELECT c.id FROM {CUSTOMERS} c
        JOIN (SELECT customer_id, count(*) AS n FROM picked WHERE customer_id IS NOT NULL GROUP BY customer_id) pc
          ON pc.customer_id = c.id
        WHERE c.id = ANY((SELECT customers FROM ids)::bigint[])
          AND c.redacted_at IS NULL
          AND (SELECT count(*) FROM {ORDERS} o2 WHERE o2.customer_id = c.id AND o2.pii_redacted_at IS NULL) = pc.n
        ORDER BY c.id
        FOR NO KEY UPDATE OF c SKIP LOCKED
    )
    SELECT (SELECT count(*) FROM redacted), (SELECT count(*) FROM scrubbed),
           ARRAY(SELECT id FROM profiles)
    """


def _profiles_sql() -> str:
    """The locked profiles that no unredacted order shows any more. A statement of its own, run after the locks
    are held, so it sees every order committed until then: an order attached while the batch ran keeps its
    profile (an intake that comes later waits for the lock, then finds the profile redacted and makes a new
    one). It probes only the profiles the batch statement found clearable and locked."""
    customers = ", ".join(f"{name} = ''" for name in CUSTOMER_FIELDS)
    return f"""
    UPDATE {CUSTOMERS} c SET {customers}, redacted_at = %(now)s
    WHERE c.id = ANY(%(profiles)s::bigint[]) AND c.redacted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.customer_id = c.id AND o.pii_redacted_at IS NULL)
    """


BATCH_SQL = _batch_sql()
PROFILES_SQL = _profiles_sql()


@dataclass
class RedactionReport:
    """What one run did (or, dry, would do) in one account."""

    schema: str
    account_id: int
    account_code: str
    account_name: str
    dry_run: bool = False
    orders: int = 0
    order_events: int = 0
    customers: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    longest_batch_s: float = 0.0
    seconds: float = 0.0
    skipped: str = ""  # why nothing was done, if so

    @property
    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        verb = "Would redact" if self.dry_run else "Redacted"
        if not self.orders:
            return f"{verb} nothing: no order is past its retention."
        rules = "; ".join(f"{rule}: {count:,}" for rule, count in sorted(self.by_rule.items()))
        return (
            f"{verb} personal data of {self.orders:,} order{'s' * (self.orders != 1)} ({rules}), "
            f"{self.order_events:,} order event{'s' * (self.order_events != 1)} and "
            f"{self.customers:,} customer profile{'s' * (self.customers != 1)}."
        )

    def as_dict(self) -> dict:
        return {**asdict(self), "summary": self.summary}


class _AccountLock:
    """A session-level advisory lock on (schema, account): one redaction of an account at a time."""

    def __init__(self, account_id: int):
        self.key = f"{connection.schema_name}:{account_id}"
        self.held = False

    def __enter__(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [ADVISORY_LOCK_CLASS, self.key])
            self.held = bool(cursor.fetchone()[0])
        return self.held

    def __exit__(self, *exc) -> None:
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [ADVISORY_LOCK_CLASS, self.key])


def _redact_group(group: RuleGroup, *, now, batch_size: int, report: RedactionReport, progress) -> None:
    """Batches until the group is done. The batch size adapts so each batch (and so each row lock) lasts about
    BATCH_TARGET_SECONDS whatever the machine and the table's indexes cost, up to `batch_size` orders."""
    sql = BATCH_SQL.replace("{due}", group_due_sql(group))
    params = {**group.params, **json_key_params(), "cutoff": group.cutoff, "now": now}
    size = min(batch_size, FIRST_BATCH)
    while True:
        params["limit"] = size
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Small GIN pending lists (the order search's trigram indexes): merged often, never in a long go.
            # No wait for the WAL flush at commit: a batch lost in a server crash is simply redone next run.
            cursor.execute(
                "SELECT set_config('gin_pending_list_limit', %s, true), set_config('synchronous_commit', 'off', true)",
                [str(GIN_PENDING_LIST_KB)],
            )
            cursor.execute(sql, params)
            orders, events, profiles = cursor.fetchone()
            customers = 0
            if profiles:
                cursor.execute(PROFILES_SQL, {"profiles": profiles, "now": now})
                customers = cursor.rowcount
        elapsed = time.perf_counter() - started
        report.batches += 1
        report.longest_batch_s = max(report.longest_batch_s, elapsed)
        report.orders += orders
        report.order_events += events
        report.customers += customers
        if orders:
            report.by_rule[group.rule] = report.by_rule.get(group.rule, 0) + orders
        if progress is not None:
            progress(orders)
        if orders < size:
            return
        scale = min(2.0, BATCH_TARGET_SECONDS / max(elapsed, 0.001))
        size = min(batch_size, max(MIN_BATCH, int(size * scale)))


def _redact_leftover_profiles(groups, *, now) -> int:
    """Profiles no unredacted order keeps, past the longest retention: locked first (skipping those an intake
    is attaching an order to), then cleared by a second statement that sees the orders committed meanwhile."""
    where, params = selectors.leftover_profiles_sql(groups)
    cleared = ", ".join(f"{name} = ''" for name in CUSTOMER_FIELDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ARRAY(SELECT c.id FROM {CUSTOMERS} c WHERE {where} ORDER BY c.id FOR NO KEY UPDATE SKIP LOCKED)",
            params,
        )
        locked = cursor.fetchone()[0]
        if not locked:
            return 0
        cursor.execute(
            f"UPDATE {CUSTOMERS} c SET {cleared}, redacted_at = %(now)s "
            f"WHERE c.id = ANY(%(locked)s::bigint[]) AND {where}",
            {**params, "locked": locked, "now": now},
        )
        return cursor.rowcount


def pii_redact_account(
    *,
    account: Account,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    by=None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> RedactionReport:
    """Redact (or with `dry_run` count) the personal data of `account`'s sales orders past their retention
    at `now`, in batches. `progress(n)` is called after each batch with the orders it redacted (the recurring
    job renews its lease there). Logs what it redacted in the activity log, by `by` (None: the system)."""
    now = now or timezone.now()
    report = RedactionReport(
        schema=connection.schema_name, account_id=account.pk, account_code=account.code,
        account_name=account.name, dry_run=dry_run,
    )
    started = time.perf_counter()
    if dry_run:
        due = selectors.redaction_due(account=account, now=now)
        report.orders, report.order_events, report.customers = due.orders, due.order_events, due.customers
        report.by_rule = due.by_rule
        report.seconds = time.perf_counter() - started
        return report
    with _AccountLock(account.pk) as held:
        if not held:
            report.skipped = f"Another redaction of {account.name} is running; nothing done."
            return report
        groups = selectors.retention_groups(account=account, now=now)
        for group in groups:
            _redact_group(group, now=now, batch_size=batch_size, report=report, progress=progress)
        if groups:
            report.customers += _redact_leftover_profiles(groups, now=now)
    report.seconds = time.perf_counter() - started
    if report.orders or report.customers:
        activity_log(
            account=account,
            by=by,
            action="privacy.redacted",
            summary=report.summary,
            changes={
                "orders": report.orders,
                "order_events": report.order_events,
                "customers": report.customers,
                "by_rule": report.by_rule,
                "as_of": now.isoformat(),
            },
        )
    logger.info("PII redaction %s/%s: %s", report.schema, report.account_code, report.summary)
    return report


def pii_redact_account_by_id(*, account_id: int, now: dt.datetime | None = None) -> RedactionReport | None:
    """The task's entry: the account of the current schema with that id (None if it was deleted since)."""
    account = Account.objects.filter(pk=account_id).first()
    return None if account is None else pii_redact_account(account=account, now=now)


def pii_redact_schema(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    by=None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[RedactionReport]:
    """Every account of the current organization's schema (disabled accounts too: retention is not a
    setting that stops with the account)."""
    if connection.schema_name == get_public_schema_name():
        raise RuntimeError("pii_redact_schema runs inside an organization's schema, not in public.")
    now = now or timezone.now()
    return [
        pii_redact_account(account=account, now=now, dry_run=dry_run, by=by, progress=progress, batch_size=batch_size)
        for account in Account.objects.order_by("pk")
    ]


def organizations_for_redaction(*, slug: str | None = None):
    """Every organization, inactive ones too (retention does not stop with the organization), or the one with
    `slug` (DomainError when there is none)."""
    return organizations(slug=slug, include_inactive=True)


def pii_redaction_enqueue_all() -> dict[str, int]:
    """The beat job's fan-out, run in the public schema: one redaction task per account, queued inside its
    organization (tenant-schemas-celery runs it in that schema), so accounts run in parallel on the workers
    and one failing does not stop the others. Returns {schema: accounts queued}."""
    from privacy.tasks import pii_redact_account_task

    def enqueue(_) -> int:
        account_ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
        for account_id in account_ids:
            pii_redact_account_task.delay(account_id)
        return len(account_ids)

    return for_each_organization(enqueue, label="PII redaction fan-out", include_inactive=True).results
