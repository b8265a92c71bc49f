"""Judging a NormalizedOrder: completeness, references, values; and the account's carrier/service rules.

Every problem is written for an operator ("Line 2: SKU “X” is not a product of Northwind ...") and names
the field at fault, so the API can return it and the failure page can show it. Reads are a fixed number of
queries per order whatever the account's size: one per kind of reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.dateparse import parse_datetime

from accounts.choices import ValidationLevel
from accounts.selectors import warehouse_by_code
from accounts.models import Warehouse
from intake.models import Document, SkuAlias
from intake.normalized import NormalizedOrder
from oms.codes import country_problem, currency_mismatch, currency_problem
from oms.rows import select_list, send, send_instances
from orders.models import MAX_LINE_QUANTITY, REQUIRED_ADDRESS_FIELDS, Order, Product, ShippingMethod, Variant
from orders.pricing import CENT, LineInput, price_lines

ERROR = "error"
WARNING = "warning"
ADDRESS_LABELS = {
    "name": "name", "line1": "first address line", "city": "city", "postal_code": "postal code", "country": "country",
}
MAX_LINES = 500
MAX_UNIT_PRICE = Decimal("1000000")
MAX_LINE_TOTAL = Decimal("1000000000")  # a billion: line tax and the order's total (14 digits) stay storable


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message, "severity": self.severity}


@dataclass
class Checked:
    """What validation resolved, ready to become an OrderDraft when there is no error."""

    problems: list[Problem] = field(default_factory=list)
    lines: list[LineInput] = field(default_factory=list)
    warehouse: Warehouse | None = None
    shipping_method: ShippingMethod | None = None
    order_date: dt.date | None = None
    placed_at: dt.datetime | None = None
    # The channel's money (orders that carry it): per checked line its charged detail, and the order's.
    line_charged: list[dict] = field(default_factory=list)
    charged: dict = field(default_factory=dict)
    charged_shipping: Decimal | None = None  # net of its discounts (and of its tax when prices include it)
    charged_shipping_tax: Decimal = Decimal(0)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    def add(self, code: str, field_name: str, message: str, severity: str = ERROR) -> None:
        self.problems.append(Problem(code, field_name, message, severity))


def rule_level(*, account, document: str, code_kind: str, channel=None) -> str:
    """Warning or Error for a missing or unknown carrier/service code: the channel's override, else the account's."""
    if channel is not None and document == Document.SALES_ORDER:
        override = getattr(channel, f"sales_order_{code_kind}_rule", "")
        if override:
            return override
    return getattr(account, f"{document}_{code_kind}_rule")


def known_codes(*, account) -> tuple[set[str], set[str]]:
    """The carrier and service codes of the account's active shipping methods."""
    return _known_codes_send(account=account)()


def _known_codes_send(*, account) -> Callable[[], tuple[set[str], set[str]]]:
    sent = send(
        f"SELECT carrier_code, service_code FROM {ShippingMethod._meta.db_table} WHERE account_id = %s AND is_active",
        [account.pk],
    )
    return lambda: _codes(sent.rows())


def _codes(rows) -> tuple[set[str], set[str]]:
    carriers, services = set(), set()
    for carrier, service in rows:
        if carrier:
            carriers.add(carrier.upper())
        if service:
            services.add(service.upper())
    return carriers, services


def check_codes(
    checked: Checked, *, account, document: str, channel, carrier: str, service: str, known: tuple[set[str], set[str]]
) -> None:
    """Missing or unknown carrier and service codes, as a Warning or an Error per the rules."""
    label = Document(document).label.lower()
    for code_kind, value, codes in (("carrier", carrier, known[0]), ("service", service, known[1])):
        level = rule_level(account=account, document=document, code_kind=code_kind, channel=channel)
        severity = ERROR if level == ValidationLevel.ERROR else WARNING
        if not value:
            checked.add(
                f"missing_{code_kind}_code", f"{code_kind}_code",
                f"The {label} has no {code_kind} code.", severity,
            )
        elif codes and value not in codes:
            checked.add(
                f"unknown_{code_kind}_code", f"{code_kind}_code",
                f"{code_kind.capitalize()} code “{value}” is not one of the account's shipping methods "
                f"({', '.join(sorted(codes))}).", severity,
            )


def quantity_parse(value) -> int | None:
    """A whole number from a payload (an int, a whole float, or digits as text), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else None


def price_parse(value) -> Decimal | None:
    """A finite decimal amount from a payload (number or text), or None."""
    if isinstance(value, bool):
        return None
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() else None


def _from_line_total(total, quantity: int, price: Decimal | None) -> tuple[Decimal | None, Decimal]:
    """(unit price, discount per unit) that come to exactly `total` for `quantity` units: the cent-rounded-up
    unit price, less what that adds (10.00 for 3: 3.34 less 0.02 over the line). Else `price` as it was."""
    total = price_parse(total) if total not in (None, "") else None
    if total is None or not 0 <= total < MAX_LINE_TOTAL:
        return price, Decimal(0)
    unit = (total / quantity).quantize(Decimal("0.01"), rounding=ROUND_UP)
    return unit, (unit * quantity - total) / quantity


def variants_for(*, account, channel, skus: set[str]) -> dict[str, Variant]:
    """SKU as given -> the account's variant: its own SKU first, then an alias (the channel's before any)."""
    return _variants_send(account=account, channel=channel, skus=skus)()


def _variants_send(*, account, channel, skus: set[str]) -> Callable[[], dict[str, Variant]]:
    sent = send_instances(
        f"SELECT {select_list(Variant, 'v')}, {select_list(Product, 'p')} FROM {Variant._meta.db_table} v "
        f"JOIN {Product._meta.db_table} p ON p.id = v.product_id WHERE v.account_id = %s AND v.sku = ANY(%s)",
        [account.pk, sorted(skus)], Variant, Product,
    ) if skus else None

    def read() -> dict[str, Variant]:
        found = {}
        for variant, product in sent.rows() if sent is not None else []:
            variant.product = product
            found[variant.sku] = variant
        return _with_aliases(found, account=account, channel=channel, skus=skus)

    return read


def _with_aliases(found: dict[str, Variant], *, account, channel, skus: set[str]) -> dict[str, Variant]:
    missing = {s for s in skus if s not in found}
    if missing:
        # Aliases match whatever the case (as they are unique): the channel's own and the account-wide ones.
        scope = Q(channel__isnull=True)
        if channel is not None and channel.pk:
            scope |= Q(channel=channel)
        aliases = (
            SkuAlias.objects.filter(scope, account=account)
            .annotate(lowered=Lower("external_sku"))
            .filter(lowered__in={s.lower() for s in missing})
        )
        by_lower: dict[str, Variant] = {}
        for alias in sorted(aliases.select_related("variant__product"), key=lambda a: a.channel_id is None):
            by_lower.setdefault(alias.external_sku.lower(), alias.variant)
        for sku in missing:
            if sku.lower() in by_lower:
                found[sku] = by_lower[sku.lower()]
    return found


def warehouse_check(checked: Checked, *, account, code: str) -> Warehouse | None:
    """The active warehouse with this code, or a problem saying there is none (every document uses this)."""
    warehouse = warehouse_by_code(account=account, code=code)
    if warehouse is None or not warehouse.is_active:
        checked.add("unknown_warehouse", "warehouse", f"Warehouse “{code}” is not an active warehouse of {account.name}.")
        return None
    return warehouse


@dataclass
class Prefetched:
    """References read once for many orders of one account (and channel) checked together: the variants of
    every SKU they name (own SKUs, then the channel's and the account-wide aliases), the known carrier/service
    codes, and the warehouse an order without one ships from."""

    channel: object | None
    variants: dict[str, Variant]
    known: tuple[set[str], set[str]]
    default_warehouse: Warehouse | None

    @classmethod
    def read(cls, *, account, orders: list[NormalizedOrder], channel=None) -> Prefetched:
        return cls.send(account=account, orders=orders, channel=channel)()

    @classmethod
    def send(cls, *, account, orders: list[NormalizedOrder], channel=None) -> Callable[[], Prefetched]:
        """`read`'s queries sent now (in a pipeline, together with what else is sent before the first result is
        read); call what it returns to read them."""
        skus = {line.sku for order in orders for line in order.lines if line.sku}
        variants = _variants_send(account=account, channel=channel, skus=skus)
        known = _known_codes_send(account=account)
        warehouse = _default_warehouse_send(account=account, channel=channel)
        return lambda: cls(channel=channel, variants=variants(), known=known(), default_warehouse=warehouse())


def _default_warehouse(*, account, channel) -> Warehouse | None:
    """Where an order that names no warehouse ships from: the channel's first mapped one, else the account's."""
    return _default_warehouse_send(account=account, channel=channel)()


def _default_warehouse_send(*, account, channel) -> Callable[[], Warehouse | None]:
    mapped = own = None
    table = Warehouse._meta.db_table
    if channel is not None and channel.pk:
        mapping = type(channel).warehouses.through._meta.db_table
        mapped = send_instances(
            f"SELECT {select_list(Warehouse, 'w')} FROM {table} w JOIN {mapping} m ON m.warehouse_id = w.id "
            "WHERE m.channel_id = %s AND w.account_id = %s AND w.is_active ORDER BY w.code LIMIT 1",
            [channel.pk, account.pk], Warehouse,
        )
    if account.default_warehouse_id:
        own = send_instances(
            f"SELECT {select_list(Warehouse, 'w')} FROM {table} w WHERE w.id = %s AND w.account_id = %s "
            "AND w.is_active",
            [account.default_warehouse_id, account.pk], Warehouse,
        )
    return lambda: next(iter([*(mapped.rows() if mapped else []), *(own.rows() if own else [])]), None)


def _warehouse(checked: Checked, *, account, channel, code: str, prefetched: Prefetched | None = None) -> None:
    if code:
        warehouse = warehouse_check(checked, account=account, code=code)
        if warehouse is None:
            return
        if channel is not None and channel.pk and not channel.warehouses.filter(pk=warehouse.pk).exists() and channel.warehouses.exists():
            checked.add(
                "warehouse_not_mapped", "warehouse",
                f"Warehouse {warehouse.code} is not mapped to channel {channel.name}.",
            )
            return
        checked.warehouse = warehouse
        return
    checked.warehouse = (
        prefetched.default_warehouse if prefetched is not None else _default_warehouse(account=account, channel=channel)
    )
    if checked.warehouse is None:
        checked.add(
            "no_warehouse", "warehouse", "No warehouse to ship from: give one, map one to the channel, or set the "
            "account's default warehouse.", WARNING,
        )


def _address(checked: Checked, prefix: str, address: dict[str, str], label: str) -> None:
    for name in REQUIRED_ADDRESS_FIELDS:
        if not address.get(name):
            checked.add("required", f"{prefix}.{name}", f"The {label} has no {ADDRESS_LABELS[name]}.")
    country = address.get("country", "")
    if country and (problem := country_problem(country)):
        checked.add("invalid_country", f"{prefix}.country", f"{label.capitalize()}: {problem}")
    for name, value in address.items():
        limit = Order._meta.get_field(f"shipping_{name}").max_length
        if len(value) > limit:
            checked.add("too_long", f"{prefix}.{name}", f"The {label}'s {name} is longer than {limit} characters.")


def _amount(checked: Checked, value, *, where: str, label: str) -> Decimal | None:
    """A charged amount (0 up to a billion), or None with a problem saying why."""
    amount = price_parse(value) if value not in (None, "") else Decimal(0)
    if amount is None or not 0 <= amount < MAX_LINE_TOTAL:
        checked.add("invalid_amount", where, f"{label}: “{value}” is not an amount from 0 to {MAX_LINE_TOTAL - CENT:,}.")
        return None
    return amount


def _entries(checked: Checked, entries: list[dict], *, where: str, label: str) -> tuple[list[dict], Decimal] | None:
    """Charged discount or tax entries as stored (amounts as text) and their sum; None when one is not an amount."""
    kept, total, ok = [], Decimal(0), True
    for index, entry in enumerate(entries):
        amount = _amount(checked, entry.get("amount"), where=f"{where}[{index}].amount", label=label)
        if amount is None:
            ok = False
            continue
        item = {"title": entry.get("title", "")[:200], "amount": str(amount)}
        if entry.get("rate") not in (None, ""):
            item["rate"] = str(entry["rate"])[:20]
        kept.append(item)
        total += amount
    return (kept, total) if ok else None


def _charged_line(
    checked: Checked, order: NormalizedOrder, index: int, *, variant, quantity: int, price: Decimal | None
) -> tuple[LineInput, dict] | None:
    """The line as the channel charged it: its unit price, its discounts and its tax, never re-priced. With tax
    included in prices, the line holds the net (price less tax) and the tax, so it still comes to what was
    charged; a net that does not divide by the quantity is rounded up a cent a unit and the rest discounted."""
    line, where, label = order.lines[index], f"lines[{index}]", f"Line {index + 1}"
    discounts = _entries(checked, line.charged_discounts, where=f"{where}.discounts", label=f"{label}, discount")
    taxes = _entries(checked, line.charged_taxes, where=f"{where}.taxes", label=f"{label}, tax")
    if discounts is None or taxes is None:
        return None
    unit = price if price is not None else variant.price
    gross = unit * quantity
    if line.line_total not in (None, ""):
        gross = _amount(checked, line.line_total, where=f"{where}.line_total", label=label)
        if gross is None:
            return None
    net = gross - taxes[1] if order.taxes_included else gross
    if discounts[1] > gross or net < 0:
        checked.add(
            "invalid_amount", f"{where}.discounts",
            f"{label}: its discounts ({discounts[1]}) and tax ({taxes[1]}) are more than the line's price ({gross}).",
        )
        return None
    net_unit = (net / quantity).quantize(CENT, rounding=ROUND_UP)
    per_unit_discount = (net_unit * quantity - net + discounts[1]) / quantity
    charged = {"unit_price": str(unit), "discounts": discounts[0], "taxes": taxes[0]}
    if order.taxes_included:
        charged["taxes_included"] = True
    return (
        LineInput(variant=variant, quantity=quantity, fixed_unit_price=net_unit, fixed_unit_discount=per_unit_discount,
                  fixed_tax=taxes[1]),
        charged,
    )


def _charged_order(checked: Checked, *, account, order: NormalizedOrder, channel) -> None:
    """The channel's shipping lines and order discounts as kept, and its total checked against the parts."""
    shipping, shipping_tax, kept = Decimal(0), Decimal(0), []
    for index, raw in enumerate(order.shipping_lines):
        where, label = f"shipping_lines[{index}]", f"Shipping line {index + 1}"
        price = _amount(checked, raw.get("price"), where=f"{where}.price", label=label)
        discounts = _entries(checked, raw.get("discounts") or [], where=f"{where}.discounts", label=f"{label}, discount")
        taxes = _entries(checked, raw.get("taxes") or [], where=f"{where}.taxes", label=f"{label}, tax")
        if price is None or discounts is None or taxes is None:
            continue
        net = price - discounts[1] - (taxes[1] if order.taxes_included else 0)
        if net < 0:
            checked.add(
                "invalid_amount", f"{where}.discounts",
                f"{label}: its discounts ({discounts[1]}) are more than its price ({price}).",
            )
            continue
        shipping += net
        shipping_tax += taxes[1]
        kept.append({"title": str(raw.get("title") or "")[:200], "price": str(price), "discounts": discounts[0],
                     "taxes": taxes[0]})
    order_discounts = _entries(checked, order.order_discounts, where="order_discounts", label="Order discount")
    total = None
    if order.charged_total not in (None, ""):
        total = _amount(checked, order.charged_total, where="total", label="The channel's total")
    if checked.errors:
        return
    if kept:
        checked.charged_shipping, checked.charged_shipping_tax = shipping, shipping_tax
    checked.charged = {
        "total": str(total) if total is not None else None, "taxes_included": order.taxes_included,
        "shipping_lines": kept, "discounts": order_discounts[0] if order_discounts else [],
    }
    if total is None:
        return
    priced = price_lines(
        account=account, lines=checked.lines, on=checked.order_date, promotions=[], shipping_method=checked.shipping_method,
        fixed_shipping=checked.charged_shipping, fixed_shipping_tax=checked.charged_shipping_tax,
    )
    if priced.total != total:
        level = account.sales_order_total_rule
        currency = order.currency or account.currency or ""
        checked.add(
            "total_mismatch", "total",
            f"The channel's total is {total} {currency} but its lines, shipping, discounts and taxes come to "
            f"{priced.total} {currency} (a difference of {total - priced.total}).".replace("  ", " "),
            ERROR if level == ValidationLevel.ERROR else WARNING,
        )


def order_check(
    *, account, order: NormalizedOrder, channel=None, source: str, known=None, prefetched: Prefetched | None = None
) -> Checked:
    """Everything wrong with `order` for `account`; resolved lines, warehouse and dates when nothing is.

    `prefetched`: references already read (Prefetched.read, for the same channel) for a batch of orders."""
    if prefetched is not None:
        assert prefetched.channel == channel, "prefetched references are read for another channel"
        known = prefetched.known
    checked = Checked()
    if channel is not None and channel.account_id != account.pk:
        checked.add("unknown_channel", "channel", f"Channel {channel.name} is not a channel of {account.name}.")
    if channel is not None and not order.external_id:
        checked.add("required", "external_id", f"The order from {channel.name} has no order id.")
    if len(order.external_id) > 100:
        checked.add("too_long", "external_id", "The order id is longer than 100 characters.")
    if not order.lines:
        checked.add("required", "lines", "The order has no lines.")
    if len(order.lines) > MAX_LINES:
        checked.add("too_many_lines", "lines", f"The order has {len(order.lines)} lines; at most {MAX_LINES} are accepted.")
    if not order.customer_name and not order.shipping.get("name"):
        checked.add("required", "customer.name", "The order has no customer name.")
    if order.customer_email:
        try:
            validate_email(order.customer_email)
        except ValidationError:
            checked.add("invalid_email", "customer.email", f"“{order.customer_email}” is not an email address.")
        else:
            if len(order.customer_email) > Order._meta.get_field("customer_email").max_length:
                checked.add("too_long", "customer.email", "The customer's email is longer than 254 characters.")
    if len(order.customer_name) > 200 or len(order.customer_phone) > 40:
        checked.add("too_long", "customer", "The customer's name (200) or phone (40 characters) is too long.")
    _address(checked, "shipping_address", order.shipping, "shipping address")
    if order.billing is not None:
        _address(checked, "billing_address", order.billing, "billing address")
    if order.currency and (problem := currency_problem(order.currency)):
        checked.add("invalid_currency", "currency", problem)
    elif problem := currency_mismatch(currency=order.currency or account.currency, account=account):
        checked.add("currency_mismatch", "currency", problem)

    checked.order_date = account.today()
    if order.order_date:
        try:
            checked.order_date = (
                order.order_date if isinstance(order.order_date, dt.date) else dt.date.fromisoformat(str(order.order_date)[:10])
            )
        except ValueError:
            checked.add("invalid_date", "order_date", f"“{order.order_date}” is not a date (YYYY-MM-DD).")
    if order.placed_at:
        try:
            placed = parse_datetime(str(order.placed_at))
        except ValueError:
            placed = None
        if placed is not None and placed.tzinfo is not None:
            checked.placed_at = placed.astimezone(dt.UTC)
            # The channel's timestamp decides the date, as the account's clock read it (not the UTC date).
            checked.order_date = placed.astimezone(account.zone).date()

    charged_money = order.has_charged_money
    skus = {line.sku for line in order.lines if line.sku}
    variants = prefetched.variants if prefetched is not None else variants_for(account=account, channel=channel, skus=skus)
    for index, line in enumerate(order.lines):
        where = f"lines[{index}]"
        label = f"Line {index + 1}"
        quantity = quantity_parse(line.quantity)
        if line.quantity is None or line.quantity == "":
            checked.add("invalid_quantity", f"{where}.quantity", f"{label} has no quantity.")
        elif quantity is None or not 1 <= quantity <= MAX_LINE_QUANTITY:
            checked.add(
                "invalid_quantity", f"{where}.quantity",
                f"{label}: quantity “{line.quantity}” is not a whole number from 1 to {MAX_LINE_QUANTITY:,}.",
            )
        price = None
        if line.unit_price not in (None, ""):
            price = price_parse(line.unit_price)
            if price is None or not 0 <= price < MAX_UNIT_PRICE:
                checked.add(
                    "invalid_price", f"{where}.unit_price",
                    f"{label}: price “{line.unit_price}” is not an amount from 0 to {MAX_UNIT_PRICE - Decimal('0.01'):,}.",
                )
                price = None
        if not line.sku:
            checked.add("required", f"{where}.sku", f"{label} has no SKU.")
            continue
        variant = variants.get(line.sku)
        if variant is None:
            checked.add(
                "unknown_sku", f"{where}.sku",
                f"{label}: SKU “{line.sku}” is not a product of {account.name}. Map it to one of its SKUs or add the product.",
            )
            continue
        if not variant.is_active or not variant.product.is_active:
            checked.add("inactive_sku", f"{where}.sku", f"{label}: SKU {variant.sku} is not for sale (inactive).")
            continue
        if quantity is not None and 1 <= quantity <= MAX_LINE_QUANTITY and charged_money:
            found = _charged_line(checked, order, index, variant=variant, quantity=quantity, price=price)
            if found is not None:
                if found[0].fixed_unit_price * quantity >= MAX_LINE_TOTAL:
                    checked.add(
                        "too_large", f"{where}.quantity",
                        f"{label}: {quantity:,} × {variant.sku} comes to a billion or more; split the order.",
                    )
                    continue
                checked.lines.append(found[0])
                checked.line_charged.append(found[1])
        elif quantity is not None and 1 <= quantity <= MAX_LINE_QUANTITY:
            price, unit_discount = _from_line_total(line.line_total, quantity, price)
            if (price if price is not None else variant.price) * quantity >= MAX_LINE_TOTAL:
                checked.add(
                    "too_large", f"{where}.quantity",
                    f"{label}: {quantity:,} × {variant.sku} comes to a billion or more; split the order.",
                )
                continue
            checked.lines.append(LineInput(
                variant=variant, quantity=quantity, fixed_unit_price=price, fixed_unit_discount=unit_discount,
            ))

    if order.shipping_method:
        checked.shipping_method = ShippingMethod.objects.filter(
            account=account, code__iexact=order.shipping_method, is_active=True
        ).first()
        if checked.shipping_method is None:
            checked.add("unknown_shipping_method", "shipping_method", f"Shipping method “{order.shipping_method}” is unknown.")
    for name in ("carrier_code", "service_code"):
        limit = Order._meta.get_field(name).max_length
        if len(getattr(order, name)) > limit:
            checked.add("too_long", name, f"The {name.replace('_', ' ')} is longer than {limit} characters.")
    carrier = order.carrier_code or (checked.shipping_method.carrier_code.upper() if checked.shipping_method else "")
    service = order.service_code or (checked.shipping_method.service_code.upper() if checked.shipping_method else "")
    check_codes(
        checked, account=account, document=Document.SALES_ORDER, channel=channel, carrier=carrier, service=service,
        known=known if known is not None else known_codes(account=account),
    )
    _warehouse(checked, account=account, channel=channel, code=order.warehouse, prefetched=prefetched)
    if charged_money:
        _charged_order(checked, account=account, order=order, channel=channel)
    return checked
