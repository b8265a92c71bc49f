"""Reads for the PII redaction: which retention applies to which orders, and what is due.

Retention of a sales order: the override of the sales channel it came from (source "sales_channel" and a
sales channel with `pii_retention_days` set); otherwise (API, manual, imported and cloned orders, orders of
channels without an override or whose channel was deleted) the account's `pii_retention_days`; blank keeps the
data. Days count from the order's creation: an order is due once `created_at <= now - days`.

Each rule becomes one or more *groups*: a WHERE clause that is one range of the partial index
`privacy_order_pii_due (account_id, channel_id, created_at) WHERE pii_redacted_at IS NULL AND kind = 'sales'`
(privacy migration 0001), plus its cutoff. The service redacts group by group; a dry run counts the same
groups, so what it shows is what a run would do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from accounts.models import Account
from channels.models import Channel
from orders.models import Customer, Order, OrderEvent

ORDERS = Order._meta.db_table
EVENTS = OrderEvent._meta.db_table
CUSTOMERS = Customer._meta.db_table

# What redaction clears on an order (set to ""), and the postal codes cut to their first part.
CLEARED_FIELDS = [
    "customer_name",
    "customer_email",
    "customer_phone",
    *[f"{prefix}_{part}" for prefix in ("billing", "shipping") for part in ("name", "line1", "line2", "city", "region")],
    "notes",
]
POSTAL_FIELDS = ["billing_postal_code", "shipping_postal_code"]
REDACTED_FIELDS = [*CLEARED_FIELDS, *POSTAL_FIELDS, "pii_redacted_at"]
CUSTOMER_FIELDS = ["name", "email", "phone"]

# The order's own values looked for (and replaced) in event messages and JSON strings, longest-first order
# matters little: each is replaced where it appears. Values under 3 characters are left (too likely to hit
# ordinary words).
SECRET_FIELDS = [
    "notes",
    "customer_email",
    "billing_line1",
    "shipping_line1",
    "billing_line2",
    "shipping_line2",
    "customer_name",
    "billing_name",
    "shipping_name",
    "customer_phone",
    "billing_postal_code",
    "shipping_postal_code",
]
# Keys whose value is personal wherever they appear in an event's JSON (e.g. the clone history's
# {"customer_email": [old, new]}), keys of objects that hold an address or a person, and the keys that are
# personal inside such an object.
PII_KEYS = [
    *CLEARED_FIELDS,
    *POSTAL_FIELDS,
    "email",
    "phone",
    "line1",
    "line2",
    "address_line1",
    "address_line2",
    "street",
]
CONTAINER_KEYS = ["billing", "shipping", "customer", "address", "billing_address", "shipping_address", "contact"]
ADDRESS_KEYS = ["name", "first_name", "last_name", "city", "region", "state", "postal_code", "zip", "company"]


@dataclass(frozen=True)
class RuleGroup:
    """One range of orders under one retention rule."""

    rule: str  # what the activity log and the command show, e.g. "account setting (30 days)"
    days: int
    cutoff: dt.datetime
    where: str  # SQL over the alias `o`, with %(...)s parameters in `params`
    params: dict = field(default_factory=dict)


def _rule_label_account(days: int) -> str:
    return f"account setting ({days} days)"


def _rule_label_channel(channel: dict) -> str:
    return f"channel {channel['name']} ({channel['pii_retention_days']} days)"


def retention_groups(*, account: Account, now: dt.datetime | None = None) -> list[RuleGroup]:
    """The ranges of `account`'s sales orders and the cutoff each is due at, read fresh (a changed retention
    applies at the next run). Orders under a blank retention are in no group."""
    now = now or timezone.now()
    account_days = Account.objects.filter(pk=account.pk).values_list("pii_retention_days", flat=True).first()
    channels = list(Channel.objects.filter(account=account).values("id", "name", "kind", "pii_retention_days"))
    groups: list[RuleGroup] = []
    base = {"account_id": account.pk}

    def add(rule: str, days: int, where: str, **params) -> None:
        groups.append(RuleGroup(rule, days, now - dt.timedelta(days=days), where, {**base, **params}))

    for channel in channels:
        days = channel["pii_retention_days"]
        overrides = channel["kind"] == Channel.Kind.SALES and days is not None
        if overrides:
            add(
                _rule_label_channel(channel), days,
                "o.channel_id = %(channel_id)s AND o.source = 'sales_channel'", channel_id=channel["id"],
            )
        if account_days is not None:
            # Orders of this channel that did not come from it as a sales channel (or of a channel without an
            # override) fall back to the account's retention.
            add(
                _rule_label_account(account_days), account_days,
                "o.channel_id = %(channel_id)s" + (" AND o.source <> 'sales_channel'" if overrides else ""),
                channel_id=channel["id"],
            )
    if account_days is not None:
        add(_rule_label_account(account_days), account_days, "o.channel_id IS NULL")
    return groups


def leftover_profiles_sql(groups: list[RuleGroup]) -> tuple[str, dict]:
    """The account's unredacted customer profiles that no unredacted order keeps (their orders were deleted, or
    redacted while one that was later deleted still held them), created before the longest retention's cutoff:
    (SQL over the alias `c`, params)."""
    cutoff = min(group.cutoff for group in groups)
    where = (
        f"c.account_id = %(account_id)s AND c.redacted_at IS NULL AND c.created_at <= %(profile_cutoff)s "
        f"AND NOT EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.customer_id = c.id AND o.pii_redacted_at IS NULL)"
    )
    return where, {"account_id": groups[0].params["account_id"], "profile_cutoff": cutoff}


def group_due_sql(group: RuleGroup) -> str:
    """The due orders of one group; every condition of the partial index's predicate is spelled out so the
    planner uses it."""
    return (
        f"o.account_id = %(account_id)s AND o.kind = 'sales' AND o.pii_redacted_at IS NULL "
        f"AND ({group.where}) AND o.created_at <= %(cutoff)s"
    )


def _secrets_sql(alias: str) -> str:
    return "ARRAY[" + ", ".join(f"{alias}.{name}" for name in SECRET_FIELDS) + "]::text[]"


def event_scrub_sql(event: str, order: str) -> tuple[str, str]:
    """SQL expressions for an event's new message and data, given the aliases of the event and of its order's
    values *before* redaction. The message is scrubbed with inline replace() calls (no function call per
    row); the JSON only when it is not empty."""
    message = f"{event}.message"
    for name in SECRET_FIELDS:
        message = f"replace({message}, CASE WHEN length({order}.{name}) >= 3 THEN {order}.{name} ELSE '' END, '[redacted]')"
    data = (
        f"CASE WHEN {event}.data = '{{}}'::jsonb OR {event}.data = '[]'::jsonb THEN {event}.data ELSE "
        f"privacy_redact_json({event}.data, "
        f"(SELECT array_agg(s ORDER BY length(s) DESC) FROM unnest({_secrets_sql(order)}) AS s WHERE length(s) >= 3), "
        f"%(pii_keys)s, %(container_keys)s, %(address_keys)s) END"
    )
    return message, data


def json_key_params() -> dict:
    return {"pii_keys": PII_KEYS, "container_keys": CONTAINER_KEYS, "address_keys": ADDRESS_KEYS}


@dataclass
class DueSummary:
    orders: int = 0
    order_events: int = 0
    customers: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def redaction_due(*, account: Account, now: dt.datetime | None = None, details: bool = True) -> DueSummary:
    """What a run at `now` would redact in `account`: orders per rule and, with `details`, the order events
    whose text would change and the customer profiles that no unredacted order would keep visible.
    Reads only; takes no locks."""
    groups = retention_groups(account=account, now=now)
    summary = DueSummary()
    if not groups:
        return summary
    params: dict = json_key_params()
    selects = []
    for index, group in enumerate(groups):
        suffix = f"_{index}"
        where = group_due_sql(group)
        for key in [*group.params, "cutoff"]:
            where = where.replace(f"%({key})s", f"%({key}{suffix})s")
        params.update({f"{k}{suffix}": v for k, v in group.params.items()})
        params[f"cutoff{suffix}"] = group.cutoff
        selects.append(f"SELECT o.*, {index} AS rule_index FROM {ORDERS} o WHERE {where}")
    due = " UNION ALL ".join(selects)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rule_index, count(*) FROM ({due}) d GROUP BY rule_index", params)
        for index, count in cursor.fetchall():
            rule = groups[index].rule
            summary.by_rule[rule] = summary.by_rule.get(rule, 0) + count
            summary.orders += count
        if details and summary.orders:
            message, data = event_scrub_sql("e", "d")
            cursor.execute(
                f"""
                WITH d AS MATERIALIZED ({due})
                SELECT
                    (SELECT count(*) FROM {EVENTS} e JOIN d ON d.id = e.order_id
                      WHERE {message} IS DISTINCT FROM e.message OR {data} IS DISTINCT FROM e.data),
                    (SELECT count(*) FROM {CUSTOMERS} c
                      WHERE c.id IN (SELECT customer_id FROM d WHERE customer_id IS NOT NULL)
                        AND c.redacted_at IS NULL
                        AND NOT EXISTS (SELECT 1 FROM {ORDERS} o2 WHERE o2.customer_id = c.id
                                          AND o2.pii_redacted_at IS NULL AND o2.id NOT IN (SELECT id FROM d)))
                """,
                params,
            )
            summary.order_events, summary.customers = cursor.fetchone()
        if details:
            where, leftover = leftover_profiles_sql(groups)
            cursor.execute(f"SELECT count(*) FROM {CUSTOMERS} c WHERE {where}", leftover)
            summary.customers += cursor.fetchone()[0]
    return summary
