"""Reads of orders. Every selector takes the account; ids from users go through `order_get_for_user`."""

import datetime as dt
import re
from dataclasses import dataclass, replace

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, Prefetch, Q, QuerySet, Value
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.models import Account
from accounts.selectors import account_capabilities
from orders.models import Order, OrderEvent, OrderLine, OrderRule


def order_get_for_user(*, user, account, number: str, capability: str = roles.VIEW) -> Order:
    """The order `number` of `account` if the user may see it. The same 404 for missing and not yours;
    403 when the user sees the account but their role lacks `capability`."""
    from django.http import Http404

    caps = account_capabilities(user=user, account=account)
    if roles.VIEW not in caps:
        raise Http404("No such order.")
    order = (
        Order.objects.filter(account=account, number=number)
        .select_related(
            "account", "warehouse", "shipping_method", "tax_jurisdiction", "customer", "cloned_from", "assigned_to"
        )
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")))
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    if capability not in caps:
        raise PermissionDenied("Your role cannot do this with orders.")
    return order


# The order list ---------------------------------------------------------------------------------------------
#
# Keyset ("seek") pagination on (created_at, id), newest first: a page is "the 50 orders just older than the
# last one shown" (or just newer than the first one, going back), so every page costs the same however deep,
# and there is no COUNT(*) and no OFFSET. The (account, -created_at, -id) index serves the walk.
#
# A search term is tried as an order number (exact: the unique (account, number) index), as part of the
# customer's name or email (icontains: the trigram indexes on UPPER(...), orders 0003) and as a SKU (exact:
# the (account, sku) index of the lines). The SKU branch cannot share a bitmap OR with the others, so each
# branch takes its own newest 51 and the union of the two is ordered again: every branch can use its best index.
# A page is one query; a search adds one (the SKU look-up).
#
# Known limit: a SKU on more than SKU_IDS_MAX lines is searched by walking the newest orders, which is quick
# while it still sells, but reads most of the account's orders when all of its orders are old (a discontinued
# best-seller). Making that case fast needs the order's created_at on its lines, indexed with the SKU.

PAGE_SIZE = 50
SKU_IDS_MAX = 10_000
ORDER_LIST_FIELDS = (
    "id", "account_id", "kind", "number", "status", "source", "channel_id", "customer_name", "customer_email",
    "currency", "total", "is_simulation", "created_at",
)
_NUMBER = re.compile(r"^(?:(SO|PO|SIM)\s*-?\s*)?0*(\d{1,12})$")


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: str = ""
    source: str = ""
    kind: str = ""
    created_from: dt.date | None = None  # inclusive, a day in the account's timezone
    created_to: dt.date | None = None  # inclusive
    simulations: str = ""  # "": leave simulations out (they are no sales); "include": show them too; "only"


@dataclass(frozen=True)
class OrderCursor:
    """A position in the (created_at, id) order, carried in links as '<microseconds since epoch>.<id>'."""

    created_at: dt.datetime
    id: int

    @classmethod
    def of(cls, order: Order) -> "OrderCursor":
        return cls(order.created_at, order.pk)

    def encode(self) -> str:
        delta = self.created_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.id}"

    @classmethod
    def decode(cls, token: str | None) -> "OrderCursor | None":
        """None for anything that is not a cursor (a hand-edited link shows the first page)."""
        micros, _, pk = (token or "").partition(".")
        try:
            created_at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(micros))
            return cls(created_at, int(pk))
        except (ValueError, OverflowError):
            return None


@dataclass
class OrderPage:
    orders: list[Order]
    newer: OrderCursor | None  # link to the page before (newer orders), None on the first page
    older: OrderCursor | None  # link to the page after (older orders), None on the last page


def _number_candidates(q: str) -> set[str]:
    """What an order number typed as 'SO-0000042', 'so-42', 'SIM-7' or '42' may be."""
    candidates = {q.upper()}
    match = _NUMBER.match(q.upper())
    if match:
        prefix, digits = match.groups()
        prefixes = [prefix] if prefix else ["SO", "PO", "SIM"]
        candidates |= {f"{p}-{int(digits):07d}" for p in prefixes}
    return candidates


def _is_simulation_number(q: str) -> bool:
    match = _NUMBER.match(q.strip().upper())
    return bool(match) and match.group(1) == "SIM"


def _pk_in(ids: list[int]) -> Func:
    """`id = ANY('{1,2,…}'::bigint[])`: many ids as one text parameter, cheaper to build and send than an IN
    list or an array adapted element by element."""
    array = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return Func(
        F("pk"),
        Value(array, output_field=CharField()),
        template="%(expressions)s::bigint[])",
        arg_joiner=" = ANY(",
        output_field=BooleanField(),
    )


def _search_branches(*, account: Account, base: QuerySet[Order], q: str) -> list[QuerySet[Order]]:
    """The search as querysets whose union is the result, after one query that looks the term up as a SKU."""
    by_text = base.filter(
        Q(number__in=sorted(_number_candidates(q))) | Q(customer_name__icontains=q) | Q(customer_email__icontains=q)
    )
    # The orders holding a SKU are looked up through the (account, sku) index of the lines first and then
    # fetched by id. Left to itself the planner walks the newest orders probing each one's lines, which reads
    # every order when the SKU is rare or unknown (its estimate is the average SKU's).
    skus = sorted({q, q.upper()})
    order_ids = list(
        OrderLine.objects.filter(account=account, sku__in=skus).values_list("order_id", flat=True)[: SKU_IDS_MAX + 1]
    )
    if not order_ids:
        return [by_text]
    if len(order_ids) <= SKU_IDS_MAX:
        return [by_text, base.filter(_pk_in(sorted(set(order_ids))))]
    # A SKU on very many lines: its orders are dense, and walking the newest orders finds a page quickly.
    has_sku = OrderLine.objects.filter(account=account, sku__in=skus, order_id=OuterRef("pk"))
    return [by_text, base.filter(Exists(has_sku))]


def orders_filtered(*, account: Account, filters: OrderFilters) -> QuerySet[Order]:
    """The account's orders matching the filters (not the search term), unordered. Simulations only when
    asked for: they are kept for the record, not counted, listed or exported with the real orders."""
    orders = Order.objects.filter(account=account)
    if filters.simulations == "only":
        orders = orders.filter(is_simulation=True)
    elif filters.simulations != "include":
        orders = orders.filter(is_simulation=False)
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.source:
        orders = orders.filter(source=filters.source)
    if filters.kind:
        orders = orders.filter(kind=filters.kind)
    zone = account.zone
    if filters.created_from:
        orders = orders.filter(created_at__gte=dt.datetime.combine(filters.created_from, dt.time.min, tzinfo=zone))
    if filters.created_to:
        end = dt.datetime.combine(filters.created_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        orders = orders.filter(created_at__lt=end)
    return orders


def _seek(orders: QuerySet[Order], *, after: OrderCursor | None, before: OrderCursor | None) -> QuerySet[Order]:
    """Orders strictly older than `after` or newer than `before`, newest first (oldest first with `before`).
    `created_at <= t` (or >=) is spelled out beside the OR so the index scan starts at the cursor."""
    if after is not None:
        orders = orders.filter(created_at__lte=after.created_at).filter(
            Q(created_at__lt=after.created_at) | Q(id__lt=after.id)
        )
        return orders.order_by("-created_at", "-id")
    if before is not None:
        orders = orders.filter(created_at__gte=before.created_at).filter(
            Q(created_at__gt=before.created_at) | Q(id__gt=before.id)
        )
        return orders.order_by("created_at", "id")
    return orders.order_by("-created_at", "-id")


def _fetch(*, account: Account, filters: OrderFilters, after, before, size: int) -> list[Order]:
    """Up to `size` orders next to the cursor, in seek order, in one query.

    With a search term each branch takes its own first `size` rows and the UNION of those (at most
    `size` × branches rows) is sorted again, so no branch's plan depends on another's or on the row estimates.
    A SIM- number typed in full finds its simulation even while simulations are hidden.
    """
    if not filters.simulations and _is_simulation_number(filters.q):
        filters = replace(filters, simulations="include")
    rows = orders_filtered(account=account, filters=filters).annotate(channel_name=F("channel__name"))
    rows = rows.only(*ORDER_LIST_FIELDS)
    q = filters.q.strip()
    if not q:
        return list(_seek(rows, after=after, before=before)[:size])
    branches = [
        _seek(branch, after=after, before=before)[:size]
        for branch in _search_branches(account=account, base=rows, q=q)
    ]
    if len(branches) == 1:
        return list(branches[0])
    ordering = ("created_at", "id") if before is not None else ("-created_at", "-id")
    return list(branches[0].union(*branches[1:]).order_by(*ordering)[:size])


def order_page(
    *,
    account: Account,
    filters: OrderFilters = OrderFilters(),
    after: OrderCursor | None = None,
    before: OrderCursor | None = None,
    size: int = PAGE_SIZE,
) -> OrderPage:
    """One page of the account's order list, newest first: one query, plus one for a search term (the SKU
    look-up), and the first page's again when paging back reaches the top."""
    if after is not None and before is not None:
        before = None
    rows = _fetch(account=account, filters=filters, after=after, before=before, size=size + 1)
    if before is not None:
        if len(rows) <= size:  # back at the top: show a full first page rather than a short one
            return order_page(account=account, filters=filters, size=size)
        orders = list(reversed(rows[:size]))
        return OrderPage(orders, newer=OrderCursor.of(orders[0]), older=OrderCursor.of(orders[-1]))
    orders = rows[:size]
    more = len(rows) > size
    return OrderPage(
        orders,
        newer=OrderCursor.of(orders[0]) if after is not None and orders else None,
        older=OrderCursor.of(orders[-1]) if more else None,
    )


# The order page ---------------------------------------------------------------------------------------------


def order_events(*, account: Account, order: Order) -> QuerySet[OrderEvent]:
    """The order's history, oldest first, with who did it: one query."""
    return OrderEvent.objects.filter(account=account, order=order).select_related("actor").order_by("created_at", "id")


def order_clones(*, account: Account, order: Order) -> QuerySet[Order]:
    """Orders cloned from `order`, oldest first: one query."""
    return (
        Order.objects.filter(account=account, cloned_from=order)
        .only("id", "account_id", "number", "status", "clone_purpose", "is_simulation", "created_at")
        .order_by("created_at", "id")
    )


def clone_metrics_for(*, account):
    """Clones made on the page: totals (count, average seconds, first-submit and under-30-s counts), the same
    per purpose, and the 20 most recent; a fixed number of queries."""
    from django.db.models import Avg, Count, Q

    from orders.models import CloneRecord

    records = CloneRecord.objects.filter(account=account, door="page")
    summary = records.aggregate(
        count=Count("id"),
        average=Avg("seconds"),
        first_time=Count("id", filter=Q(rejected_submits=0)),
        under_30=Count("id", filter=Q(seconds__lt=30)),
    )
    by_purpose = [
        {**row, "label": Order.ClonePurpose(row["purpose"]).label if row["purpose"] in Order.ClonePurpose.values
         else row["purpose"]}
        for row in records.values("purpose").annotate(count=Count("id"), average=Avg("seconds")).order_by("purpose")
    ]
    recent = records.select_related("order", "source", "agent").order_by("-created_at")[:20]
    return summary, by_purpose, recent


def order_rules_for_account(*, account: Account) -> QuerySet[OrderRule]:
    """The account's order rules in the order they run."""
    return OrderRule.objects.filter(account=account).order_by("position", "id")


def order_rule_get_for_account(*, account: Account, rule_id: int) -> OrderRule:
    """The account's rule `rule_id`; 404 for a missing one and another account's alike."""
    return get_object_or_404(OrderRule.objects.select_related("account"), account=account, pk=rule_id)


# Acting on orders -------------------------------------------------------------------------------------------


def order_held_from(*, order: Order) -> str:
    """The status an order on hold had before its latest hold (an order created on hold: allocated when it has a
    warehouse, as `orders_insert` allocates it)."""
    before = (
        OrderEvent.objects.filter(account_id=order.account_id, order=order, data__status__1=Order.Status.ON_HOLD)
        .order_by("-created_at", "-id")
        .values_list("data__status__0", flat=True)
        .first()
    )
    if before:
        return before
    return Order.Status.ALLOCATED if order.warehouse_id else Order.Status.OPEN


def order_holds_stock(*, order: Order) -> bool:
    """Whether the order has stock allocated in its warehouse (an order put on hold keeps what it had)."""
    if order.is_simulation or not order.warehouse_id or order.kind != Order.Kind.SALES:
        return False
    if order.status == Order.Status.ALLOCATED:
        return True
    return order.status == Order.Status.ON_HOLD and order_held_from(order=order) == Order.Status.ALLOCATED


def order_units_allocated(*, order: Order) -> int:
    """Units the order still has allocated (ordered, less shipped), 0 when it holds no stock: one query."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    if not order_holds_stock(order=order):
        return 0
    left = (
        OrderLine.objects.filter(account_id=order.account_id, order=order)
        .annotate(left=F("quantity") - Coalesce(Sum("shipment_lines__quantity"), 0))
        .values_list("left", flat=True)
    )
    return sum(max(0, n) for n in left)


def order_ids_matching(*, account: Account, filters: OrderFilters, limit: int) -> list[int]:
    """Ids of the account's orders matching the list's filters and search (what "select all matching" means),
    newest first, at most `limit`."""
    if not filters.simulations and _is_simulation_number(filters.q):
        filters = replace(filters, simulations="include")
    base = orders_filtered(account=account, filters=filters)
    q = filters.q.strip()
    if not q:
        return list(base.order_by("-created_at", "-id").values_list("id", flat=True)[:limit])
    branches = [b.values_list("id", flat=True) for b in _search_branches(account=account, base=base, q=q)]
    ids = branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0]
    return sorted(ids, reverse=True)[:limit]


def order_shipments(*, account: Account, order: Order):
    """The order's shipments with their lines (and each line's SKU): two queries."""
    from orders.models import Shipment, ShipmentLine

    return (
        Shipment.objects.filter(account=account, order=order)
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id")))
        .order_by("shipped_at", "id")
    )


def orders_count_by_ids(*, account: Account, ids: list[int]) -> int:
    """How many of `ids` are orders of the account (ids of other accounts count for nothing)."""
    ids = [pk for pk in ids if 0 < pk < 2**63]
    return Order.objects.filter(account=account, pk__in=ids).count() if ids else 0


def bulk_action_get_for_account(*, account: Account, bulk_id: int):
    """The account's bulk action `bulk_id`, or None (missing and another account's alike)."""
    from orders.models import BulkAction

    if not 0 < bulk_id < 2**63:
        return None
    return BulkAction.objects.filter(account=account, pk=bulk_id).select_related("requested_by").first()


BULK_COUNT_CAP = 10_000


def bulk_bar_options(*, account: Account, filters: OrderFilters, filtered: bool) -> dict:
    """What the order list's bulk bar offers: the account's active warehouses, who can be assigned, and how
    many orders match a filtered list (counted up to BULK_COUNT_CAP): three queries, two unfiltered."""
    from accounts.selectors import account_order_workers, warehouses_for_account

    matching = None
    if filtered:
        matching = len(order_ids_matching(account=account, filters=filters, limit=BULK_COUNT_CAP + 1))
    return {
        "warehouses": list(warehouses_for_account(account=account).filter(is_active=True).order_by("name")),
        "workers": account_order_workers(account=account),
        "matching": matching,
        "cap": BULK_COUNT_CAP,
    }
