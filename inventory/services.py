"""Stock bookkeeping: every change to a level is one ledger entry (`StockMovement`) in the same transaction.

Allocation locks the stock rows in id order (so two allocations never deadlock), checks every line, then
updates all rows in one statement. The database's `stock_never_oversold` constraint backs the check.

When the account's "inventory real-time updates" is on, the same transaction writes one outbox row
(`InventoryPush`) per sales channel that sells the variant from that warehouse; after commit a push task is
queued (inventory/push.py). A rolled-back change leaves neither ledger entry nor outbox row.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import InventoryPush, StockLevel, StockMovement
from oms.exceptions import DomainError
from oms.rows import Sent, rows_insert, send

ON_HAND_MAX = 2**31 - 1  # the stock level's integer column


class StockShortage(DomainError):
    def __init__(self, shortages: dict[int, tuple[int, int]]):
        self.shortages = shortages  # variant id -> (wanted, available)
        super().__init__("Not enough stock for some lines.", code="insufficient_stock")


def _actor(by):
    return by if getattr(by, "pk", None) else None


def _totals(quantities: Iterable[tuple]) -> Counter:
    totals: Counter = Counter()
    for variant_id, quantity, *_ in quantities:
        totals[variant_id] += quantity
    return totals


def _per_order(quantities: Iterable[tuple], order) -> Counter:
    """(variant id, order id) -> quantity: a (variant id, quantity, order id) triple names its own order, a pair
    takes `order`'s (or none), so one ledger entry per variant and order."""
    default = getattr(order, "pk", order)
    parts: Counter = Counter()
    for variant_id, quantity, *rest in quantities:
        parts[(variant_id, rest[0] if rest else default)] += quantity
    return parts


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


def _receiving_send(*, account, warehouse_id: int) -> Sent | None:
    """The sales channels that take inventory updates from `warehouse_id` (when the account sends them), sent."""
    if not account.inventory_realtime_updates:
        return None
    from channels.selectors import channels_receiving_inventory_from_send

    return channels_receiving_inventory_from_send(account=account, warehouse_id=warehouse_id)


def inventory_changed(
    *, account, warehouse_id: int, variant_ids: Iterable[int], receiving: Sent | None | bool = True
) -> None:
    """Write outbox rows for every sales channel selling these variants from `warehouse_id`, and queue their
    pushes after commit. Must run inside the transaction that changed the levels. `receiving`: those channels
    already sent for (`_receiving_send`), else they are read here."""
    variant_ids = sorted(set(variant_ids))
    if receiving is True:
        receiving = _receiving_send(account=account, warehouse_id=warehouse_id)
    channel_ids = [row[0] for row in receiving.rows()] if receiving else []
    if not variant_ids or not channel_ids:
        return
    now = timezone.now()
    rows_insert(InventoryPush, [
        {"account_id": account.pk, "channel_id": c, "variant_id": v, "status": InventoryPush.Status.PENDING,
         "created_at": now, "attempts": 0, "last_error": ""}
        for c in channel_ids for v in variant_ids
    ])
    from inventory.push import inventory_push_enqueue

    pairs = [(c, v) for c in channel_ids for v in variant_ids]
    schema = connection.schema_name
    transaction.on_commit(lambda: inventory_push_enqueue(schema=schema, pairs=pairs))


def _record(
    *, account, warehouse, kind: str, rows: list[tuple], by, reason: str, order=None, receiving: Sent | None | bool = True
) -> None:
    """Ledger entries for (variant id, on hand delta, allocated delta[, order id]) rows, then the outbox."""
    default = getattr(order, "pk", order)
    actor = _actor(by)
    common = {
        "account_id": account.pk, "warehouse_id": warehouse.pk, "kind": kind, "actor_id": actor.pk if actor else None,
        "reason": reason[:255], "created_at": timezone.now(),
    }
    rows_insert(StockMovement, [
        {**common, "variant_id": variant_id, "on_hand_delta": on_hand, "allocated_delta": allocated,
         "order_id": rest[0] if rest else default}
        for variant_id, on_hand, allocated, *rest in rows
    ])
    inventory_changed(account=account, warehouse_id=warehouse.pk, variant_ids=[r[0] for r in rows], receiving=receiving)


class StockHold:
    """An allocation in two steps, so its reads go out with others (one round trip in a pipeline): made, it has
    sent the locking read of the stock rows in id order (two allocations never deadlock) and of the channels to
    tell; `check()` reads them and raises StockShortage; `allocate()` writes the levels, the ledger and the
    outbox, and asks for no answer."""

    def __init__(self, *, account, warehouse, quantities: Iterable[tuple]):
        self.account, self.warehouse = account, warehouse
        self.totals = _totals(quantities)
        self._levels = send(  # two columns, not StockLevel instances: this runs in every batch's writer
            f"SELECT variant_id, on_hand - allocated FROM {StockLevel._meta.db_table} WHERE account_id = %s "
            "AND warehouse_id = %s AND variant_id = ANY(%s) ORDER BY id FOR UPDATE",
            [account.pk, warehouse.pk, list(self.totals)],
        ) if self.totals else None
        self._receiving = _receiving_send(account=account, warehouse_id=warehouse.pk) if self.totals else None

    def check(self) -> None:
        if self._levels is None:
            return
        available = dict(self._levels.rows())  # variant id -> StockLevel.available
        shortages = {
            variant_id: (wanted, available.get(variant_id, 0))
            for variant_id, wanted in self.totals.items()
            if wanted > available.get(variant_id, 0)
        }
        if shortages:
            raise StockShortage(shortages)

    def allocate(self, quantities: Iterable[tuple], *, by=None, reason: str = "", order=None) -> None:
        """After `check()`: allocate `quantities` (the same totals), ledger entries naming `order` or, for
        (variant id, quantity, order id) triples, each its own."""
        if not self.totals:
            return
        _apply(account=self.account, warehouse=self.warehouse, totals=self.totals, sign=1)
        _record(
            account=self.account, warehouse=self.warehouse, kind=StockMovement.Kind.ALLOCATION,
            rows=[(v, 0, q, o) for (v, o), q in _per_order(quantities, order).items()], by=by,
            reason=reason or "Order allocation", receiving=self._receiving,
        )


def stock_allocate(
    *, account, warehouse, quantities: Iterable[tuple], by=None, reason: str = "", order=None
) -> None:
    """Allocate (variant id, quantity) pairs in `warehouse`, all or none. Raises StockShortage. The ledger
    entries name `order`, or each (variant id, quantity, order id) triple its own."""
    quantities = list(quantities)
    with transaction.atomic():
        hold = StockHold(account=account, warehouse=warehouse, quantities=quantities)
        hold.check()
        hold.allocate(quantities, by=by, reason=reason, order=order)


def stock_release(
    *, account, warehouse, quantities: Iterable[tuple[int, int]], by=None, reason: str = "", order=None
) -> None:
    """Give back what an order had allocated (e.g. when it is cancelled)."""
    totals = _totals(quantities)
    if not totals:
        return
    with transaction.atomic():
        locked = set(
            StockLevel.objects.select_for_update()
            .filter(account=account, warehouse=warehouse, variant_id__in=list(totals))
            .order_by("id")
            .values_list("variant_id", flat=True)
        )
        totals = Counter({v: q for v, q in totals.items() if v in locked})
        _apply(account=account, warehouse=warehouse, totals=totals, sign=-1)
        _record(
            account=account, warehouse=warehouse, kind=StockMovement.Kind.RELEASE,
            rows=[(v, 0, -q) for v, q in totals.items()], by=by, reason=reason or "Release on cancel", order=order,
        )


def stock_adjust(
    *,
    account,
    warehouse,
    variant,
    delta: int | None = None,
    set_on_hand: int | None = None,
    kind: str = StockMovement.Kind.ADJUSTMENT,
    by,
    reason: str,
) -> StockLevel:
    """Change on hand by `delta`, or set it to `set_on_hand`; one ledger entry with who and why."""
    if (delta is None) == (set_on_hand is None):
        raise DomainError("Give either a change or a new on-hand quantity.", field="delta")
    if not reason.strip():
        raise DomainError("Say why the stock changes.", field="reason")
    if variant.account_id != account.pk or warehouse.account_id != account.pk:
        raise DomainError("That SKU or warehouse belongs to another account.")
    with transaction.atomic():
        level = StockLevel.objects.select_for_update().filter(variant=variant, warehouse=warehouse).first()
        if level is None:
            StockLevel.objects.get_or_create(variant=variant, warehouse=warehouse, defaults={"account": account})
            level = StockLevel.objects.select_for_update().get(variant=variant, warehouse=warehouse)
        change = delta if delta is not None else set_on_hand - level.on_hand
        if level.on_hand + change < level.allocated:
            raise DomainError(
                f"{variant.sku} in {warehouse.code}: on hand cannot go below the {level.allocated} allocated "
                f"(it would be {level.on_hand + change}).",
                field="delta",
                code="below_allocated",
            )
        if level.on_hand + change > ON_HAND_MAX:
            raise DomainError(
                f"{variant.sku} in {warehouse.code}: on hand cannot be more than {ON_HAND_MAX:,}.", field="delta",
            )
        if change == 0:
            return level
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + change)
        level.on_hand += change  # the row is locked: this is its value now
        _record(account=account, warehouse=warehouse, kind=kind, rows=[(variant.pk, change, 0)], by=by, reason=reason)
    return level


def _lock_levels(*, account, warehouse, variant_ids) -> dict[int, StockLevel]:
    return {
        level.variant_id: level
        for level in StockLevel.objects.select_for_update()
        .filter(account=account, warehouse=warehouse, variant_id__in=list(variant_ids))
        .order_by("id")
        .only("id", "variant_id", "on_hand", "allocated")
    }


def _move(*, account, warehouse, totals: Counter, on_hand_sign: int, allocated_sign: int) -> None:
    """Change on hand and allocated of many levels in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE inventory_stocklevel AS s
               SET on_hand = s.on_hand + %s * v.qty, allocated = s.allocated + %s * v.qty, updated_at = now()
              FROM unnest(%s::bigint[], %s::int[]) AS v(variant_id, qty)
             WHERE s.variant_id = v.variant_id AND s.warehouse_id = %s AND s.account_id = %s
            """,
            [on_hand_sign, allocated_sign, list(totals.keys()), list(totals.values()), warehouse.pk, account.pk],
        )


def stock_ship(
    *, account, warehouse, quantities: Iterable[tuple[int, int]], by=None, reason: str = "", order=None
) -> None:
    """Goods leave `warehouse`: on hand and allocated drop together, one SHIPMENT entry per variant.

    Only allocated stock ships (allocate first for an unallocated order); raises DomainError, changing
    nothing, when a variant has less allocated than the quantity.
    """
    totals = _totals(quantities)
    if not totals:
        return
    with transaction.atomic():
        levels = _lock_levels(account=account, warehouse=warehouse, variant_ids=totals)
        short = {v: q for v, q in totals.items() if (levels[v].allocated if v in levels else 0) < q}
        if short:
            from orders.models import Variant

            skus = dict(Variant.objects.filter(pk__in=list(short)).values_list("id", "sku"))
            details = ", ".join(
                f"{skus.get(v, v)} ({q} to ship, {levels[v].allocated if v in levels else 0} allocated)"
                for v, q in short.items()
            )
            raise DomainError(
                f"Not enough allocated stock in {warehouse.code} to ship: {details}.", field="lines", code="not_allocated"
            )
        _move(account=account, warehouse=warehouse, totals=totals, on_hand_sign=-1, allocated_sign=-1)
        _record(
            account=account, warehouse=warehouse, kind=StockMovement.Kind.SHIPMENT,
            rows=[(v, -q, -q) for v, q in totals.items()], by=by, reason=reason or "Shipment", order=order,
        )


def stock_receive(
    *, account, warehouse, quantities: Iterable[tuple[int, int]], by=None, reason: str = "", order=None
) -> None:
    """Goods arrive in `warehouse`: on hand rises, one RECEIPT entry per variant; missing levels are created
    at zero (which needs no ledger entry)."""
    totals = _totals(quantities)
    if not totals:
        return
    with transaction.atomic():
        StockLevel.objects.bulk_create(
            [StockLevel(account=account, warehouse=warehouse, variant_id=v) for v in totals], ignore_conflicts=True
        )
        _lock_levels(account=account, warehouse=warehouse, variant_ids=totals)
        _move(account=account, warehouse=warehouse, totals=totals, on_hand_sign=1, allocated_sign=0)
        _record(
            account=account, warehouse=warehouse, kind=StockMovement.Kind.RECEIPT,
            rows=[(v, q, 0) for v, q in totals.items()], by=by, reason=reason or "Receipt", order=order,
        )


@dataclass
class ImportResult:
    errors: list[str]
    changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


CSV_COLUMNS = ("sku", "warehouse", "on_hand")
REORDER_POINT_MAX = 2**31 - 1


def stock_import_csv(*, account, text: str, by, reason: str = "CSV import") -> ImportResult:
    """Set on hand from CSV rows `sku,warehouse,on_hand` (warehouse = its code), and the reorder point from an
    optional `reorder_point` column (blank leaves it). Every bad row is reported by its line number and
    nothing is imported if any row is bad."""
    from accounts.models import Warehouse
    from orders.models import Variant

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return ImportResult(errors=[f"Line 1: missing column{'s' if len(missing) != 1 else ''} {', '.join(missing)} (need sku,warehouse,on_hand)."])
    rows = []
    for record in reader:
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items() if k}
        rows.append((reader.line_num, record))
    variants = {v.sku: v for v in Variant.objects.filter(account=account, sku__in=[r["sku"] for _, r in rows])}
    warehouses = {w.code.lower(): w for w in Warehouse.objects.filter(account=account)}
    errors, changes, seen = [], [], {}
    for line, record in rows:
        problems = []
        variant = variants.get(record["sku"])
        warehouse = warehouses.get(record["warehouse"].lower())
        if not record["sku"]:
            problems.append("SKU is empty")
        elif variant is None:
            problems.append(f"unknown SKU {record['sku']!r}")
        if warehouse is None:
            problems.append(f"unknown warehouse {record['warehouse']!r}")
        try:
            quantity = int(record["on_hand"])
            if quantity < 0:
                problems.append("on_hand must not be negative")
        except ValueError:
            problems.append(f"on_hand {record['on_hand']!r} is not a whole number")
            quantity = None
        reorder_point = None
        if record.get("reorder_point"):
            try:
                reorder_point = int(record["reorder_point"])
                if not 0 <= reorder_point <= REORDER_POINT_MAX:
                    problems.append(f"reorder_point must be between 0 and {REORDER_POINT_MAX:,}")
            except ValueError:
                problems.append(f"reorder_point {record['reorder_point']!r} is not a whole number")
        if variant and warehouse:
            key = (variant.pk, warehouse.pk)
            if key in seen:
                problems.append(f"same SKU and warehouse as line {seen[key]}")
            seen.setdefault(key, line)
        if problems:
            errors.append(f"Line {line}: {'; '.join(problems)}.")
        else:
            changes.append((line, variant, warehouse, quantity, reorder_point))
    if not rows:
        errors.append("The file has no rows.")
    if errors:
        return ImportResult(errors=errors)
    try:
        with transaction.atomic():
            for line, variant, warehouse, quantity, reorder_point in changes:
                try:
                    level = stock_adjust(
                        account=account, warehouse=warehouse, variant=variant, set_on_hand=quantity,
                        kind=StockMovement.Kind.IMPORT, by=by, reason=reason,
                    )
                except DomainError as exc:
                    errors.append(f"Line {line}: {exc.message}")
                    continue
                if reorder_point is not None and reorder_point != level.reorder_point:
                    StockLevel.objects.filter(pk=level.pk).update(reorder_point=reorder_point)
            if errors:
                raise _Rollback
    except _Rollback:
        return ImportResult(errors=errors)
    return ImportResult(errors=[], changed=len(changes))


class _Rollback(Exception):
    pass


def stock_levels_create(*, account, levels: list[StockLevel], by=None, reason: str = "Opening balance") -> list[StockLevel]:
    """Bulk-create new levels (seeding, benches, imports of a new account) with one opening ledger entry each,
    so they match their ledger. No push: channels get them from the next snapshot or change."""
    with transaction.atomic():
        created = StockLevel.objects.bulk_create(levels)
        StockMovement.objects.bulk_create(
            StockMovement(
                account=account, variant_id=level.variant_id, warehouse_id=level.warehouse_id,
                kind=StockMovement.Kind.OPENING, on_hand_delta=level.on_hand, allocated_delta=level.allocated,
                actor=_actor(by), reason=reason[:255],
            )
            for level in created
        )
    return created
