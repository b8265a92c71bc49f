"""Reads for the API. Every selector takes the account (`request.auth`); numbers and SKUs from the URL or the
body go through these, so another account's order is the same 404 as a missing one.

Lists are keyset pages: the cursor is the last row's position, so every page costs one query however deep.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q

from accounts.models import Account
from api.errors import ApiError
from api.types import cursor_decode, cursor_encode
from inventory.models import StockLevel
from orders.models import Order, OrderLine
from orders.selectors import OrderCursor, OrderFilters, orders_filtered

ORDER_SUMMARY_FIELDS = (
    "id", "account_id", "kind", "number", "status", "source", "external_id", "customer_name", "customer_email",
    "currency", "total", "is_simulation", "created_at", "updated_at",
)


def _for_body(orders):
    """What an order's JSON shows: its warehouse and shipping method joined; its lines, and the number of the
    order it was cloned from (only for clones), read after. Joining the whole source order doubled the cost."""
    return orders.select_related("warehouse", "shipping_method").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position")),
        Prefetch("cloned_from", queryset=Order.objects.only("id", "number")),
    )


def order_get_for_api(*, account: Account, number: str) -> Order:
    """The account's sales order `number` with what its JSON shows (2 queries); 404 for missing and not yours."""
    try:  # get(), not first(): numbers are unique per account, and an ORDER BY over wide rows costs ms
        return _for_body(Order.objects.filter(account=account, kind=Order.Kind.SALES)).get(number=number.strip().upper())
    except Order.DoesNotExist:
        raise ApiError(404, "not_found", f"No sales order {number} in this account.", field="number") from None


def order_get_for_clone(*, account: Account, number: str) -> Order:
    """The source of a clone, with what the clone service reads (lines, variants, warehouse ...)."""
    order = (
        Order.objects.filter(account=account, kind=Order.Kind.SALES, number=number.strip().upper())
        .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant")))
        .first()
    )
    if order is None:
        raise ApiError(404, "not_found", f"No sales order {number} in this account.", field="number")
    return order


def orders_by_id_for_api(*, account: Account, ids: list[int]) -> list[Order]:
    """Orders just written (by intake or a clone), loaded for their JSON in the order of `ids`: 2 queries."""
    found = {o.pk: o for o in _for_body(Order.objects.filter(account=account, pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


@dataclass
class Page:
    items: list
    next: str | None


def _order_cursor(token: str | None) -> OrderCursor | None:
    if not token:
        return None
    cursor = OrderCursor.decode(cursor_decode(token))
    if cursor is None or not 0 < cursor.id < 2**63:
        raise ApiError(422, "invalid_cursor", "This cursor is not one the API gave out.", field="cursor")
    return cursor


def orders_page_for_api(
    *,
    account: Account,
    status: str | None = None,
    created_after: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    external_id: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The account's sales orders (not simulations), newest first, `limit` at a time: one query.

    `q` is an order number (exact) or part of the customer's name or email (the trigram indexes serve it).
    `created_after` is inclusive, `created_before` exclusive.
    """
    after = _order_cursor(cursor)
    orders = orders_filtered(account=account, filters=OrderFilters(status=status or "", kind=Order.Kind.SALES))
    if external_id:
        orders = orders.filter(external_id=external_id)
    if created_after is not None:
        orders = orders.filter(created_at__gte=created_after)
    if created_before is not None:
        orders = orders.filter(created_at__lt=created_before)
    q = (q or "").strip()
    if q:
        orders = orders.filter(Q(number=q.upper()) | Q(customer_name__icontains=q) | Q(customer_email__icontains=q))
    if after is not None:
        orders = orders.filter(created_at__lte=after.created_at).filter(
            Q(created_at__lt=after.created_at) | Q(id__lt=after.id)
        )
    rows = list(orders.only(*ORDER_SUMMARY_FIELDS).order_by("-created_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, cursor_encode(OrderCursor.of(rows[-1]).encode()) if more else None)


def stock_page_for_api(
    *, account: Account, sku: str | None = None, warehouse: str | None = None, cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """The account's stock levels with SKU and warehouse code, in a stable order (the level's id): one query."""
    levels = StockLevel.objects.filter(account=account)
    if sku:
        levels = levels.filter(variant__sku=sku)
    if warehouse:
        levels = levels.filter(warehouse__code__iexact=warehouse)
    if cursor:
        try:
            after = int(cursor_decode(cursor))
            if not 0 < after < 2**63:
                raise ValueError
        except ValueError:
            raise ApiError(422, "invalid_cursor", "This cursor is not one the API gave out.", field="cursor") from None
        levels = levels.filter(id__gt=after)
    rows = list(
        levels.annotate(sku=F("variant__sku"), warehouse_code=F("warehouse__code"))
        .only("id", "on_hand", "allocated", "updated_at")
        .order_by("id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, cursor_encode(str(rows[-1].pk)) if more else None)
