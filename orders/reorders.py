"""Customers due for a re-order: whose usual interval between orders has passed since their last one.

A customer's usual interval is the median of the gaps between their last HISTORY orders (sales orders, not
simulations, not cancelled; at least MIN_ORDERS of them, so at least two gaps). They are due when their last
order plus that interval is now or past. Their usual basket: the SKUs on at least half of those orders, each at
the median quantity it was ordered in. Both are computed set-based in SQL: one statement walks the account's
orders once (a window per customer), a second reads the baskets of the customers shown only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from orders.suggestions import HISTORY, MIN_ORDERS

DUE_LIMIT = 100

_DUE_SQL = """
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
           (array_agg(id ORDER BY rn))[1] AS last_order_id,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - previous_at))
               FILTER (WHERE rn < %(history)s) AS usual_seconds
    FROM ranked
    WHERE rn <= %(history)s
    GROUP BY customer_id
    HAVING count(*) >= %(min_orders)s
)
SELECT h.customer_id, c.name, h.orders, h.last_at, o.number, h.usual_seconds,
       h.last_at + h.usual_seconds * INTERVAL '1 second' AS expected_at
FROM habits AS h
JOIN orders_customer AS c ON c.id = h.customer_id
JOIN orders_order AS o ON o.id = h.last_order_id
WHERE h.last_at + h.usual_seconds * INTERVAL '1 second' <= %(now)s
ORDER BY expected_at, h.customer_id
LIMIT %(limit)s
"""

_BASKET_SQL = """
WITH last AS (
    SELECT o.id, o.customer_id
    FROM unnest(%(customers)s::bigint[]) AS c(id)
    CROSS JOIN LATERAL (
        SELECT id, customer_id FROM orders_order
        WHERE customer_id = c.id AND account_id = %(account)s AND kind = 'sales' AND NOT is_simulation
          AND status <> 'cancelled'
        ORDER BY created_at DESC, id DESC LIMIT %(history)s
    ) AS o
), sizes AS (
    SELECT customer_id, count(*) AS orders FROM last GROUP BY customer_id
)
SELECT l.customer_id, ol.sku, count(DISTINCT ol.order_id) AS orders,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ol.quantity)::numeric) AS usual
FROM last AS l
JOIN orders_orderline AS ol ON ol.order_id = l.id AND ol.account_id = %(account)s
JOIN sizes AS s ON s.customer_id = l.customer_id
GROUP BY l.customer_id, ol.sku, s.orders
HAVING count(DISTINCT ol.order_id) * 2 >= s.orders
ORDER BY l.customer_id, ol.sku
"""


@dataclass
class DueCustomer:
    customer_id: int
    name: str
    orders: int  # of their last HISTORY orders counted
    last_at: dt.datetime
    last_number: str
    usual_days: float
    expected_at: dt.datetime
    basket: list[tuple[str, int]] = field(default_factory=list)  # (SKU, usual quantity)

    @property
    def overdue_days(self) -> int:
        return max(0, (timezone.now() - self.expected_at).days)


def reorders_due(*, account, now: dt.datetime | None = None, limit: int = DUE_LIMIT) -> list[DueCustomer]:
    """The account's customers due for a re-order, the longest overdue first, with their usual basket: two
    queries whatever the number of orders."""
    params = {"account": account.pk, "history": HISTORY, "min_orders": MIN_ORDERS, "now": now or timezone.now(),
              "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(_DUE_SQL, params)
        due = [
            DueCustomer(customer_id=row[0], name=row[1], orders=row[2], last_at=row[3], last_number=row[4],
                        usual_days=float(row[5]) / 86400, expected_at=row[6])
            for row in cursor.fetchall()
        ]
        if not due:
            return []
        cursor.execute(_BASKET_SQL, {"customers": [d.customer_id for d in due], "account": account.pk,
                                     "history": HISTORY})
        baskets: dict[int, list[tuple[str, int]]] = {}
        for customer_id, sku, _orders, usual in cursor.fetchall():
            baskets.setdefault(customer_id, []).append((sku, int(usual)))
    for customer in due:
        customer.basket = baskets.get(customer.customer_id, [])
    return due
