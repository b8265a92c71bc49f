"""Creating orders: every door (page, clone, command, API, import) ends in `orders_insert`.

`orders_insert` writes any number of orders with a fixed number of queries: numbers, orders, lines, events
and stock allocation are each one bulk statement (allocation: one per warehouse).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.services import StockHold, StockShortage, stock_release
from oms.exceptions import DomainError
from oms.rows import ids_send, instances_insert, rows_insert
from orders.models import ADDRESS_FIELDS, Customer, Order, OrderEvent, OrderLine, ShippingMethod, TaxJurisdiction
from orders.pricing import LineInput, PricedOrder, price_lines
from orders.rules import rules_apply
from orders.services.numbers import order_numbers_send, order_series

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Order.Status.DRAFT: {Order.Status.OPEN, Order.Status.CANCELLED},
    Order.Status.OPEN: {Order.Status.ALLOCATED, Order.Status.ON_HOLD, Order.Status.CANCELLED},
    Order.Status.ALLOCATED: {Order.Status.SHIPPED, Order.Status.ON_HOLD, Order.Status.CANCELLED},
    Order.Status.ON_HOLD: {Order.Status.OPEN, Order.Status.ALLOCATED, Order.Status.CANCELLED},
    Order.Status.SHIPPED: {Order.Status.CLOSED},
    Order.Status.CLOSED: set(),
    Order.Status.CANCELLED: set(),
}
HOLDS_STOCK = {Order.Status.ALLOCATED, Order.Status.ON_HOLD}


@dataclass
class OrderDraft:
    """A complete order before it has a number: what every door turns its input into."""

    account: object
    lines: list[LineInput]
    order_date: dt.date
    kind: str = Order.Kind.SALES
    source: str = Order.Source.MANUAL
    channel: object | None = None
    external_id: str = ""
    customer: Customer | None = None
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    billing: dict[str, str] = field(default_factory=dict)
    shipping: dict[str, str] = field(default_factory=dict)
    discount_codes: list[str] = field(default_factory=list)
    shipping_method: ShippingMethod | None = None
    carrier_code: str = ""
    service_code: str = ""
    tax_jurisdiction: TaxJurisdiction | None = None
    warehouse: object | None = None
    notes: str = ""
    currency: str = "USD"
    is_simulation: bool = False
    cloned_from: Order | None = None
    clone_purpose: str = ""
    price_override_reasons: dict[int, str] = field(default_factory=dict)  # line index -> reason
    event_message: str = "Order created"
    event_data: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # warnings accepted at intake, shown on the order
    assigned_to: object | None = None
    fulfillment_channel: object | None = None
    run_rules: bool = True  # the account's order rules run when its automatic sales-order workflow is on
    promotions: list | None = None  # promotions_on(...) fetched once for many drafts
    created_at: dt.datetime | None = None  # imports and the demo keep the original time
    status: str | None = None  # None: allocated when stock is taken, open otherwise, draft for simulations
    priced: PricedOrder | None = None
    # Shipping charged instead of the method's price (a split's share of the source's, or what a channel
    # charged), and its tax, counted in the order's tax.
    fixed_shipping: Decimal | None = None
    fixed_shipping_tax: Decimal = Decimal(0)
    # Money a channel charged (intake): the order's detail, each line's (by index).
    charged: dict = field(default_factory=dict)
    line_charged: list[dict] = field(default_factory=list)

    def price(self, promotions=None) -> PricedOrder:
        if promotions is not None:
            self.promotions = promotions
        self.priced = price_lines(
            account=self.account,
            lines=self.lines,
            on=self.order_date,
            codes=self.discount_codes,
            shipping_method=self.shipping_method,
            tax_jurisdiction=self.tax_jurisdiction,
            promotions=self.promotions,
            fixed_shipping=self.fixed_shipping,
            fixed_shipping_tax=self.fixed_shipping_tax,
        )
        return self.priced


def _status(draft: OrderDraft) -> str:
    allocates = draft.kind == Order.Kind.SALES and not draft.is_simulation and draft.warehouse is not None
    return draft.status or (
        Order.Status.DRAFT if draft.is_simulation else (Order.Status.ALLOCATED if allocates else Order.Status.OPEN)
    )


def _order_row(draft: OrderDraft, number: str, by, now) -> Order:
    priced = draft.priced
    return Order(
        account=draft.account,
        kind=draft.kind,
        number=number,
        status=_status(draft),
        source=draft.source,
        channel=draft.channel,
        external_id=draft.external_id,
        order_date=draft.order_date,
        customer=draft.customer,
        customer_name=draft.customer_name,
        customer_email=draft.customer_email,
        customer_phone=draft.customer_phone,
        **{f"billing_{k}": draft.billing.get(k, "") for k in ADDRESS_FIELDS},
        **{f"shipping_{k}": draft.shipping.get(k, "") for k in ADDRESS_FIELDS},
        discount_codes=sorted({c.strip().upper() for c in draft.discount_codes if c.strip()}),
        shipping_method=draft.shipping_method,
        carrier_code=draft.carrier_code or (draft.shipping_method.carrier_code if draft.shipping_method else ""),
        service_code=draft.service_code or (draft.shipping_method.service_code if draft.shipping_method else ""),
        tax_jurisdiction=draft.tax_jurisdiction,
        warehouse=draft.warehouse,
        notes=draft.notes,
        tags=draft.tags,
        flags=draft.flags,
        assigned_to=draft.assigned_to,
        fulfillment_channel=draft.fulfillment_channel,
        currency=draft.currency,
        subtotal=priced.subtotal,
        discount_total=priced.discount_total,
        shipping_total=priced.shipping_total,
        tax_total=priced.tax_total,
        total=priced.total,
        units=sum(line.quantity for line in priced.lines),
        charged=draft.charged,
        is_simulation=draft.is_simulation,
        cloned_from=draft.cloned_from,
        clone_purpose=draft.clone_purpose,
        created_by=by if getattr(by, "pk", None) else None,
        created_at=draft.created_at or now,
    )


def orders_insert(*, account, drafts: list[OrderDraft], by, with_lines: bool = False) -> list[Order]:
    """Write priced drafts as orders with lines, events and stock allocation, all or nothing. `with_lines`:
    each order comes back with its lines and their variants (as `order.lines.all()` gives them, not read again).

    Round trips, in a pipeline (api/group_commit.py opens one): the numbers, the new ids and the locked stock
    rows together, then every write at once (with the ids taken, nothing waits for an insert's answer)."""
    if not drafts:
        return []
    now = timezone.now()
    actor = by if getattr(by, "pk", None) else None
    with transaction.atomic():
        ruled = [
            d for d in drafts
            if d.run_rules and d.kind == Order.Kind.SALES and d.source != Order.Source.CLONE
        ]
        if ruled and account.auto_sales_order_workflow:
            rules_apply(account=account, drafts=ruled)
        by_series: dict[str, list[OrderDraft]] = {}
        for draft in drafts:
            if draft.priced is None:
                draft.price()
            by_series.setdefault(order_series(kind=draft.kind, is_simulation=draft.is_simulation), []).append(draft)
        series_numbers = [
            (group, order_numbers_send(account=account, kind=series, count=len(group)))
            for series, group in by_series.items()
        ]
        allocations: dict[int, tuple] = {}  # warehouse id -> (warehouse, [(variant id, quantity, draft index)])
        for index, draft in enumerate(drafts):
            if _status(draft) in HOLDS_STOCK and not draft.is_simulation and draft.warehouse is not None:
                allocations.setdefault(draft.warehouse.pk, (draft.warehouse, []))[1].extend(
                    (p.variant.pk, p.quantity, index) for p in draft.priced.lines
                )
        holds = [
            (StockHold(account=account, warehouse=warehouse, quantities=quantities), quantities)
            for warehouse, quantities in allocations.values()
        ]
        order_ids = ids_send(Order, len(drafts))
        line_ids = ids_send(OrderLine, sum(len(d.priced.lines) for d in drafts) if with_lines else 0)
        numbers: dict[int, str] = {}
        for group, sent in series_numbers:
            numbers.update(zip(map(id, group), sent()))
        for hold, _ in holds:
            hold.check()
        orders = instances_insert([_order_row(d, numbers[id(d)], by, now) for d in drafts], ids=order_ids.rows())
        lines, events = [], []
        actor_id = actor.pk if actor else None
        for order, draft in zip(orders, drafts):
            charged = draft.line_charged
            for position, priced in enumerate(draft.priced.lines, start=1):
                lines.append({
                    "account_id": account.pk, "order_id": order.pk, "order_created_at": order.created_at,
                    "position": position, "variant_id": priced.variant.pk, "sku": priced.variant.sku,
                    "name": priced.variant.name or "", "quantity": priced.quantity, "unit_price": priced.unit_price,
                    "line_discount": priced.line_discount, "tax_amount": priced.tax_amount,
                    "line_total": priced.line_total,
                    "price_override_reason": draft.price_override_reasons.get(position - 1, ""),
                    "charged": charged[position - 1] if position <= len(charged) else {},
                })
            events.append({
                "account_id": account.pk, "order_id": order.pk, "actor_id": actor_id, "kind": "created",
                "message": draft.event_message, "data": draft.event_data, "created_at": draft.created_at or now,
            })
        if with_lines:
            for line, pk in zip(lines, line_ids.rows()):
                line["id"] = pk
        rows_insert(OrderLine, lines)
        rows_insert(OrderEvent, events)
        for hold, quantities in holds:
            hold.allocate([(v, q, orders[i].pk) for v, q, i in quantities], by=by)
        if with_lines:
            _attach_lines(orders, drafts, lines)
    return orders


def _attach_lines(orders: list[Order], drafts: list[OrderDraft], lines: list[dict]) -> None:
    """Give each order its lines as written (with their ids), as `prefetch_related("lines__variant")` would."""
    by_order: dict[int, list[OrderLine]] = {order.pk: [] for order in orders}
    variants = iter(p.variant for draft in drafts for p in draft.priced.lines)  # in the order of `lines`
    for row in lines:
        line = OrderLine(**row)
        line.variant = next(variants)
        by_order[row["order_id"]].append(line)
    for order in orders:
        for line in by_order[order.pk]:
            line._state.adding, line._state.db = False, order._state.db
            line.order = order
        cache = getattr(order, "_prefetched_objects_cache", {})
        cache.pop("lines", None)
        written = order.lines.all()  # not read: its result is set here
        written._result_cache, written._prefetch_done = by_order[order.pk], True
        order._prefetched_objects_cache = {**cache, "lines": written}


def order_transition(
    *, order: Order, to: str, by, message: str = "", kind: str = "status", data: dict | None = None,
    release: bool | None = None,
) -> Order:
    """Move an order to another status if that move is allowed; cancelling gives its stock back (`release`:
    whether it holds stock, when the caller knows better than its status). `kind` and `data` go on the event."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk, account=order.account)
        if to not in ALLOWED_TRANSITIONS.get(order.status, set()):
            raise DomainError(
                f"Order {order.number} is {order.get_status_display().lower()}: it cannot become "
                f"{Order.Status(to).label.lower()}.",
                field="status",
                code="invalid_transition",
            )
        holds = order.status in HOLDS_STOCK if release is None else release
        if holds and to == Order.Status.CANCELLED and order.warehouse_id and not order.is_simulation:
            # What was shipped already left with its allocation: give back only the rest.
            unshipped = order.lines.annotate(
                left=F("quantity") - Coalesce(Sum("shipment_lines__quantity"), 0)
            ).values_list("variant_id", "left")
            stock_release(
                account=order.account,
                warehouse=order.warehouse,
                quantities=[(variant_id, left) for variant_id, left in unshipped if left > 0],
                order=order,
            )
        before = order.status
        order.status = to
        order.save(update_fields=["status", "updated_at"])
        OrderEvent.objects.create(
            account=order.account,
            order=order,
            actor=by if getattr(by, "pk", None) else None,
            kind=kind,
            message=message or f"Status {before} → {to}",
            data={"status": [before, to], **(data or {})},
        )
    return order


__all__ = [
    "ALLOWED_TRANSITIONS",
    "OrderDraft",
    "StockShortage",
    "orders_insert",
    "order_transition",
]
