"""The one pricing function: prices a set of lines for an account on a date with discount codes.

Rules (decided here, since the reference leaves them open):
- A line's unit price is the variant's list price, unless the caller fixes it (kept source price, or a price
  set by hand). A fixed price gets no promotion on top: it is already the agreed price.
- Promotions apply when active, valid on the date (valid_from <= date <= valid_to, inclusive), the line's
  quantity reaches min_quantity, the line is in scope, and, for a promotion behind a code, the code was given.
- Promotions do not stack: each line gets the single largest discount. A fixed discount is per unit and never
  takes the price below zero.
- Tax is the jurisdiction's rate on the discounted line amount, rounded per line to the cent, half up (0.005
  becomes 0.01). Per line, because an order line is what gets cancelled, split, returned and refunded: each
  line's tax is then fixed and the order's tax is exactly the sum of its lines'. Half up, because that is the
  rounding tax authorities prescribe for a charged amount (US states' "round up from one half cent", the EU's
  commercial rounding); half-even only removes a bias from long sums of rounded values, which a per-line amount
  on an invoice is not. Rates carry 6 decimals (8.875 % is 0.08875) and are used unrounded.
- A caller may fix a line's tax too (a keep-prices clone of an unchanged line keeps its source's tax), so a copy
  equals its source to the cent even if the jurisdiction's rate changed since.
- Shipping is the method's price, untaxed, unless the caller fixes it (a split shipment's share of the source's
  shipping, see orders/services/clone.py).
- An order a channel charged is not priced here, only added up: its lines come with fixed prices, discounts and
  taxes, its shipping with a fixed amount and tax (intake/validation.py reads them from the payload).
- A code that matches no promotion valid on the date is an error naming the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, prefetch_related_objects

from oms.rows import Sent, select_list, send_instances
from orders.models import Promotion, ShippingMethod, TaxJurisdiction, Variant

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_tax(taxable: Decimal, rate: Decimal) -> Decimal:
    """The tax of one line: the unrounded rate on the discounted amount, rounded once to the cent, half up."""
    return money(taxable * rate)


@dataclass(frozen=True)
class LineInput:
    variant: Variant
    quantity: int
    fixed_unit_price: Decimal | None = None  # None: list price with promotions
    fixed_unit_discount: Decimal = Decimal(0)  # with a fixed price: a discount per unit kept from a source order
    fixed_tax: Decimal | None = None  # with a fixed price: the line's tax kept from a source order


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price: Decimal
    line_discount: Decimal
    tax_amount: Decimal
    line_total: Decimal
    promotion: Promotion | None = None


@dataclass
class PricedOrder:
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    invalid_codes: list[str] = field(default_factory=list)


def promotions_on(*, account, on: dt.date) -> list[Promotion]:
    """Active promotions valid on `on`, with their product and variant scopes, in three queries."""
    return list(promotions_query(account=account, on=on).prefetch_related("products", "variants"))


def promotions_query(*, account, on: dt.date):
    """Active promotions valid on `on` (without their scopes: `promotions_with_scopes`)."""
    return Promotion.objects.filter(account=account, is_active=True, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def promotions_send(*, account, on: dt.date) -> Sent:
    """`promotions_query` sent now (hand-written: it runs once per batch of orders); read with
    `promotions_with_scopes(sent.rows())`."""
    return send_instances(
        f"SELECT {select_list(Promotion, 'p')} FROM {Promotion._meta.db_table} p WHERE p.account_id = %s "
        "AND p.is_active AND p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s) "
        "ORDER BY p.valid_from, p.name",
        [account.pk, on, on], Promotion,
    )


def promotions_with_scopes(promotions: list[Promotion]) -> list[Promotion]:
    """Promotions read by `promotions_query` with their product and variant scopes (two queries, none without)."""
    prefetch_related_objects(promotions, "products", "variants")
    return promotions


def _in_scope(promotion: Promotion, variant: Variant) -> bool:
    if promotion.scope == Promotion.Scope.ALL:
        return True
    if promotion.scope == Promotion.Scope.PRODUCTS:
        return any(p.pk == variant.product_id for p in promotion.products.all())
    return any(v.pk == variant.pk for v in promotion.variants.all())


def _unit_discount(promotion: Promotion, unit_price: Decimal) -> Decimal:
    if promotion.kind == Promotion.Kind.PERCENTAGE:
        return unit_price * promotion.value / Decimal(100)
    return min(promotion.value, unit_price)


def promotion_line_discount(promotion: Promotion, *, variant: Variant, quantity: int, unit_price: Decimal) -> Decimal:
    """What `promotion` takes off `quantity` units of `variant` at `unit_price` (0 where it does not apply):
    its minimum quantity and scope (products or variants prefetched, as promotions_on does)."""
    if quantity < promotion.min_quantity or not _in_scope(promotion, variant):
        return ZERO
    return money(_unit_discount(promotion, unit_price) * quantity)


def price_lines(
    *,
    account,
    lines: list[LineInput],
    on: dt.date,
    codes: list[str] | tuple[str, ...] = (),
    shipping_method: ShippingMethod | None = None,
    tax_jurisdiction: TaxJurisdiction | None = None,
    promotions: list[Promotion] | None = None,
    fixed_shipping: Decimal | None = None,
    fixed_shipping_tax: Decimal = Decimal(0),
) -> PricedOrder:
    """Price `lines`; pass `promotions` (from promotions_on) to price many sets with no further query.
    `fixed_shipping` (and its tax, counted in the order's tax): a shipping amount charged elsewhere."""
    if promotions is None:
        promotions = promotions_on(account=account, on=on)
    wanted_codes = {c.strip().upper() for c in codes if c and c.strip()}
    known_codes = {p.code.upper() for p in promotions if p.code}
    usable = [p for p in promotions if not p.code or p.code.upper() in wanted_codes]
    rate = tax_jurisdiction.rate if tax_jurisdiction is not None else Decimal(0)

    priced: list[PricedLine] = []
    for line in lines:
        if line.fixed_unit_price is not None:
            unit_price, best = money(line.fixed_unit_price), None
            discount = money(min(line.fixed_unit_discount, unit_price) * line.quantity)
        else:
            unit_price = money(line.variant.price)
            best, discount = None, ZERO
            for promotion in usable:
                candidate = promotion_line_discount(
                    promotion, variant=line.variant, quantity=line.quantity, unit_price=unit_price
                )
                if candidate > discount:
                    best, discount = promotion, candidate
        gross = unit_price * line.quantity
        taxable = gross - discount
        if line.fixed_unit_price is not None and line.fixed_tax is not None:
            tax = money(line.fixed_tax)
        else:
            tax = line_tax(taxable, rate)
        priced.append(
            PricedLine(
                variant=line.variant,
                quantity=line.quantity,
                unit_price=unit_price,
                line_discount=discount,
                tax_amount=tax,
                line_total=money(taxable + tax),
                promotion=best,
            )
        )
    subtotal = money(sum((p.unit_price * p.quantity for p in priced), ZERO))
    discount_total = money(sum((p.line_discount for p in priced), ZERO))
    tax_total = money(sum((p.tax_amount for p in priced), ZERO))
    if fixed_shipping is not None:
        shipping_total = money(fixed_shipping)
        tax_total += money(fixed_shipping_tax)
    else:
        shipping_total = money(shipping_method.price) if shipping_method is not None else ZERO
    return PricedOrder(
        lines=priced,
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        tax_total=tax_total,
        total=subtotal - discount_total + tax_total + shipping_total,
        invalid_codes=sorted(wanted_codes - known_codes),
    )
