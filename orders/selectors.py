"""Reads of orders. Every selector takes the account; ids from users go through `order_get_for_user`."""

import base64
import binascii
import datetime as dt
import json
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BooleanField, CharField, F, Func, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.models import Account
from accounts.selectors import account_capabilities
from orders.models import Order, OrderEvent, OrderLine, OrderRule, SavedView


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
# Keyset ("seek") pagination in the chosen sort (SORTS; newest first by default) with the id as tiebreak: a page
# is "the 50 orders just after the last one shown" (or just before the first one, going back), so every page
# costs the same however deep, and there is no OFFSET. An index per sort serves the walk ((account, -created_at,
# -id) for the default). The count stops at COUNT_EXACT_UP_TO + 1 rows.
#
# A search term is tried as an order number (exact: the unique (account, number) index), as part of the
# customer's name or email (icontains: the trigram indexes on UPPER(...), orders 0003) and as a SKU (exact:
# the lines' (account, sku, order_created_at DESC, order DESC) index). The SKU branch cannot share a bitmap OR
# with the others, so each branch takes its own newest 51 and the union is ordered again: every branch can use
# its best index. A page is one query, with or without a search term.
#
# Newest first, the SKU branch walks its lines' index in order (`_SkuBranch`), so a page costs the same for a
# SKU on 50,000 old orders as for a rare one (see bench/clone_order.py). Other sorts look the SKU's order ids
# up first (one more query); past SKU_IDS_MAX lines they are read inside the page's query instead.

PAGE_SIZE = 50
COUNT_EXACT_UP_TO = 1_000  # the list counts its matches exactly up to this many, else says "more than"
EXPORT_CHUNK = 2_000
SKU_IDS_MAX = 10_000
ORDER_LIST_FIELDS = (
    "id", "account_id", "kind", "number", "status", "source", "channel_id", "customer_name", "customer_email",
    "currency", "total", "is_simulation", "created_at", "units", "external_id", "shipping_country", "warehouse_id",
    "subtotal", "discount_total", "shipping_total", "tax_total",
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
class Sort:
    """One way to order the list: columns with their direction, the id last as the tiebreak."""

    label: str
    keys: tuple[tuple[str, bool], ...]  # (field, descending)

    def order_by(self, *, reverse: bool = False) -> list[str]:
        return [("-" if desc != reverse else "") + field for field, desc in self.keys]


# The list's sorts by their `sort` parameter. Each is served by an index that starts with the account
# (status: (account, status, -created_at)); "-x" is the exact reverse of "x", so one index serves both.
SORTS = {
    "-created": Sort("Newest first", (("created_at", True), ("id", True))),
    "created": Sort("Oldest first", (("created_at", False), ("id", False))),
    "number": Sort("Number, lowest first", (("number", False), ("id", False))),
    "-number": Sort("Number, highest first", (("number", True), ("id", True))),
    "customer": Sort("Customer, A to Z", (("customer_name", False), ("id", False))),
    "-customer": Sort("Customer, Z to A", (("customer_name", True), ("id", True))),
    "total": Sort("Total, smallest first", (("total", False), ("id", False))),
    "-total": Sort("Total, largest first", (("total", True), ("id", True))),
    "status": Sort("Status, then newest first", (("status", False), ("created_at", True), ("id", True))),
    "-status": Sort("Status (reversed), then oldest first", (("status", True), ("created_at", False), ("id", False))),
    "items": Sort("Items, fewest first", (("units", False), ("id", False))),
    "-items": Sort("Items, most first", (("units", True), ("id", True))),
}
DEFAULT_SORT = "-created"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _encode_value(value) -> str:
    if isinstance(value, dt.datetime):
        delta = value - _EPOCH
        return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return str(value)


def _decode_value(field: str, text: str):
    if field == "created_at":
        return _EPOCH + dt.timedelta(microseconds=int(text))
    if field in ("id", "units"):
        value = int(text)
        if not 0 <= value < 2**63:
            raise ValueError(text)
        return value
    if field == "total":
        value = Decimal(text)
        if not value.is_finite() or abs(value) >= Decimal(10) ** 12:
            raise ValueError(text)
        return value
    if "\x00" in text or len(text) > 200:
        raise ValueError(text)
    return text


@dataclass(frozen=True)
class OrderCursor:
    """A position in a sort: the values of its columns, the id last. In links: '<microseconds>.<id>' for the
    default sort (newest first), else the values as JSON in URL-safe base64."""

    values: tuple
    sort: str = DEFAULT_SORT

    @property
    def id(self) -> int:
        return self.values[-1]

    @property
    def created_at(self) -> dt.datetime:
        return self.values[0]

    @classmethod
    def of(cls, order: Order, sort: str = DEFAULT_SORT) -> "OrderCursor":
        return cls(tuple(getattr(order, field) for field, _ in SORTS[sort].keys), sort)

    def encode(self) -> str:
        if self.sort == DEFAULT_SORT:
            return f"{_encode_value(self.values[0])}.{self.values[1]}"
        raw = json.dumps([_encode_value(v) for v in self.values], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None, sort: str = DEFAULT_SORT) -> "OrderCursor | None":
        """None for anything that is not a cursor of this sort (a hand-edited link shows the first page)."""
        token = token or ""
        keys = SORTS.get(sort, SORTS[DEFAULT_SORT]).keys
        try:
            if sort == DEFAULT_SORT:
                micros, _, pk = token.partition(".")
                texts = [micros, pk]
            else:
                if len(token) > 1000:
                    return None
                texts = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    return None
            if len(texts) != len(keys):
                return None
            return cls(tuple(_decode_value(field, text) for (field, _), text in zip(keys, texts)), sort)
        except (ValueError, OverflowError, ArithmeticError, UnicodeError, binascii.Error):
            return None


@dataclass
class OrderPage:
    orders: list[Order]
    newer: OrderCursor | None  # link to the page before (newer orders), None on the first page
    older: OrderCursor | None  # link to the page after (older orders), None on the last page
    count: int | None = None  # matching orders, exact up to COUNT_EXACT_UP_TO (more: COUNT_EXACT_UP_TO + 1)


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


@dataclass
class _SkuBranch:
    """The orders holding the search term as a SKU, read per page. Newest first (the default sort), the next
    `size` order ids come from the lines' (account, sku, order_created_at DESC, order DESC) index in order, each
    line joined to its order for the other filters: one index walk that stops at the page, however many lines
    the SKU has, with no query of its own. Other sorts look the SKU's order ids up first (`plain`)."""

    account: Account
    base: QuerySet[Order]
    lookups: dict  # the filters on the order's fields, as `base` applies them
    skus: list[str]
    _plain: list | None = None

    def newest_ids(self, sku: str, *, after=None, before=None, size: int) -> QuerySet:
        """Ids of the next `size` orders holding `sku`, newest first (oldest first going back), one per order."""
        lines = OrderLine.objects.filter(
            account=self.account, sku=sku, **{f"order__{k}": v for k, v in self.lookups.items()}
        )
        cursor = after if after is not None else before
        reverse = after is None and before is not None
        if cursor is not None:
            op = "gt" if reverse else "lt"
            lines = lines.filter(**{f"order_created_at__{op}e": cursor.created_at}).filter(
                Q(**{f"order_created_at__{op}": cursor.created_at})
                | Q(order_created_at=cursor.created_at, **{f"order_id__{op}": cursor.id})
            )
        keys = ("order_created_at", "order_id") if reverse else ("-order_created_at", "-order_id")
        return lines.order_by(*keys).distinct("order_created_at", "order_id").values("order_id")[:size]

    def querysets(self, *, sort: str, after, before, size: int) -> list[QuerySet[Order]]:
        if sort == DEFAULT_SORT:
            return [
                self.base.filter(pk__in=self.newest_ids(sku, after=after, before=before, size=size))
                for sku in self.skus
            ]
        return self.plain()

    def plain(self) -> list[QuerySet[Order]]:
        """The branch as an ordinary queryset (none when no line holds the SKU), after one query."""
        if self._plain is None:
            self._plain = _sku_orders(account=self.account, base=self.base, skus=self.skus)
        return self._plain


def _sku_orders(*, account: Account, base: QuerySet[Order], skus: list[str]) -> list[QuerySet[Order]]:
    # The orders holding a SKU are looked up through the (account, sku) index of the lines first and then
    # fetched by id. Left to itself the planner walks the newest orders probing each one's lines, which reads
    # every order when the SKU is rare or unknown (its estimate is the average SKU's).
    order_ids = list(
        OrderLine.objects.filter(account=account, sku__in=skus).values_list("order_id", flat=True)[: SKU_IDS_MAX + 1]
    )
    if not order_ids:
        return []
    if len(order_ids) <= SKU_IDS_MAX:
        return [base.filter(_pk_in(sorted(set(order_ids))))]
    # A SKU on very many lines: its order ids are read once inside the query (an InitPlan, through the (account,
    # sku) index) and the orders fetched by primary key, so the cost follows the SKU's lines wherever its orders
    # lie. (Walking the newest orders and probing each one's lines read nearly every order for a best-seller
    # that no longer sells; the planner picks that walk for a plain IN or EXISTS.)
    in_lines = RawSQL(
        '"orders_order"."id" = ANY(ARRAY(SELECT "order_id" FROM "orders_orderline" '
        'WHERE "account_id" = %s AND "sku" = ANY(%s)))',
        [account.pk, skus],
        output_field=BooleanField(),
    )
    return [base.filter(in_lines)]


def _search_branches(*, account: Account, base: QuerySet[Order], lookups: dict, q: str) -> list:
    """The search as branches whose union is the result: the number, name and email, and the SKU."""
    by_text = base.filter(
        Q(number__in=sorted(_number_candidates(q))) | Q(customer_name__icontains=q) | Q(customer_email__icontains=q)
    )
    return [by_text, _SkuBranch(account=account, base=base, lookups=lookups, skus=sorted({q, q.upper()}))]


def _querysets(branches: list, *, sort: str, after=None, before=None, size: int = 0) -> list[QuerySet[Order]]:
    out = []
    for branch in branches:
        out += branch.querysets(sort=sort, after=after, before=before, size=size) if isinstance(branch, _SkuBranch) else [branch]
    return out


def _filter_lookups(*, account: Account, filters: OrderFilters) -> dict:
    """The filters (not the search term) as lookups on the order's fields."""
    lookups: dict = {}
    if filters.simulations == "only":
        lookups["is_simulation"] = True
    elif filters.simulations != "include":
        lookups["is_simulation"] = False
    if filters.status:
        lookups["status"] = filters.status
    if filters.source:
        lookups["source"] = filters.source
    if filters.kind:
        lookups["kind"] = filters.kind
    zone = account.zone
    if filters.created_from:
        lookups["created_at__gte"] = dt.datetime.combine(filters.created_from, dt.time.min, tzinfo=zone)
    if filters.created_to:
        lookups["created_at__lt"] = dt.datetime.combine(filters.created_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return lookups


def orders_filtered(*, account: Account, filters: OrderFilters) -> QuerySet[Order]:
    """The account's orders matching the filters (not the search term), unordered. Simulations only when
    asked for: they are kept for the record, not counted, listed or exported with the real orders."""
    return Order.objects.filter(account=account, **_filter_lookups(account=account, filters=filters))


def _seek(orders: QuerySet[Order], *, sort: str, after: OrderCursor | None, before: OrderCursor | None) -> QuerySet[Order]:
    """Orders strictly after `after` (or before `before`, in reverse order) in `sort`. The first column's
    `<=` (or `>=`) is spelled out beside the OR so the index scan starts at the cursor."""
    chosen = SORTS[sort]
    cursor, reverse = (after, False) if after is not None else (before, True)
    if cursor is None:
        return orders.order_by(*chosen.order_by())
    branches = []
    for i, (field, desc) in enumerate(chosen.keys):
        equal = {f: v for (f, _), v in zip(chosen.keys[:i], cursor.values[:i])}
        branches.append(Q(**equal, **{f"{field}__{'lt' if desc != reverse else 'gt'}": cursor.values[i]}))
    first, desc = chosen.keys[0]
    orders = orders.filter(**{f"{first}__{'lte' if desc != reverse else 'gte'}": cursor.values[0]})
    return orders.filter(reduce(operator.or_, branches)).order_by(*chosen.order_by(reverse=reverse))


def _branches(*, account: Account, filters: OrderFilters) -> list:
    """Branches whose union is what the filters and search match (one queryset without a search term)."""
    if not filters.simulations and _is_simulation_number(filters.q):
        filters = replace(filters, simulations="include")
    lookups = _filter_lookups(account=account, filters=filters)
    rows = Order.objects.filter(account=account, **lookups)
    q = filters.q.strip()
    if not q:
        return [rows]
    return _search_branches(account=account, base=rows, lookups=lookups, q=q)


def _listed(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The list's columns (the count leaves them and their joins out)."""
    return orders.annotate(channel_name=F("channel__name"), warehouse_name=F("warehouse__name")).only(
        *ORDER_LIST_FIELDS
    )


def _fetch(*, branches: list, sort: str, after, before, size: int) -> list[Order]:
    """Up to `size` orders next to the cursor, in seek order, in one query.

    With a search term each branch takes its own first `size` rows and the UNION of those (at most
    `size` × branches rows) is sorted again, so no branch's plan depends on another's or on the row estimates.
    A SIM- number typed in full finds its simulation even while simulations are hidden.
    """
    branches = [
        _seek(_listed(branch), sort=sort, after=after, before=before)[:size]
        for branch in _querysets(branches, sort=sort, after=after, before=before, size=size)
    ]
    if len(branches) == 1:
        return list(branches[0])
    ordering = SORTS[sort].order_by(reverse=before is not None)
    return list(branches[0].union(*branches[1:]).order_by(*ordering)[:size])


def order_page(
    *,
    account: Account,
    filters: OrderFilters = OrderFilters(),
    sort: str = DEFAULT_SORT,
    after: OrderCursor | None = None,
    before: OrderCursor | None = None,
    size: int = PAGE_SIZE,
    count: bool = False,
) -> OrderPage:
    """One page of the account's order list in `sort` (newest first by default): one query, plus one for a
    search term (the SKU look-up), one for the count if asked (none when a first page holds every match), and the first page's again when paging back
    reaches the top. A cursor of another sort is ignored (the first page)."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    after = after if after is not None and after.sort == sort else None
    before = before if before is not None and before.sort == sort and after is None else None
    branches = _branches(account=account, filters=filters)
    rows = _fetch(branches=branches, sort=sort, after=after, before=before, size=size + 1)
    if before is not None and len(rows) <= size:  # back at the top: a full first page rather than a short one
        before, rows = None, _fetch(branches=branches, sort=sort, after=None, before=None, size=size + 1)
    total = None
    if count:  # a first page that holds every match is its own count
        total = len(rows) if after is None and before is None and len(rows) <= size else _count(branches)
    if before is not None:
        orders = list(reversed(rows[:size]))
        return OrderPage(orders, OrderCursor.of(orders[0], sort), OrderCursor.of(orders[-1], sort), total)
    orders = rows[:size]
    more = len(rows) > size
    return OrderPage(
        orders,
        newer=OrderCursor.of(orders[0], sort) if after is not None and orders else None,
        older=OrderCursor.of(orders[-1], sort) if more else None,
        count=total,
    )


def _count(branches: list, up_to: int = COUNT_EXACT_UP_TO) -> int:
    """How many orders the branches match, exactly up to `up_to`; one more means "more than that".
    One query that stops after COUNT_EXACT_UP_TO + 1 rows, so it costs the same at a million orders as at ten
    thousand (a full count(*) of a million reads an index of a million entries; see bench/clone_order.py).
    A SKU is counted on its lines' index, whatever the sort."""
    ids = []
    for branch in branches:
        if isinstance(branch, _SkuBranch):
            ids += [branch.newest_ids(sku, size=up_to + 1) for sku in branch.skus]
        else:
            ids.append(branch.order_by().values("pk")[: up_to + 1])
    if len(ids) == 1:
        return ids[0].count()
    # Each branch stops at the limit too; an order matching two branches is counted once. When a branch reaches
    # the limit the answer is "more than" whatever the others hold.
    parts = [qs.query.sql_with_params() for qs in ids]
    sql = " UNION ALL ".join(f"({part})" for part, _ in parts)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT pk) FROM ({sql}) AS matching(pk)", [p for _, ps in parts for p in ps])
        return min(cursor.fetchone()[0], up_to + 1)


def orders_for_export(
    *, account: Account, filters: OrderFilters = OrderFilters(), sort: str = DEFAULT_SORT, chunk: int = EXPORT_CHUNK
) -> Iterator[list[Order]]:
    """Every matching order in `sort`, `chunk` at a time: one keyset query per chunk (as the list's pages), so
    memory stays flat and no query holds a snapshot open for the whole export."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    branches = _branches(account=account, filters=filters)
    after, size = None, min(chunk, PAGE_SIZE)  # a small first chunk: the download starts at once
    while True:
        rows = _fetch(branches=branches, sort=sort, after=after, before=None, size=size)
        if rows:
            yield rows
        if len(rows) < size:
            return
        after, size = OrderCursor.of(rows[-1], sort), chunk


def order_lines_for_export(*, account: Account, order_ids: list[int]) -> dict[int, list[OrderLine]]:
    """The lines of these orders by order id, in position order: one query."""
    lines: dict[int, list[OrderLine]] = {pk: [] for pk in order_ids}
    rows = (
        OrderLine.objects.filter(account=account, order_id__in=order_ids)
        .only("id", "order_id", "position", "sku", "name", "quantity", "unit_price", "line_total")
        .order_by("order_id", "position")
    )
    for line in rows:
        lines[line.order_id].append(line)
    return lines


def saved_views_for(*, account: Account, user) -> QuerySet[SavedView]:
    """The user's own saved views of this account's list, by name; nobody else's."""
    return SavedView.objects.filter(account=account, user=user).order_by("name", "id")


def saved_view_get_for_user(*, account: Account, user, view_id: int) -> SavedView:
    """The user's view `view_id` on this account; the same 404 for a missing one, another user's and another
    account's."""
    return get_object_or_404(SavedView, account=account, user=user, pk=view_id)


def orders_using(*, field: str, value, or_field: str = "") -> int:
    """How many orders (of any account of the organization: ids are unique) reference `value` through the
    foreign key `field` (warehouse, channel, fulfillment_channel, shipping_method, tax_jurisdiction), or
    through `or_field` too: one query."""
    using = Q(**{field: value}) | (Q(**{or_field: value}) if or_field else Q(pk__in=[]))
    return Order.objects.filter(using).count()


def used_by_orders(*, what: str, count: int) -> str:
    """The refusal of a delete: "Warehouse Main is used by 12,345 orders: deactivate it instead."."""
    return f"{what} is used by {count:,} order{'' if count == 1 else 's'}: deactivate it instead."


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
    newest first (with a search term: highest id first), at most `limit`: one query, plus the SKU look-up."""
    querysets = []
    for branch in _branches(account=account, filters=filters):
        querysets += branch.plain() if isinstance(branch, _SkuBranch) else [branch]
    ids = [qs.order_by().values_list("id", flat=True) for qs in querysets]
    if len(ids) == 1:
        return list(querysets[0].order_by("-created_at", "-id").values_list("id", flat=True)[:limit])
    return list(ids[0].union(*ids[1:]).order_by("-id")[:limit])


def order_shipments(*, account: Account, order: Order):
    """The order's shipments with their lines (and each line's SKU): two queries."""
    from orders.models import Shipment, ShipmentLine

    return (
        Shipment.objects.filter(account=account, order=order)
        .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id")))
        .order_by("shipped_at", "id")
    )


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
        matching = _count(_branches(account=account, filters=filters), up_to=BULK_COUNT_CAP)
    return {
        "warehouses": list(warehouses_for_account(account=account).filter(is_active=True).order_by("name")),
        "workers": account_order_workers(account=account),
        "matching": matching,
        "cap": BULK_COUNT_CAP,
    }


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
