from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from inventory.models import StockLevel


def stock_available(*, account, warehouse, variant_ids) -> dict[int, int]:
    """Available quantity per variant id in `warehouse` (0 where there is no stock row), in one query."""
    found = dict(
        StockLevel.objects.filter(account=account, warehouse=warehouse, variant_id__in=list(variant_ids))
        .annotate(free=F("on_hand") - F("allocated"))
        .values_list("variant_id", "free")
    )
    return {variant_id: found.get(variant_id, 0) for variant_id in variant_ids}


def stock_available_for_channel(*, channel, variant_ids) -> dict[int, int]:
    """Available per variant summed over the channel's mapped warehouses only (0 where none), in one query."""
    from django.db.models import Sum

    found = dict(
        StockLevel.objects.filter(
            account_id=channel.account_id, variant_id__in=list(variant_ids), warehouse__channels=channel
        )
        .values("variant_id")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
        .values_list("variant_id", "free")
    )
    return {variant_id: max(0, found.get(variant_id) or 0) for variant_id in variant_ids}


def inventory_dead_letters(*, account, limit: int = 100):
    from inventory.models import InventoryPush

    return (
        InventoryPush.objects.filter(account=account, status=InventoryPush.Status.DEAD)
        .select_related("channel", "variant")
        .order_by("-created_at")[:limit]
    )


def stock_ledger_drift(*, account=None) -> list[dict]:
    """Levels whose on hand or allocated differ from their ledger sums (missing levels or entries too)."""
    from django.db import connection

    where, params = ("WHERE COALESCE(l.account_id, m.account_id) = %s", [account.pk]) if account else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(l.account_id, m.account_id), COALESCE(l.variant_id, m.variant_id),
                   COALESCE(l.warehouse_id, m.warehouse_id),
                   COALESCE(l.on_hand, 0), COALESCE(m.on_hand, 0), COALESCE(l.allocated, 0), COALESCE(m.allocated, 0)
              FROM inventory_stocklevel l
              FULL OUTER JOIN (
                   SELECT account_id, variant_id, warehouse_id,
                          SUM(on_hand_delta) AS on_hand, SUM(allocated_delta) AS allocated
                     FROM inventory_stockmovement GROUP BY account_id, variant_id, warehouse_id
              ) m ON m.variant_id = l.variant_id AND m.warehouse_id = l.warehouse_id
             {where}
            """,
            params,
        )
        rows = cursor.fetchall()
    return [
        {"account_id": a, "variant_id": v, "warehouse_id": w, "on_hand": oh, "ledger_on_hand": loh,
         "allocated": al, "ledger_allocated": lal}
        for a, v, w, oh, loh, al, lal in rows
        if oh != loh or al != lal
    ]


def variant_get_for_account(*, account, sku: str):
    """The variant with this SKU in `account`; the same 404 for a SKU that does not exist and another account's."""
    from django.http import Http404

    from orders.models import Variant

    variant = Variant.objects.filter(account=account, sku=sku).first()
    if variant is None:
        raise Http404("No such SKU.")
    return variant


def _waiting_skus(channel_ref):
    from django.db.models import Count

    from inventory.models import InventoryPush

    return (
        InventoryPush.objects.filter(channel=channel_ref, status=InventoryPush.Status.PENDING)
        .order_by()
        .values("channel")
        .annotate(skus=Count("variant", distinct=True))
        .values_list("skus", flat=True)
    )


def channels_with_push_state(channels):
    """`channels` with their push circuit and `push_waiting` (SKUs whose stock change has not reached the
    channel yet), in the same query."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    return channels.select_related("push_circuit").annotate(
        push_waiting=Coalesce(Subquery(_waiting_skus(OuterRef("pk"))), 0)
    )


def push_state_for_channel(*, channel) -> dict:
    """The channel's push circuit (None before its first failure) and how many SKUs wait to be sent to it."""
    from inventory.models import InventoryPush, PushCircuit

    return {
        "circuit": PushCircuit.objects.filter(channel=channel).first(),
        "waiting": InventoryPush.objects.filter(channel=channel, status=InventoryPush.Status.PENDING)
        .values("variant").distinct().count(),
    }


# The inventory pages ----------------------------------------------------------------------------------------
#
# Keyset ("seek") pages, so every level is reachable and a page costs the same however deep. Levels go by
# (SKU, warehouse code, id); the variants' (account, sku) index leads the walk. A cursor is the id of the row
# a page ends at, looked up within the account (anything else shows the first page).

LEVEL_PAGE_SIZE = 50


@dataclass(frozen=True)
class StockFilters:
    q: str = ""
    warehouse_id: int | None = None
    stock: str = ""  # "": all; "low": available at or below the level's reorder point; "out": available <= 0


@dataclass
class KeysetPage:
    rows: list
    count: int
    newer: int | None  # cursor of the page before, None on the first page
    older: int | None  # cursor of the page after, None on the last page


def parse_cursor(token) -> int | None:
    from oms.forms import BIGINT_MAX

    token = (token or "").strip()
    if not token.isdigit() or len(token) > 19 or int(token) > BIGINT_MAX:
        return None
    return int(token)


def _stock_condition(stock: str) -> Q | None:
    if stock == "low":
        return Q(free__lte=F("reorder_point"))
    if stock == "out":
        return Q(free__lte=0)
    return None


def stock_levels_filtered(*, account, filters: StockFilters = StockFilters(), ordered: bool = True) -> QuerySet:
    """The account's levels matching `filters`, with `free` (available), unordered. `ordered` names the
    variant's account too, so the planner walks the variants' (account, sku) index in page order (a count
    does better without that join)."""
    levels = StockLevel.objects.filter(account=account).annotate(free=F("on_hand") - F("allocated"))
    if ordered:
        levels = levels.filter(variant__account=account)
    if filters.q:
        levels = levels.filter(Q(variant__sku__icontains=filters.q) | Q(variant__name__icontains=filters.q))
    if filters.warehouse_id:
        levels = levels.filter(warehouse_id=filters.warehouse_id)
    condition = _stock_condition(filters.stock)
    if condition is not None:
        levels = levels.filter(condition)
    return levels


def _pages(rows: list, *, size: int, count: int, after, before, key) -> KeysetPage:
    if before is not None:
        rows = list(reversed(rows))
        more_before = len(rows) > size
        rows = rows[-size:] if more_before else rows
        return KeysetPage(rows, count, newer=key(rows[0]) if more_before and rows else None,
                          older=key(rows[-1]) if rows else None)
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, count, newer=key(rows[0]) if after is not None and rows else None,
                      older=key(rows[-1]) if more else None)


def _level_seek(rows: QuerySet, key: tuple, *, forward: bool) -> QuerySet:
    """`rows` past the level keyed (sku, warehouse code, id): after it in page order when `forward`, else
    before it, nearest first. The plain SKU bound lets the (account, sku) index start at the cursor."""
    sku, code, pk = key
    past, reach, sign = ("gt", "gte", "") if forward else ("lt", "lte", "-")
    return rows.filter(**{f"variant__sku__{reach}": sku}).filter(
        Q(**{f"variant__sku__{past}": sku}) | Q(variant__sku=sku, **{f"warehouse__code__{past}": code})
        | Q(variant__sku=sku, warehouse__code=code, **{f"id__{past}": pk})
    ).order_by(f"{sign}variant__sku", f"{sign}warehouse__code", f"{sign}id")


def stock_level_page(
    *, account, filters: StockFilters = StockFilters(), after: int | None = None, before: int | None = None,
    size: int = LEVEL_PAGE_SIZE,
) -> KeysetPage:
    """One page of levels by SKU, warehouse and id, with the number of matching levels: three queries."""
    levels = stock_levels_filtered(account=account, filters=filters)
    count = stock_levels_filtered(account=account, filters=filters, ordered=False).count()
    cursor_id = after if after is not None else before
    key = None
    if cursor_id is not None:
        key = (
            StockLevel.objects.filter(account=account, pk=cursor_id)
            .values_list("variant__sku", "warehouse__code", "id").first()
        )
    if key is None:
        after = before = None
    rows = levels.select_related("variant", "warehouse")
    if after is not None or before is not None:
        rows = _level_seek(rows, key, forward=after is not None)
    else:
        rows = rows.order_by("variant__sku", "warehouse__code", "id")
    found = list(rows[: size + 1])
    if before is not None and len(found) <= size:  # back at the top: a full first page
        return stock_level_page(account=account, filters=filters, size=size)
    return _pages(found, size=size, count=count, after=after, before=before, key=lambda level: level.pk)


def stock_levels_export(*, account, filters: StockFilters = StockFilters()):
    """Every level matching `filters` as (sku, name, warehouse code, on hand, allocated, available, reorder
    point), in page order, read in chunks through a server-side cursor."""
    return (
        stock_levels_filtered(account=account, filters=filters)
        .order_by("variant__sku", "warehouse__code", "id")
        .values_list("variant__sku", "variant__name", "warehouse__code", "on_hand", "allocated", "free",
                     "reorder_point")
        .iterator(chunk_size=2000)
    )


def warehouses_active(*, account) -> list:
    from accounts.models import Warehouse

    return list(Warehouse.objects.filter(account=account, is_active=True).order_by("code"))


# By SKU: one row per SKU holding stock (in the chosen warehouse), a column per active warehouse. -------------


def _variants_filtered(*, account, filters: StockFilters) -> QuerySet:
    from orders.models import Variant

    levels = stock_levels_filtered(
        account=account, filters=StockFilters(warehouse_id=filters.warehouse_id, stock=filters.stock), ordered=False
    )
    variants = Variant.objects.filter(account=account).filter(Exists(levels.filter(variant=OuterRef("pk"))))
    if filters.q:
        variants = variants.filter(Q(sku__icontains=filters.q) | Q(name__icontains=filters.q))
    return variants


@dataclass
class SkuRow:
    variant: object
    cells: list  # one StockLevel (or None) per column warehouse


def stock_sku_page(
    *, account, warehouses: list, filters: StockFilters = StockFilters(), after: int | None = None,
    before: int | None = None, size: int = LEVEL_PAGE_SIZE,
) -> KeysetPage:
    """One page of SKUs (by SKU) with their level in each of `warehouses`, and the number of matching SKUs:
    four queries."""
    variants = _variants_filtered(account=account, filters=filters)
    count = stock_levels_filtered(account=account, filters=filters, ordered=False).values("variant_id").distinct().count()
    cursor_id = after if after is not None else before
    sku = None
    if cursor_id is not None:
        sku = variants.model.objects.filter(account=account, pk=cursor_id).values_list("sku", flat=True).first()
    if sku is None:
        after = before = None
    if after is not None:
        rows = variants.filter(sku__gt=sku).order_by("sku")
    elif before is not None:
        rows = variants.filter(sku__lt=sku).order_by("-sku")
    else:
        rows = variants.order_by("sku")
    found = list(rows.only("id", "sku", "name")[: size + 1])
    if before is not None and len(found) <= size:
        return stock_sku_page(account=account, warehouses=warehouses, filters=filters, size=size)
    page = _pages(found, size=size, count=count, after=after, before=before, key=lambda variant: variant.pk)
    columns = [w.pk for w in warehouses]
    levels = {
        (level.variant_id, level.warehouse_id): level
        for level in StockLevel.objects.filter(
            account=account, variant_id__in=[v.pk for v in page.rows], warehouse_id__in=columns
        ).annotate(free=F("on_hand") - F("allocated"))
    }
    page.rows = [SkuRow(v, [levels.get((v.pk, w)) for w in columns]) for v in page.rows]
    return page


# The ledger of one SKU: newest first, each entry with the running balance of its warehouse after it. --------
#
# A page is the next 50 entries by id (the order they were applied in: each was written under the level's row
# lock). The balance after an entry is its level now minus the entries applied since in the same warehouse: a
# window sum over the entries from the page's oldest onwards, so it is right on every page and a page costs
# what lies above it, not the SKU's whole history. (Levels equal their ledger: `inventory_check`.) The CSV
# export sums the other way, from the first entry, in one pass.

LEDGER_PAGE_SIZE = 50

_LEDGER_PAGE_SQL = """
WITH page AS (
    SELECT m.id, m.warehouse_id FROM inventory_stockmovement m
     WHERE m.account_id = %s AND m.variant_id = %s {warehouse} {seek}
     ORDER BY m.id {direction} LIMIT %s
), since AS (
    SELECT m.id, m.warehouse_id,
           SUM(m.on_hand_delta) OVER later AS on_hand_later, SUM(m.allocated_delta) OVER later AS allocated_later
      FROM inventory_stockmovement m
     WHERE m.account_id = %s AND m.variant_id = %s
       AND m.warehouse_id IN (SELECT warehouse_id FROM page) AND m.id >= (SELECT min(id) FROM page)
    WINDOW later AS (PARTITION BY m.warehouse_id ORDER BY m.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT s.id, COALESCE(l.on_hand, 0) - COALESCE(s.on_hand_later, 0),
       COALESCE(l.allocated, 0) - COALESCE(s.allocated_later, 0)
  FROM since s JOIN page p ON p.id = s.id
  LEFT JOIN inventory_stocklevel l ON l.variant_id = %s AND l.warehouse_id = s.warehouse_id
 ORDER BY s.id {direction}
"""

_LEDGER_ALL_SQL = """
SELECT m.id, m.created_at, w.code, m.kind, m.on_hand_delta, m.allocated_delta,
       SUM(m.on_hand_delta) OVER running, SUM(m.allocated_delta) OVER running, o.number, u.email, m.reason
  FROM inventory_stockmovement m
  JOIN accounts_warehouse w ON w.id = m.warehouse_id
  LEFT JOIN orders_order o ON o.id = m.order_id
  LEFT JOIN tenancy_user u ON u.id = m.actor_id
 WHERE m.account_id = %s AND m.variant_id = %s {warehouse}
WINDOW running AS (PARTITION BY m.warehouse_id ORDER BY m.id)
 ORDER BY m.id DESC
"""


def stock_ledger_page(
    *, account, variant, warehouse_id: int | None = None, after: int | None = None, before: int | None = None,
    size: int = LEDGER_PAGE_SIZE,
) -> KeysetPage:
    """One page of the SKU's ledger (newest first) with `on_hand_after` and `allocated_after` on each entry,
    its warehouse, actor and order: two queries (count is the number of entries on the page)."""
    from django.db import connection

    from inventory.models import StockMovement

    if after is not None and before is not None:
        before = None
    params: list = [account.pk, variant.pk]
    warehouse = ""
    if warehouse_id:
        warehouse = "AND m.warehouse_id = %s"
        params.append(warehouse_id)
    seek, direction = "", "DESC"
    if after is not None:
        seek = "AND m.id < %s"
        params.append(after)
    elif before is not None:
        seek, direction = "AND m.id > %s", "ASC"
        params.append(before)
    params += [size + 1, account.pk, variant.pk, variant.pk]
    with connection.cursor() as cursor:
        cursor.execute(_LEDGER_PAGE_SQL.format(warehouse=warehouse, seek=seek, direction=direction), params)
        balances = {pk: (on_hand, allocated) for pk, on_hand, allocated in cursor.fetchall()}
    if before is not None and len(balances) <= size:
        return stock_ledger_page(account=account, variant=variant, warehouse_id=warehouse_id, size=size)
    entries = {
        m.pk: m for m in StockMovement.objects.filter(account=account, pk__in=list(balances))
        .select_related("warehouse", "actor", "order")
    }
    rows = []
    for pk in balances:  # in the SQL's order
        entry = entries[pk]
        entry.on_hand_after, entry.allocated_after = balances[pk]
        rows.append(entry)
    return _pages(rows, size=size, count=len(rows), after=after, before=before, key=lambda entry: entry.pk)


def stock_ledger_export(*, account, variant, warehouse_id: int | None = None):
    """Every ledger entry of the SKU (newest first) as (id, created_at, warehouse code, kind, on hand change,
    allocated change, on hand after, allocated after, order number, actor email, reason), streamed through a
    server-side cursor."""
    from django.db import connection

    params: list = [account.pk, variant.pk]
    warehouse = ""
    if warehouse_id:
        warehouse = "AND m.warehouse_id = %s"
        params.append(warehouse_id)
    with connection.chunked_cursor() as cursor:
        cursor.execute(_LEDGER_ALL_SQL.format(warehouse=warehouse), params)
        while batch := cursor.fetchmany(2000):
            yield from batch
