"""Stock bookkeeping: allocate and release available quantity per variant and warehouse.

Allocation locks the stock rows in id order (so two allocations never deadlock), checks every line, then
updates all rows in one statement. The database's `stock_never_oversold` constraint backs the check.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction

from inventory.models import StockLevel
from oms.exceptions import DomainError


class StockShortage(DomainError):
    def __init__(self, shortages: dict[int, tuple[int, int]]):
        self.shortages = shortages  # variant id -> (wanted, available)
        super().__init__("Not enough stock for some lines.", code="insufficient_stock")


def _totals(quantities: Iterable[tuple[int, int]]) -> Counter:
    totals: Counter = Counter()
    for variant_id, quantity in quantities:
        totals[variant_id] += quantity
    return totals


def _apply(*, account, warehouse, totals: Counter, sign: int) -> None:
    if not totals:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE inventory_stocklevel AS s
               SET allocated = s.allocated + %s * v.qty, updated_at = now()
              FROM unnest(%s::bigint[], %s::int[]) AS v(variant_id, qty)
             WHERE s.variant_id = v.variant_id AND s.warehouse_id = %s AND s.account_id = %s
            """,
            [sign, list(totals.keys()), list(totals.values()), warehouse.pk, account.pk],
        )


def stock_allocate(*, account, warehouse, quantities: Iterable[tuple[int, int]]) -> None:
    """Allocate (variant id, quantity) pairs in `warehouse`, all or none. Raises StockShortage."""
    totals = _totals(quantities)
    if not totals:
        return
    with transaction.atomic():
        levels = {
            level.variant_id: level
            for level in StockLevel.objects.select_for_update()
            .filter(account=account, warehouse=warehouse, variant_id__in=list(totals))
            .order_by("id")
            .only("id", "variant_id", "on_hand", "allocated")
        }
        shortages = {}
        for variant_id, wanted in totals.items():
            level = levels.get(variant_id)
            available = level.available if level else 0
            if wanted > available:
                shortages[variant_id] = (wanted, available)
        if shortages:
            raise StockShortage(shortages)
        _apply(account=account, warehouse=warehouse, totals=totals, sign=1)


def stock_release(*, account, warehouse, quantities: Iterable[tuple[int, int]]) -> None:
    """Give back what an order had allocated (e.g. when it is cancelled)."""
    totals = _totals(quantities)
    if not totals:
        return
    with transaction.atomic():
        list(
            StockLevel.objects.select_for_update()
            .filter(account=account, warehouse=warehouse, variant_id__in=list(totals))
            .order_by("id")
            .values_list("id", flat=True)
        )
        _apply(account=account, warehouse=warehouse, totals=totals, sign=-1)
