"""Customers due for a re-order: whose usual interval between orders has passed since their last one.

The habits (usual interval, expected date) are computed set-based for the whole account by
`orders.services.reorders.reorder_habits_refresh` (the recurring job "Find customers due for a re-order", or
`manage.py reorders_due --refresh`); reading them is one indexed query, the same at 1,000,000 orders. The usual
basket of the customers shown is read live: the SKUs on at least half of their last HISTORY orders, each at the
median quantity it was ordered in (one query for all of them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from orders.models import Order, ReorderHabit
from orders.suggestions import HISTORY

DUE_LIMIT = 100

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


def habits_computed_at(*, account) -> dt.datetime | None:
    """When the account's habits were last computed (None: never)."""
    return ReorderHabit.objects.filter(account=account).order_by("-computed_at").values_list(
        "computed_at", flat=True).first()


def reorders_due(*, account, now: dt.datetime | None = None, limit: int = DUE_LIMIT) -> list[DueCustomer]:
    """The account's customers due for a re-order as last computed, the longest overdue first, with their usual
    basket: two queries whatever the number of orders."""
    # A customer who has ordered since the habits were computed is not due any more.
    ordered_since = Order.objects.filter(
        customer_id=OuterRef("customer_id"), created_at__gt=OuterRef("last_at"), kind=Order.Kind.SALES,
        is_simulation=False,
    ).exclude(status=Order.Status.CANCELLED)
    rows = (
        ReorderHabit.objects.filter(account=account, expected_at__lte=now or timezone.now())
        .exclude(Exists(ordered_since))
        .order_by("expected_at", "customer_id")
        .values_list("customer_id", "customer__name", "orders", "last_at", "last_order__number", "usual_seconds",
                     "expected_at")[:limit]
    )
    due = [
        DueCustomer(customer_id=row[0], name=row[1], orders=row[2], last_at=row[3], last_number=row[4],
                    usual_days=row[5] / 86400, expected_at=row[6])
        for row in rows
    ]
    if not due:
        return []
    baskets: dict[int, list[tuple[str, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_BASKET_SQL, {"customers": [d.customer_id for d in due], "account": account.pk,
                                     "history": HISTORY})
        for customer_id, sku, _orders, usual in cursor.fetchall():
            baskets.setdefault(customer_id, []).append((sku, int(usual)))
    for customer in due:
        customer.basket = baskets.get(customer.customer_id, [])
    return due
