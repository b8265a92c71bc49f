"""Recomputing the customers' ordering habits of an account, set-based, for the re-orders due page.

A customer's usual interval is the median of the gaps between their last HISTORY orders (sales orders, not
simulations, not cancelled; at least MIN_ORDERS of them, so at least two gaps); their next order is expected
that long after their last. One statement walks the account's orders once (a window per customer) and replaces
the account's ReorderHabit rows, in one transaction: readers see the old rows or the new ones, never a mix.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from orders.models import ReorderHabit
from orders.suggestions import HISTORY, MIN_ORDERS

_REFRESH_SQL = """
INSERT INTO orders_reorderhabit
    (account_id, customer_id, last_order_id, orders, last_at, usual_seconds, expected_at, computed_at)
WITH ranked AS (
    SELECT o.id, o.customer_id, o.created_at,
           row_number() OVER w AS rn,
           lead(o.created_at) OVER w AS previous_at
    FROM orders_order AS o
    WHERE o.account_id = %(account)s AND o.kind = 'sales' AND NOT o.is_simulation AND o.status <> 'cancelled'
      AND o.customer_id IS NOT NULL
    WINDOW w AS (PARTITION BY o.customer_id ORDER BY o.created_at DESC, o.id DESC)
), habits AS (
    SELECT customer_id,
           count(*) AS orders,
           max(created_at) AS last_at,
           max(id) FILTER (WHERE rn = 1) AS last_order_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - previous_at))
               FILTER (WHERE rn < %(history)s) AS usual_seconds
    FROM ranked
    WHERE rn <= %(history)s
    GROUP BY customer_id
    HAVING count(*) >= %(min_orders)s
)
SELECT %(account)s, customer_id, last_order_id, orders, last_at, usual_seconds,
       last_at + usual_seconds * INTERVAL '1 second', %(now)s
FROM habits
"""


def reorder_habits_refresh(*, account, now: dt.datetime | None = None) -> int:
    """Recompute every customer habit of `account`; returns how many customers have one (at least three
    orders). Two statements whatever the number of orders."""
    with transaction.atomic(), connection.cursor() as cursor:
        ReorderHabit.objects.filter(account=account).delete()
        cursor.execute(_REFRESH_SQL, {"account": account.pk, "history": HISTORY, "min_orders": MIN_ORDERS,
                                      "now": now or timezone.now()})
        return cursor.rowcount


def reorder_habits_refresh_all(*, now: dt.datetime | None = None) -> int:
    """Recompute the habits of every active account of the current organization (the beat's daily tick);
    returns how many customers have one."""
    from accounts.models import Account

    return sum(
        reorder_habits_refresh(account=account, now=now) for account in Account.objects.filter(is_active=True)
    )
