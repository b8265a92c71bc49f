"""Cloning an order: the only way orders are cloned, whichever door (page, command, API) asks.

    order_clone(source=order, by=agent, lines=[CloneLine("SKU-1", 2)], overrides={"warehouse": wh},
                pricing="reprice", purpose="standard")

Purposes: `standard` (re-order), `correction` (may cancel the source in the same transaction), `split` (one
order per destination, the destinations' quantities never exceeding the source's) and `simulation` (flagged,
never allocates stock, never goes to fulfillment). Pricing: `keep` (the source's unit prices and per-unit
discounts), `reprice` (list prices and the promotions valid on the new order date) or `manual` (a price per
line, with a reason where it differs from the source).

Every problem is collected and raised at once as `CloneInvalid`, keyed by the input at fault, and nothing is
written. The number of queries does not depend on the number of lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from inventory.selectors import stock_available
from inventory.services import StockShortage
from oms.exceptions import DomainError
from orders.models import ADDRESS_FIELDS, REQUIRED_ADDRESS_FIELDS, CloneRecord, Order, OrderEvent
from orders.pricing import LineInput, money, promotions_on
from orders.services.create import ALLOWED_TRANSITIONS, OrderDraft, order_transition, orders_insert

PURPOSES = {choice.value for choice in Order.ClonePurpose}
PRICING_MODES = {"keep", "reprice", "manual"}
MAX_MANUAL_DISCOUNT = Decimal("0.50")  # a hand-set price may not go below half the current list price
MAX_MANUAL_MARKUP = 10  # ... nor above ten times it (which also keeps amounts inside their columns)
MAX_LINE_QUANTITY = 100_000  # per line; simulations skip the stock check, so this is their only ceiling
OVERRIDABLE = {
    "customer_name",
    "customer_email",
    "customer_phone",
    "billing",
    "shipping",
    "discount_codes",
    "shipping_method",
    "tax_jurisdiction",
    "warehouse",
    "notes",
}
ADDRESS_LABELS = {
    "name": "name",
    "line1": "address line 1",
    "line2": "address line 2",
    "city": "city",
    "region": "region",
    "postal_code": "postal code",
    "country": "country",
}


class CloneInvalid(DomainError):
    """Everything wrong with a clone request: {input key: [messages]}; keys like 'lines.SKU-1.quantity'."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first_key, messages = next(iter(errors.items()))
        super().__init__(f"{messages[0]}", field=first_key, code="clone_invalid")

    def one_line(self) -> str:
        return "; ".join(f"{key}: {' '.join(msgs)}" if key != "__all__" else " ".join(msgs)
                         for key, msgs in self.errors.items())


@dataclass
class CloneLine:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # for pricing="manual"
    reason: str = ""


@dataclass
class Destination:
    shipping: dict[str, str]
    quantities: dict[str, int]  # sku -> quantity


@dataclass
class _Errors:
    items: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.items.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.items:
            raise CloneInvalid(self.items)


def account_today(account) -> dt.date:
    return timezone.now().astimezone(account.zone).date()


def _clean_address(value: dict[str, str] | None, fallback: dict[str, str]) -> dict[str, str]:
    if value is None:
        return dict(fallback)
    address = {k: " ".join(str(value.get(k, "") or "").split()) for k in ADDRESS_FIELDS}
    address["country"] = address["country"].upper()
    return address


def _check_address(errors: _Errors, prefix: str, address: dict[str, str], label: str) -> None:
    for name in REQUIRED_ADDRESS_FIELDS:
        if not address.get(name):
            errors.add(f"{prefix}.{name}", f"Enter the {ADDRESS_LABELS[name]} of the {label}.")
    country = address.get("country", "")
    if country and (len(country) != 2 or not country.isalpha()):
        errors.add(f"{prefix}.country", f"Use a two-letter country code for the {label}, e.g. US.")


def _as_quantity(value: Any) -> int | None:
    """A whole number from user input, or None; anything above MAX_LINE_QUANTITY counts as not a quantity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits.isdecimal() or len(digits) > 9:  # isdigit() would let "²" through to int()
            return None
        number = int(text)
    return number if number <= MAX_LINE_QUANTITY else None


def _as_price(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() else None


def _display(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str | list):
        return value
    if isinstance(value, dict):
        return {k: _display(v) for k, v in value.items()}
    return str(value)


@dataclass
class ClonePlan:
    """What a clone would create, checked and priced, before anything is written."""

    source: Order
    purpose: str
    pricing: str
    drafts: list[OrderDraft]
    errors: dict[str, list[str]]
    overridden: dict[str, Any]
    available: dict[str, int]  # sku -> available in the chosen warehouse (empty for simulations)
    cancel_source: bool


def order_clone_plan(
    *,
    source: Order,
    by=None,
    lines: list[CloneLine] | None = None,
    overrides: dict[str, Any] | None = None,
    pricing: str = "keep",
    purpose: str = Order.ClonePurpose.STANDARD,
    cancel_source: bool = False,
    destinations: list[Destination] | None = None,
    order_date: dt.date | None = None,
) -> ClonePlan:
    """Check and price a clone without writing; the page's live preview and `order_clone` both use it."""
    account = source.account
    overrides = dict(overrides or {})
    errors = _Errors()
    unknown = set(overrides) - OVERRIDABLE
    if unknown:
        errors.add("__all__", f"These fields cannot be overridden: {', '.join(sorted(unknown))}.")
    if purpose not in PURPOSES:
        errors.add("purpose", "Choose re-order, correction, split shipment or simulation.")
    if pricing not in PRICING_MODES:
        errors.add("pricing", "Choose keep, re-price or manual pricing.")
    errors.raise_if_any()

    source_lines = {line.sku: line for line in source.lines.all()}
    order_date = order_date or account_today(account)
    simulate = purpose == Order.ClonePurpose.SIMULATION

    # Lines: which, how many, at what price.
    if lines is None:
        lines = [CloneLine(sku=sku, quantity=line.quantity) for sku, line in source_lines.items()]
    chosen: list[CloneLine] = []
    seen: set[str] = set()
    for line in lines:
        sku = (line.sku or "").strip()
        key = f"lines.{sku}"
        if sku not in source_lines:
            errors.add(key, f"SKU {sku or '(blank)'} is not on order {source.number}.")
            continue
        if sku in seen:
            errors.add(key, f"SKU {sku} is listed twice.")
            continue
        seen.add(sku)
        quantity = _as_quantity(line.quantity)
        if purpose != Order.ClonePurpose.SPLIT and (quantity is None or quantity < 1):
            errors.add(f"{key}.quantity", f"Enter a whole quantity of {sku}, from 1 to {MAX_LINE_QUANTITY:,}.")
            continue
        chosen.append(CloneLine(sku=sku, quantity=quantity or 0, unit_price=line.unit_price, reason=line.reason))
    if not chosen and not errors.items:
        errors.add("lines", "Choose at least one line to copy.")

    # Fields that differ from the source.
    billing = _clean_address(overrides.get("billing"), source.address("billing"))
    shipping = _clean_address(overrides.get("shipping"), source.address("shipping"))
    codes = overrides.get("discount_codes")
    codes = list(source.discount_codes) if codes is None else sorted({c.strip().upper() for c in codes if c.strip()})
    warehouse = overrides.get("warehouse", source.warehouse)
    shipping_method = overrides.get("shipping_method", source.shipping_method)
    tax_jurisdiction = overrides.get("tax_jurisdiction", source.tax_jurisdiction)
    for name, obj in (("warehouse", warehouse), ("shipping_method", shipping_method), ("tax_jurisdiction", tax_jurisdiction)):
        if obj is not None and obj.account_id != account.pk:
            errors.add(name, "That does not belong to this account.")
    if warehouse is not None and not warehouse.is_active:
        errors.add("warehouse", f"{warehouse.name} is disabled.")
    if shipping_method is not None and not shipping_method.is_active:
        errors.add("shipping_method", f"{shipping_method.name} is no longer offered.")
    if source.kind == Order.Kind.SALES and not simulate and warehouse is None:
        errors.add("warehouse", "Choose the warehouse to ship from.")

    _check_address(errors, "billing", billing, "billing address")
    if purpose != Order.ClonePurpose.SPLIT:
        _check_address(errors, "shipping", shipping, "shipping address")

    # Split: quantities per destination, never more than the source's.
    if purpose == Order.ClonePurpose.SPLIT:
        destinations = destinations or []
        if len(destinations) < 2:
            errors.add("destinations", "A split shipment needs at least two destinations.")
        chosen_skus = {line.sku for line in chosen}
        totals: dict[str, int] = dict.fromkeys(chosen_skus, 0)
        cleaned_destinations = []
        for index, destination in enumerate(destinations):
            address = _clean_address(destination.shipping, {})
            _check_address(errors, f"destinations.{index}.shipping", address, f"destination {index + 1}")
            quantities = {}
            for sku, raw in destination.quantities.items():
                quantity = _as_quantity(raw)
                if sku not in chosen_skus:
                    if quantity:
                        errors.add(
                            f"destinations.{index}.{sku}", f"Destination {index + 1}: {sku} is not among the lines to copy."
                        )
                    continue
                if quantity is None or quantity < 0:
                    errors.add(f"destinations.{index}.{sku}", f"Destination {index + 1}: enter a whole quantity of {sku}, 0 or more.")
                    continue
                if quantity:
                    quantities[sku] = quantity
                    totals[sku] += quantity
            if not quantities:
                errors.add(f"destinations.{index}", f"Give destination {index + 1} at least one item.")
            cleaned_destinations.append(Destination(shipping=address, quantities=quantities))
        for sku, total in totals.items():
            if total > source_lines[sku].quantity:
                errors.add(
                    f"lines.{sku}.quantity",
                    f"The destinations get {total} of {sku} but the source order has only {source_lines[sku].quantity}.",
                )
        destinations = cleaned_destinations

    # Prices.
    promotions = promotions_on(account=account, on=order_date) if pricing == "reprice" else None
    if pricing == "reprice" or "discount_codes" in overrides:
        valid = promotions if promotions is not None else promotions_on(account=account, on=order_date)
        known = {p.code.upper() for p in valid if p.code}
        for code in codes:
            if code not in known:
                errors.add("discount_codes", f"Discount code {code} is not valid on {order_date:%Y-%m-%d}.")

    def line_input(line: CloneLine, quantity: int) -> LineInput:
        src = source_lines[line.sku]
        if pricing == "reprice":
            return LineInput(variant=src.variant, quantity=quantity)
        per_unit_discount = src.line_discount / src.quantity if src.quantity else Decimal(0)
        if pricing == "manual" and line.unit_price is not None:
            return LineInput(variant=src.variant, quantity=quantity, fixed_unit_price=line.unit_price)
        return LineInput(variant=src.variant, quantity=quantity, fixed_unit_price=src.unit_price,
                         fixed_unit_discount=per_unit_discount)

    reasons: dict[str, str] = {}
    if pricing == "manual":
        for line in chosen:
            src = source_lines[line.sku]
            price = _as_price(line.unit_price)
            if line.unit_price not in (None, "") and price is None:
                errors.add(f"lines.{line.sku}.unit_price", "Enter a price such as 12.50.")
                line.unit_price = None
                continue
            line.unit_price = price
            if price is None or money(price) == src.unit_price:
                line.unit_price = None
                continue
            floor = money(src.variant.price * (1 - MAX_MANUAL_DISCOUNT))
            ceiling = money(src.variant.price * MAX_MANUAL_MARKUP)
            if price < 0 or price < floor:
                errors.add(
                    f"lines.{line.sku}.unit_price",
                    f"{line.sku} cannot be sold below {floor} (half its list price {src.variant.price}).",
                )
            elif price > ceiling:
                errors.add(
                    f"lines.{line.sku}.unit_price",
                    f"{line.sku} cannot be sold above {ceiling} (ten times its list price {src.variant.price}).",
                )
            if not (line.reason or "").strip():
                errors.add(f"lines.{line.sku}.reason", "Say why this price was set by hand.")
            reasons[line.sku] = (line.reason or "").strip()

    # Stock, unless simulated.
    available_by_sku: dict[str, int] = {}
    if not simulate and warehouse is not None and source.kind == Order.Kind.SALES and chosen:
        wanted: dict[int, int] = {}
        if purpose == Order.ClonePurpose.SPLIT:
            for destination in destinations or []:
                for sku, quantity in destination.quantities.items():
                    variant_id = source_lines[sku].variant_id
                    wanted[variant_id] = wanted.get(variant_id, 0) + quantity
        else:
            for line in chosen:
                variant_id = source_lines[line.sku].variant_id
                wanted[variant_id] = wanted.get(variant_id, 0) + line.quantity
        available = stock_available(
            account=account, warehouse=warehouse, variant_ids=[src.variant_id for src in source_lines.values()]
        )
        by_variant = {src.variant_id: sku for sku, src in source_lines.items()}
        available_by_sku = {sku: available[src.variant_id] for sku, src in source_lines.items()}
        for variant_id, quantity in wanted.items():
            if quantity > available[variant_id]:
                errors.add(
                    f"lines.{by_variant[variant_id]}.quantity",
                    f"Only {max(available[variant_id], 0)} of {by_variant[variant_id]} available in {warehouse.name}.",
                )

    cancel = purpose == Order.ClonePurpose.CORRECTION and cancel_source
    if cancel and Order.Status.CANCELLED not in ALLOWED_TRANSITIONS.get(source.status, set()):
        errors.add("cancel_source", f"Order {source.number} is {source.get_status_display().lower()} and cannot be cancelled.")

    # What the agent changed, for the history of both orders.
    overridden: dict[str, Any] = {}
    for name in ("customer_name", "customer_email", "customer_phone", "notes"):
        if name in overrides and overrides[name] != getattr(source, name):
            overridden[name] = [getattr(source, name), overrides[name]]
    for prefix, address in (("billing", billing), ("shipping", shipping)):
        for key in ADDRESS_FIELDS:
            if address[key] != getattr(source, f"{prefix}_{key}") and prefix in overrides:
                overridden[f"{prefix}_{key}"] = [getattr(source, f"{prefix}_{key}"), address[key]]
    if codes != list(source.discount_codes):
        overridden["discount_codes"] = [list(source.discount_codes), codes]
    for name, value in (("shipping_method", shipping_method), ("tax_jurisdiction", tax_jurisdiction), ("warehouse", warehouse)):
        if value != getattr(source, name):
            overridden[name] = [_display(getattr(source, name)), _display(value)]
    if pricing != "keep":
        overridden["pricing"] = ["keep", pricing]
    for line in chosen:
        src = source_lines[line.sku]
        if purpose != Order.ClonePurpose.SPLIT and line.quantity != src.quantity:
            overridden[f"lines.{line.sku}.quantity"] = [src.quantity, line.quantity]
        if line.sku in reasons:
            overridden[f"lines.{line.sku}.unit_price"] = [str(src.unit_price), str(money(line.unit_price))]
    dropped = sorted(set(source_lines) - {line.sku for line in chosen})
    if dropped:
        overridden["lines_not_copied"] = dropped

    actor_name = getattr(by, "email", None) or "system"
    purpose_label = Order.ClonePurpose(purpose).label.lower()

    def draft_for(shipping_address: dict[str, str], quantities: list[tuple[CloneLine, int]]) -> OrderDraft:
        draft = OrderDraft(
            account=account,
            kind=source.kind,
            source=Order.Source.CLONE,
            lines=[line_input(line, quantity) for line, quantity in quantities],
            order_date=order_date,
            customer=source.customer,
            customer_name=overrides.get("customer_name", source.customer_name),
            customer_email=overrides.get("customer_email", source.customer_email),
            customer_phone=overrides.get("customer_phone", source.customer_phone),
            billing=billing,
            shipping=shipping_address,
            discount_codes=codes,
            shipping_method=shipping_method,
            carrier_code=source.carrier_code if shipping_method == source.shipping_method else "",
            service_code=source.service_code if shipping_method == source.shipping_method else "",
            tax_jurisdiction=tax_jurisdiction,
            warehouse=warehouse,
            notes=overrides.get("notes", source.notes),
            currency=source.currency,
            is_simulation=simulate,
            cloned_from=source,
            clone_purpose=purpose,
            price_override_reasons={i: reasons.get(line.sku, "") for i, (line, _) in enumerate(quantities)},
            event_message=f"Cloned from {source.number} by {actor_name} ({purpose_label})",
            event_data={"cloned_from": source.number, "purpose": purpose, "pricing": pricing, "overridden": overridden},
        )
        draft.price(promotions=promotions if pricing == "reprice" else [])
        return draft

    if purpose == Order.ClonePurpose.SPLIT:
        by_sku = {line.sku: line for line in chosen}
        drafts = [
            draft_for(d.shipping, [(by_sku[sku], qty) for sku, qty in d.quantities.items()])
            for d in destinations or []
            if d.quantities
        ]
    else:
        drafts = [draft_for(shipping, [(line, line.quantity) for line in chosen if line.quantity > 0])] if chosen else []

    return ClonePlan(
        source=source,
        purpose=purpose,
        pricing=pricing,
        drafts=drafts,
        errors=errors.items,
        overridden=overridden,
        available=available_by_sku,
        cancel_source=cancel,
    )


def order_clone(
    *,
    source: Order,
    by,
    opened_at: dt.datetime | None = None,
    rejected_submits: int = 0,
    door: str = "page",
    **request: Any,
) -> list[Order]:
    """Clone `source` into one order (or one per destination for a split). Raises CloneInvalid.

    `request` takes the arguments of `order_clone_plan` (lines, overrides, pricing, purpose, cancel_source,
    destinations, order_date)."""
    plan = order_clone_plan(source=source, by=by, **request)
    if plan.errors:
        raise CloneInvalid(plan.errors)
    account, purpose, pricing, overridden = source.account, plan.purpose, plan.pricing, plan.overridden
    actor_name = getattr(by, "email", None) or "system"
    purpose_label = Order.ClonePurpose(purpose).label.lower()
    warehouse = plan.drafts[0].warehouse
    source_lines = {line.sku: line for line in source.lines.all()}
    cancel = plan.cancel_source
    with transaction.atomic():
        try:
            orders = orders_insert(account=account, drafts=plan.drafts, by=by)
        except StockShortage as shortage:
            by_variant = {src.variant_id: sku for sku, src in source_lines.items()}
            raise CloneInvalid(
                {
                    f"lines.{by_variant[variant_id]}.quantity": [
                        f"Only {available} of {by_variant[variant_id]} available in {warehouse.name} now."
                    ]
                    for variant_id, (_, available) in shortage.shortages.items()
                }
            ) from None
        numbers = [order.number for order in orders]
        OrderEvent.objects.create(
            account=account,
            order=source,
            actor=by if getattr(by, "pk", None) else None,
            kind="cloned",
            message=f"Cloned into {', '.join(numbers)} by {actor_name} ({purpose_label})",
            data={"clones": numbers, "purpose": purpose, "pricing": pricing, "overridden": overridden},
        )
        seconds = None
        if opened_at is not None:
            seconds = max(Decimal(0), Decimal(str(round((timezone.now() - opened_at).total_seconds(), 2))))
        CloneRecord.objects.create(
            account=account,
            order=orders[0],
            source=source,
            agent=by if getattr(by, "pk", None) else None,
            purpose=purpose,
            seconds=seconds,
            rejected_submits=max(0, int(rejected_submits)),
            door=door,
        )
        if cancel:
            order_transition(
                order=source, to=Order.Status.CANCELLED, by=by, message=f"Cancelled: corrected by {numbers[0]}"
            )
    return orders
