"""Cloning an order: the only way orders are cloned, whichever door (page, command, API) asks.

    order_clone(source=order, by=agent, lines=[CloneLine("SKU-1", 2)], overrides={"warehouse": wh},
                pricing="reprice", purpose="standard")

Purposes: `standard` (re-order), `correction` (may cancel the source in the same transaction), `split` (one
order per destination, the destinations' quantities never exceeding the source's) and `simulation` (flagged,
never allocates stock, never goes to fulfillment). Pricing: `keep` (the source's unit prices and per-unit
discounts), `reprice` (list prices and the promotions valid on the new order date) or `manual` (a price per
line, with a reason where it differs from the source).

A split charges shipping as `split_shipping` says: `divide` (the default: the source's shipping charge divided to
the cent, the remainder on the first order, so together they charge what the customer paid), `first` (all of it
on the first order) or `per_order` (each order pays the shipping method's price). Each split order is taxed for
its own destination: the account's jurisdiction whose code is the destination's ISO 3166-2 region (US-NY), else
its country (DE). A destination in the source's own country and region, or one the account has no jurisdiction
for, keeps the source's; a jurisdiction chosen on the form applies to every order. The plan says which and why.

Every problem is collected and raised at once as `CloneInvalid`, keyed by the input at fault, and nothing is
written. The number of queries does not depend on the number of lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone

from inventory.selectors import stock_available
from inventory.services import StockShortage
from oms.codes import country_problem, subdivision_code
from oms.exceptions import DomainError
from orders.models import (
    ADDRESS_FIELDS,
    MAX_LINE_QUANTITY,
    REQUIRED_ADDRESS_FIELDS,
    CloneRecord,
    Order,
    OrderEvent,
    OrderLine,
    TaxJurisdiction,
    Variant,
)
from orders.pricing import ZERO, LineInput, money, promotions_on
from orders.services.create import ALLOWED_TRANSITIONS, OrderDraft, order_transition, orders_insert

PURPOSES = {choice.value for choice in Order.ClonePurpose}
PRICING_MODES = {"keep", "reprice", "manual"}
SPLIT_SHIPPING = {"divide", "first", "per_order"}
MAX_MANUAL_DISCOUNT = Decimal("0.50")  # a hand-set price may not go below half the current list price
MAX_MANUAL_MARKUP = 10  # ... nor above ten times it (which also keeps amounts inside their columns)
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
    replacement: str = ""  # another SKU of the account to send instead (at its own price), e.g. a declared replacement


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
    if country and (problem := country_problem(country)):
        errors.add(f"{prefix}.country", f"{label.capitalize()}: {problem}")


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
    split_shipping: str = "divide"
    tax_notes: list[str] = field(default_factory=list)  # per draft: which tax jurisdiction and why

    @property
    def preview(self) -> list[tuple[OrderDraft, str]]:
        """(draft, tax note) pairs for the page."""
        return list(zip(self.drafts, self.tax_notes or [""] * len(self.drafts), strict=True))


@dataclass
class _Request:
    """What the clean steps of one clone request share."""

    source: Order
    purpose: str
    pricing: str
    overrides: dict[str, Any]
    order_date: dt.date
    source_lines: dict[str, Any]  # sku -> source OrderLine
    errors: _Errors

    @property
    def account(self):
        return self.source.account

    @property
    def simulate(self) -> bool:
        return self.purpose == Order.ClonePurpose.SIMULATION

    @property
    def split(self) -> bool:
        return self.purpose == Order.ClonePurpose.SPLIT


@dataclass
class _Fields:
    """The order-level fields of the clone: the source's, or the agent's overrides."""

    billing: dict[str, str]
    shipping: dict[str, str]
    codes: list[str]
    warehouse: Any
    shipping_method: Any
    tax_jurisdiction: Any


def _clean_choices(
    errors: _Errors, *, overrides: dict[str, Any], purpose: str, pricing: str, split_shipping: str
) -> None:
    unknown = set(overrides) - OVERRIDABLE
    if unknown:
        errors.add("__all__", f"These fields cannot be overridden: {', '.join(sorted(unknown))}.")
    if purpose not in PURPOSES:
        errors.add("purpose", "Choose re-order, correction, split shipment or simulation.")
    if pricing not in PRICING_MODES:
        errors.add("pricing", "Choose keep, re-price or manual pricing.")
    if split_shipping not in SPLIT_SHIPPING:
        errors.add("split_shipping", "Choose how shipping is charged: divided, on the first order, or per order.")
    errors.raise_if_any()


def _clean_lines(req: _Request, lines: list[CloneLine] | None) -> list[CloneLine]:
    """Which lines, how many of each (a split's quantities come from its destinations)."""
    if lines is None:
        lines = [CloneLine(sku=sku, quantity=line.quantity) for sku, line in req.source_lines.items()]
    chosen: list[CloneLine] = []
    seen: set[str] = set()
    for line in lines:
        sku = (line.sku or "").strip()
        key = f"lines.{sku}"
        if sku not in req.source_lines:
            req.errors.add(key, f"SKU {sku or '(blank)'} is not on order {req.source.number}.")
            continue
        if sku in seen:
            req.errors.add(key, f"SKU {sku} is listed twice.")
            continue
        seen.add(sku)
        quantity = _as_quantity(line.quantity)
        if not req.split and (quantity is None or quantity < 1):
            req.errors.add(f"{key}.quantity", f"Enter a whole quantity of {sku}, from 1 to {MAX_LINE_QUANTITY:,}.")
            continue
        chosen.append(CloneLine(sku=sku, quantity=quantity or 0, unit_price=line.unit_price, reason=line.reason,
                                replacement=(line.replacement or "").strip()))
    if not chosen and not req.errors.items:
        req.errors.add("lines", "Choose at least one line to copy.")
    return chosen


def _clean_replacements(req: _Request, chosen: list[CloneLine]) -> None:
    """Lines sent as another SKU: the source line is swapped, for this clone only, for one at the replacement's
    list price (re-priced and re-taxed like a new line). One query for all of them."""
    wanted = {line.sku: line.replacement for line in chosen if line.replacement and line.replacement != line.sku}
    if not wanted:
        return
    if req.split:
        req.errors.add("lines", "A split shipment sends the source's SKUs: replace a SKU on a re-order or correction.")
        return
    found = {v.sku: v for v in Variant.objects.filter(account=req.account, sku__in=set(wanted.values()))}
    for sku, new_sku in wanted.items():
        variant = found.get(new_sku)
        if variant is None or not variant.is_active:
            req.errors.add(f"lines.{sku}", f"{new_sku} is not an active SKU of this account: {sku} cannot be replaced by it.")
            continue
        src = req.source_lines[sku]
        line = OrderLine(account_id=src.account_id, position=src.position, variant=variant, sku=src.sku,
                         name=variant.name, quantity=src.quantity, unit_price=variant.price)
        line.replaced = True
        req.source_lines[sku] = line


def _clean_fields(req: _Request) -> _Fields:
    source, overrides, errors = req.source, req.overrides, req.errors
    codes = overrides.get("discount_codes")
    fields = _Fields(
        billing=_clean_address(overrides.get("billing"), source.address("billing")),
        shipping=_clean_address(overrides.get("shipping"), source.address("shipping")),
        codes=list(source.discount_codes) if codes is None else sorted({c.strip().upper() for c in codes if c.strip()}),
        warehouse=overrides.get("warehouse", source.warehouse),
        shipping_method=overrides.get("shipping_method", source.shipping_method),
        tax_jurisdiction=overrides.get("tax_jurisdiction", source.tax_jurisdiction),
    )
    for name in ("warehouse", "shipping_method", "tax_jurisdiction"):
        obj = getattr(fields, name)
        if obj is not None and obj.account_id != req.account.pk:
            errors.add(name, "That does not belong to this account.")
    if fields.warehouse is not None and not fields.warehouse.is_active:
        errors.add("warehouse", f"{fields.warehouse.name} is disabled.")
    if fields.shipping_method is not None and not fields.shipping_method.is_active:
        errors.add("shipping_method", f"{fields.shipping_method.name} is no longer offered.")
    if source.kind == Order.Kind.SALES and not req.simulate and fields.warehouse is None:
        errors.add("warehouse", "Choose the warehouse to ship from.")
    _check_address(errors, "billing", fields.billing, "billing address")
    if not req.split:
        _check_address(errors, "shipping", fields.shipping, "shipping address")
    return fields


def _clean_destinations(
    req: _Request, chosen: list[CloneLine], destinations: list[Destination] | None
) -> list[Destination]:
    """A split's quantities per destination, never more than the source's."""
    errors = req.errors
    destinations = destinations or []
    if len(destinations) < 2:
        errors.add("destinations", "A split shipment needs at least two destinations.")
    chosen_skus = {line.sku for line in chosen}
    totals: dict[str, int] = dict.fromkeys(chosen_skus, 0)
    cleaned = []
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
        cleaned.append(Destination(shipping=address, quantities=quantities))
    for sku, total in totals.items():
        if total > req.source_lines[sku].quantity:
            errors.add(
                f"lines.{sku}.quantity",
                f"The destinations get {total} of {sku} but the source order has only {req.source_lines[sku].quantity}.",
            )
    return cleaned


def _place(address: dict[str, str]) -> tuple[str, str]:
    """(country, region) of an address, the region as its ISO 3166-2 code when it is one."""
    country, region = address.get("country", "").upper(), address.get("region", "")
    return country, subdivision_code(country, region) or " ".join(region.split()).upper()


def _split_taxes(req: _Request, fields: _Fields, destinations: list[Destination]) -> list[tuple[Any, str]]:
    """Each destination's tax jurisdiction and a note saying why; one query for all destinations."""
    base = fields.tax_jurisdiction
    base_name = str(base) if base is not None else "none"
    if getattr(base, "pk", None) != req.source.tax_jurisdiction_id:
        return [(base, f"Tax: {base_name}, as chosen for every order.")] * len(destinations)
    home = _place(req.source.address("shipping"))
    places = [_place(d.shipping) for d in destinations]
    wanted = {code for country, region in places if (country, region) != home
              for code in (region if region.startswith(f"{country}-") else "", country) if code}
    found = {}
    if wanted:
        found = {
            j.upper_code: j
            for j in TaxJurisdiction.objects.annotate(upper_code=Upper("code")).filter(
                account=req.account, upper_code__in=wanted
            )
        }
    taxes = []
    for country, region in places:
        match = found.get(region) or found.get(country)
        where = region if region.startswith(f"{country}-") else country
        if (country, region) == home:
            taxes.append((base, f"Tax: {base_name}, as the source (same destination region)."))
        elif match is not None:
            taxes.append((match, f"Tax: {match}, for its destination ({match.code})."))
        else:
            taxes.append((base, f"Tax: {base_name}, as the source: this account has no tax jurisdiction for {where}."))
    return taxes


def _source_shipping_tax(req: _Request) -> Decimal:
    """The tax the source charged on its shipping: its tax beyond its lines' (a channel's shipping tax)."""
    return max(ZERO, req.source.tax_total - sum((line.tax_amount for line in req.source_lines.values()), ZERO))


def _shares(amount: Decimal, count: int, split_shipping: str) -> list[Decimal | None]:
    """`amount` over `count` split orders as chosen: divided to the cent (the rest on the first), all on the
    first, or None each (per order: the shipping method prices it)."""
    if split_shipping == "per_order" or count == 0:
        return [None] * count
    if split_shipping == "first":
        return [amount] + [ZERO] * (count - 1)
    share, rest = divmod(int(amount * 100), count)
    return [Decimal(share + rest) / 100] + [Decimal(share) / 100] * (count - 1)


def _clean_codes(req: _Request, codes: list[str]) -> list | None:
    """The promotions a re-priced clone gets (None unless re-pricing); unknown codes are errors."""
    promotions = promotions_on(account=req.account, on=req.order_date) if req.pricing == "reprice" else None
    if req.pricing == "reprice" or "discount_codes" in req.overrides:
        valid = promotions if promotions is not None else promotions_on(account=req.account, on=req.order_date)
        known = {p.code.upper() for p in valid if p.code}
        for code in codes:
            if code not in known:
                req.errors.add("discount_codes", f"Discount code {code} is not valid on {req.order_date:%Y-%m-%d}.")
    return promotions


def _clean_manual_prices(req: _Request, chosen: list[CloneLine]) -> dict[str, str]:
    """Hand-set prices within their bounds, each with a reason; returns {sku: reason}. A price equal to the
    source's counts as not set."""
    reasons: dict[str, str] = {}
    if req.pricing != "manual":
        return reasons
    for line in chosen:
        src = req.source_lines[line.sku]
        price = _as_price(line.unit_price)
        if line.unit_price not in (None, "") and price is None:
            req.errors.add(f"lines.{line.sku}.unit_price", "Enter a price such as 12.50.")
            line.unit_price = None
            continue
        line.unit_price = price
        if price is None or money(price) == src.unit_price:
            line.unit_price = None
            continue
        floor = money(src.variant.price * (1 - MAX_MANUAL_DISCOUNT))
        ceiling = money(src.variant.price * MAX_MANUAL_MARKUP)
        if price < 0 or price < floor:
            req.errors.add(
                f"lines.{line.sku}.unit_price",
                f"{line.sku} cannot be sold below {floor} (half its list price {src.variant.price}).",
            )
        elif price > ceiling:
            req.errors.add(
                f"lines.{line.sku}.unit_price",
                f"{line.sku} cannot be sold above {ceiling} (ten times its list price {src.variant.price}).",
            )
        if not (line.reason or "").strip():
            req.errors.add(f"lines.{line.sku}.reason", "Say why this price was set by hand.")
        reasons[line.sku] = (line.reason or "").strip()
    return reasons


def _clean_stock(
    req: _Request, warehouse, chosen: list[CloneLine], destinations: list[Destination]
) -> dict[str, int]:
    """Enough stock in the warehouse for what the clone takes (never for simulations); returns what is
    available per SKU."""
    if req.simulate or warehouse is None or req.source.kind != Order.Kind.SALES or not chosen:
        return {}
    source_lines = req.source_lines
    wanted: dict[int, int] = {}
    if req.split:
        pairs = [(sku, quantity) for destination in destinations for sku, quantity in destination.quantities.items()]
    else:
        pairs = [(line.sku, line.quantity) for line in chosen]
    for sku, quantity in pairs:
        variant_id = source_lines[sku].variant_id
        wanted[variant_id] = wanted.get(variant_id, 0) + quantity
    available = stock_available(
        account=req.account, warehouse=warehouse, variant_ids=[src.variant_id for src in source_lines.values()]
    )
    by_variant = {src.variant_id: sku for sku, src in source_lines.items()}
    for variant_id, quantity in wanted.items():
        if quantity > available[variant_id]:
            req.errors.add(
                f"lines.{by_variant[variant_id]}.quantity",
                f"Only {max(available[variant_id], 0)} of {by_variant[variant_id]} available in {warehouse.name}.",
            )
    return {sku: available[src.variant_id] for sku, src in source_lines.items()}


def _clean_cancel(req: _Request, cancel_source: bool) -> bool:
    cancel = req.purpose == Order.ClonePurpose.CORRECTION and cancel_source
    source = req.source
    if cancel and Order.Status.CANCELLED not in ALLOWED_TRANSITIONS.get(source.status, set()):
        req.errors.add("cancel_source", f"Order {source.number} is {source.get_status_display().lower()} and cannot be cancelled.")
    return cancel


def _overridden(req: _Request, fields: _Fields, chosen: list[CloneLine], reasons: dict[str, str]) -> dict[str, Any]:
    """What the agent changed, for the history of both orders."""
    source, overrides = req.source, req.overrides
    overridden: dict[str, Any] = {}
    for name in ("customer_name", "customer_email", "customer_phone", "notes"):
        if name in overrides and overrides[name] != getattr(source, name):
            overridden[name] = [getattr(source, name), overrides[name]]
    for prefix, address in (("billing", fields.billing), ("shipping", fields.shipping)):
        for key in ADDRESS_FIELDS:
            if address[key] != getattr(source, f"{prefix}_{key}") and prefix in overrides:
                overridden[f"{prefix}_{key}"] = [getattr(source, f"{prefix}_{key}"), address[key]]
    if fields.codes != list(source.discount_codes):
        overridden["discount_codes"] = [list(source.discount_codes), fields.codes]
    for name in ("shipping_method", "tax_jurisdiction", "warehouse"):
        value = getattr(fields, name)
        if value != getattr(source, name):
            overridden[name] = [_display(getattr(source, name)), _display(value)]
    if req.pricing != "keep":
        overridden["pricing"] = ["keep", req.pricing]
    for line in chosen:
        src = req.source_lines[line.sku]
        if not req.split and line.quantity != src.quantity:
            overridden[f"lines.{line.sku}.quantity"] = [src.quantity, line.quantity]
        if getattr(src, "replaced", False):
            overridden[f"lines.{line.sku}.replaced_by"] = [line.sku, src.variant.sku]
        if line.sku in reasons:
            overridden[f"lines.{line.sku}.unit_price"] = [str(src.unit_price), str(money(line.unit_price))]
    dropped = sorted(set(req.source_lines) - {line.sku for line in chosen})
    if dropped:
        overridden["lines_not_copied"] = dropped
    return overridden


def _line_input(req: _Request, line: CloneLine, quantity: int, *, same_tax: bool) -> LineInput:
    """A kept line of unchanged quantity under the source's jurisdiction keeps its tax too: a copy."""
    src = req.source_lines[line.sku]
    if req.pricing == "reprice" or getattr(src, "replaced", False):
        return LineInput(variant=src.variant, quantity=quantity)
    if req.pricing == "manual" and line.unit_price is not None:
        return LineInput(variant=src.variant, quantity=quantity, fixed_unit_price=line.unit_price)
    per_unit_discount = src.line_discount / src.quantity if src.quantity else Decimal(0)
    kept_tax = src.tax_amount if same_tax and quantity == src.quantity else None
    if kept_tax is None and same_tax and req.source.tax_jurisdiction_id is None and src.tax_amount and src.quantity:
        # A channel charged this tax (no jurisdiction of ours to work it out again): its share of the units.
        kept_tax = money(src.tax_amount * quantity / src.quantity)
    return LineInput(variant=src.variant, quantity=quantity, fixed_unit_price=src.unit_price,
                     fixed_unit_discount=per_unit_discount, fixed_tax=kept_tax)


def _draft(
    req: _Request,
    fields: _Fields,
    *,
    shipping: dict[str, str],
    quantities: list[tuple[CloneLine, int]],
    promotions: list | None,
    reasons: dict[str, str],
    event: dict[str, Any],
    by,
    tax_jurisdiction: Any,
    shipping_total: Decimal | None = None,
    shipping_tax: Decimal | None = None,
) -> OrderDraft:
    source, overrides = req.source, req.overrides
    same_method = fields.shipping_method == source.shipping_method
    same_tax = getattr(tax_jurisdiction, "pk", None) == source.tax_jurisdiction_id
    actor_name = getattr(by, "email", None) or "system"
    draft = OrderDraft(
        account=req.account,
        kind=source.kind,
        source=Order.Source.CLONE,
        lines=[_line_input(req, line, quantity, same_tax=same_tax) for line, quantity in quantities],
        order_date=req.order_date,
        customer=source.customer,
        customer_name=overrides.get("customer_name", source.customer_name),
        customer_email=overrides.get("customer_email", source.customer_email),
        customer_phone=overrides.get("customer_phone", source.customer_phone),
        billing=fields.billing,
        shipping=shipping,
        discount_codes=fields.codes,
        shipping_method=fields.shipping_method,
        carrier_code=source.carrier_code if same_method else "",
        service_code=source.service_code if same_method else "",
        tax_jurisdiction=tax_jurisdiction,
        warehouse=fields.warehouse,
        notes=overrides.get("notes", source.notes),
        currency=source.currency,
        is_simulation=req.simulate,
        cloned_from=source,
        clone_purpose=req.purpose,
        price_override_reasons={i: reasons.get(line.sku, "") for i, (line, _) in enumerate(quantities)},
        event_message=f"Cloned from {source.number} by {actor_name} ({Order.ClonePurpose(req.purpose).label.lower()})",
        event_data=event,
        fixed_shipping=shipping_total,
        fixed_shipping_tax=shipping_tax or ZERO,
    )
    if req.pricing == "keep" and source.charged and not req.split:
        _keep_charged(req, draft, quantities, same_tax=same_tax, same_method=same_method)
    draft.price(promotions=promotions if req.pricing == "reprice" else [])
    return draft


def _keep_charged(req: _Request, draft: OrderDraft, quantities: list[tuple[CloneLine, int]], *, same_tax: bool,
                  same_method: bool) -> None:
    """A keep-prices copy of a channel's order keeps what the channel charged: each unchanged line's detail and,
    with the same shipping method, the shipping as charged (its tax is the order's tax beyond its lines')."""
    source = req.source
    unchanged = [same_tax and quantity == req.source_lines[line.sku].quantity
                 and not getattr(req.source_lines[line.sku], "replaced", False) for line, quantity in quantities]
    draft.line_charged = [
        req.source_lines[line.sku].charged if kept else {} for (line, _), kept in zip(quantities, unchanged, strict=True)
    ]
    whole = same_method and all(unchanged) and len(quantities) == len(req.source_lines)
    # The order-level detail (shipping lines, order discounts) is this order's only when it is a whole copy.
    draft.charged = {k: v for k, v in source.charged.items() if k != "total"} if whole else {}
    if same_method:
        draft.fixed_shipping = source.shipping_total
        draft.fixed_shipping_tax = _source_shipping_tax(req) if same_tax else ZERO


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
    split_shipping: str = "divide",
) -> ClonePlan:
    """Check and price a clone without writing; the page's live preview and `order_clone` both use it.

    Small clean steps collect every error first; the drafts are built from what they return."""
    overrides = dict(overrides or {})
    errors = _Errors()
    _clean_choices(errors, overrides=overrides, purpose=purpose, pricing=pricing, split_shipping=split_shipping)
    req = _Request(
        source=source,
        purpose=purpose,
        pricing=pricing,
        overrides=overrides,
        order_date=order_date or source.account.today(),
        source_lines={line.sku: line for line in source.lines.all()},
        errors=errors,
    )
    chosen = _clean_lines(req, lines)
    _clean_replacements(req, chosen)
    fields = _clean_fields(req)
    if req.split:
        destinations = _clean_destinations(req, chosen, destinations)
    promotions = _clean_codes(req, fields.codes)
    reasons = _clean_manual_prices(req, chosen)
    available = _clean_stock(req, fields.warehouse, chosen, destinations or [])
    cancel = _clean_cancel(req, cancel_source)
    overridden = _overridden(req, fields, chosen, reasons)

    event = {"cloned_from": source.number, "purpose": purpose, "pricing": pricing, "overridden": overridden}
    common = {"promotions": promotions, "reasons": reasons, "event": event, "by": by}
    tax_notes: list[str] = []
    if req.split:
        event["split_shipping"] = split_shipping
        by_sku = {line.sku: line for line in chosen}
        filled = [d for d in destinations or [] if d.quantities]
        taxes = _split_taxes(req, fields, filled)
        shares = _shares(req.source.shipping_total, len(filled), split_shipping)
        shipping_taxes = _shares(_source_shipping_tax(req), len(filled), split_shipping)
        drafts = [
            _draft(req, fields, shipping=d.shipping, quantities=[(by_sku[sku], n) for sku, n in d.quantities.items()],
                   tax_jurisdiction=tax, shipping_total=share, shipping_tax=shipping_tax, **common)
            for d, (tax, _), share, shipping_tax in zip(filled, taxes, shares, shipping_taxes, strict=True)
        ]
        tax_notes = [note for _, note in taxes]
    elif chosen:
        quantities = [(line, line.quantity) for line in chosen if line.quantity > 0]
        drafts = [_draft(req, fields, shipping=fields.shipping, quantities=quantities,
                         tax_jurisdiction=fields.tax_jurisdiction, **common)]
    else:
        drafts = []

    return ClonePlan(
        source=source,
        purpose=purpose,
        pricing=pricing,
        drafts=drafts,
        errors=errors.items,
        overridden=overridden,
        available=available,
        cancel_source=cancel,
        split_shipping=split_shipping,
        tax_notes=tax_notes,
    )


def order_clone(
    *,
    source: Order,
    by,
    opened_at: dt.datetime | None = None,
    rejected_submits: int = 0,
    door: str = "page",
    suggestions: dict[str, list[str]] | None = None,
    **request: Any,
) -> list[Order]:
    """Clone `source` into one order (or one per destination for a split). Raises CloneInvalid.

    `request` takes the arguments of `order_clone_plan` (lines, overrides, pricing, purpose, cancel_source,
    destinations, order_date, split_shipping). `suggestions`: the suggestion kinds the page offered and those
    the agent took, {"offered": [...], "taken": [...]}, kept on the clone record."""
    plan = order_clone_plan(source=source, by=by, **request)
    if plan.errors:
        raise CloneInvalid(plan.errors)
    account, purpose, pricing, overridden = source.account, plan.purpose, plan.pricing, plan.overridden
    actor_name = getattr(by, "email", None) or "system"
    purpose_label = Order.ClonePurpose(purpose).label.lower()
    event_data = {"purpose": purpose, "pricing": pricing, "overridden": overridden}
    if purpose == Order.ClonePurpose.SPLIT:
        event_data["split_shipping"] = plan.split_shipping
    warehouse = plan.drafts[0].warehouse
    source_lines = {line.sku: line for line in source.lines.all()}
    cancel = plan.cancel_source
    with transaction.atomic():
        try:
            orders = orders_insert(account=account, drafts=plan.drafts, by=by)
        except StockShortage as shortage:
            by_variant = {src.variant_id: sku for sku, src in source_lines.items()}
            by_variant.update({l.variant.pk: l.variant.sku for d in plan.drafts for l in d.lines
                               if l.variant.pk not in by_variant})
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
            data={"clones": numbers, **event_data},
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
            suggestions={"offered": sorted(set((suggestions or {}).get("offered", []))),
                         "taken": sorted(set((suggestions or {}).get("taken", [])))} if suggestions else {},
        )
        if cancel:
            order_transition(
                order=source, to=Order.Status.CANCELLED, by=by, message=f"Cancelled: corrected by {numbers[0]}"
            )
    return orders
