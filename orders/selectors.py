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
        .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer", "cloned_from")
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
    by_purpose = records.values("purpose").annotate(count=Count("id"), average=Avg("seconds")).order_by("purpose")
    recent = records.select_related("order", "source", "agent").order_by("-created_at")[:20]
    return summary, by_purpose, recent


def order_rules_for_account(*, account: Account) -> QuerySet[OrderRule]:
    """The account's order rules in the order they run."""
    return OrderRule.objects.filter(account=account).order_by("position", "id")


def order_rule_get_for_account(*, account: Account, rule_id: int) -> OrderRule:
    """The account's rule `rule_id`; 404 for a missing one and another account's alike."""
    return get_object_or_404(OrderRule.objects.select_related("account"), account=account, pk=rule_id)


# The SKU look-up -----------------------------------------------------------------------------------------------

SKU_LOOKUP_LIMIT = 10
SKU_NAME_MIN = 3  # a name is searched from 3 characters (a trigram): shorter text matches SKU prefixes only


@dataclass
class SkuMatch:
    sku: str
    name: str
    is_active: bool
    available: int | None  # in the given warehouse; None without one

    @property
    def label(self) -> str:
        parts = [self.name or "(no name)"]
        if self.available is not None:
            parts.append(f"{self.available} available")
        if not self.is_active:
            parts.append("inactive")
        return " · ".join(parts)


def sku_lookup(*, account, q: str, warehouse=None, limit: int = SKU_LOOKUP_LIMIT) -> list[SkuMatch]:
    """The account's variants whose SKU starts with `q` or whose name contains it (case-insensitive), active
    first, then by SKU, at most `limit`; with what is available in `warehouse` when one is given. One query:
    a common prefix or word is read in `variant_lookup_order` order up to the limit, a rare prefix through
    `variant_sku_prefix`, a rare name through `variant_name_trgm` (bench/sku_lookup.py)."""
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Upper

    from inventory.models import StockLevel
    from orders.models import Variant

    q = " ".join((q or "").split())[:64]
    if not q:
        return []
    needle = q.upper()
    match = Q(sku_upper__startswith=needle)
    if len(q) >= SKU_NAME_MIN:
        match |= Q(name_upper__contains=needle)
    variants = (
        Variant.objects.filter(account=account)
        .annotate(sku_upper=Upper("sku"), name_upper=Upper("name"))
        .filter(match)
        .order_by("-is_active", "sku")
    )
    if warehouse is not None:
        level = StockLevel.objects.filter(variant=OuterRef("pk"), warehouse=warehouse)
        variants = variants.annotate(
            available=Subquery(level.values(free=F("on_hand") - F("allocated"))[:1], output_field=IntegerField())
        )
    rows = variants.values("sku", "name", "is_active", *(["available"] if warehouse is not None else []))[:limit]
    return [
        SkuMatch(
            sku=row["sku"], name=row["name"], is_active=row["is_active"],
            available=(row["available"] or 0) if warehouse is not None else None,
        )
        for row in rows
    ]


def sku_lookup_warehouse(*, account, value: str):
    """The account's warehouse whose code is `value`, else whose id is; None when neither (or blank)."""
    from accounts.models import Warehouse

    value = (value or "").strip()[:64]
    if not value:
        return None
    found = Warehouse.objects.filter(account=account, code=value).first()
    if found is None and value.isdecimal() and int(value) < 2**31:
        found = Warehouse.objects.filter(account=account, pk=int(value)).first()
    return found
