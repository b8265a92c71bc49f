"""The one shape every order payload is turned into before validation (see intake/adapters/).

Values stay as the payload gave them, only trimmed; intake/validation.py judges them, so an adapter never
rejects an order for a bad value, only for a payload it cannot read at all (PayloadUnreadable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from orders.models import ADDRESS_FIELDS


class PayloadUnreadable(Exception):
    """The payload is not the shape its adapter reads (not an object, lines not a list, ...)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def text(value: Any) -> str:
    """Trimmed text with inner runs of whitespace collapsed; None and missing become ""."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def address(values: dict[str, Any] | None) -> dict[str, str]:
    values = values or {}
    result = {name: text(values.get(name)) for name in ADDRESS_FIELDS}
    result["country"] = result["country"].upper()
    return result


@dataclass
class NormalizedLine:
    sku: str
    quantity: Any
    unit_price: Any = None  # None: the account's list price (with promotions)
    name: str = ""
    line_total: Any = None  # the price of all the units, when that is what the channel gives (it wins)
    # What the channel charged, kept as given: [{"title", "amount"}] and [{"title", "rate", "amount"}].
    charged_discounts: list[dict] = field(default_factory=list)
    charged_taxes: list[dict] = field(default_factory=list)


@dataclass
class NormalizedOrder:
    external_id: str = ""
    lines: list[NormalizedLine] = field(default_factory=list)
    order_date: Any = None  # "YYYY-MM-DD", a date, or None for today in the account's timezone
    placed_at: Any = None  # ISO 8601 timestamp from the channel, kept as created_at when valid
    currency: str = ""
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    shipping: dict[str, str] = field(default_factory=lambda: address(None))
    billing: dict[str, str] | None = None  # None: same as shipping
    carrier_code: str = ""
    service_code: str = ""
    shipping_method: str = ""  # the account's shipping method code
    warehouse: str = ""  # warehouse code; blank: the channel's first warehouse or the account's default
    discount_codes: list[str] = field(default_factory=list)
    notes: str = ""
    # The channel's money for the whole order, when it gives it (None/empty: the OMS prices the order).
    # shipping_lines: [{"title", "price", "discounts": [{"title", "amount"}], "taxes": [{"title", "rate", "amount"}]}]
    # order_discounts: [{"title", "amount"}], what the channel says it took off (its allocations are on the lines).
    shipping_lines: list[dict] = field(default_factory=list)
    order_discounts: list[dict] = field(default_factory=list)
    charged_total: Any = None
    taxes_included: bool = False  # prices (lines and shipping) include their tax

    @property
    def has_charged_money(self) -> bool:
        return bool(
            self.charged_total not in (None, "") or self.shipping_lines or self.order_discounts
            or any(line.charged_discounts or line.charged_taxes for line in self.lines)
        )

    def value_estimate(self):
        """Order value from the payload's own prices, for ranking failures by impact; 0 when unknown."""
        from decimal import Decimal, InvalidOperation

        total = Decimal(0)
        for line in self.lines:
            try:
                total += Decimal(str(line.unit_price)) * int(line.quantity)
            except (InvalidOperation, TypeError, ValueError):
                continue
        return total if total.is_finite() and 0 <= total < Decimal("1e12") else Decimal(0)

    def fingerprint(self, *, received_on: dt.date) -> str:
        """Who, what and when, for a payload without an external id: a corrected resend and the replay of its
        rejected copy have the same one, so only one of them becomes an order. The customer is the email (else
        the name), the lines their SKUs and quantities in any order (2 and "2" alike), the time the channel's
        timestamp, else the order date, else the day the payload came in; and the recipient's name, so the same
        items sent the same day to someone else (a gift) stay another order. The rest of the address is left out:
        it is what a correction most often fixes. "" without a customer or lines."""
        who = self.customer_email.casefold() or (self.customer_name or self.shipping.get("name", "")).casefold()
        what = sorted([line.sku.casefold(), _count(line.quantity)] for line in self.lines)
        if not who or not what:
            return ""
        when = text(self.placed_at) or text(self.order_date) or received_on.isoformat()
        to = " ".join(text(self.shipping.get("name")).casefold().split())
        return hashlib.sha256(json.dumps([who, what, when, to]).encode()).hexdigest()


def _count(quantity: Any) -> str:
    """A quantity as the fingerprint reads it: 2, "2", " 2 " and 2.0 alike; anything else as its text."""
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    value = text(quantity)
    return str(int(value)) if value.isdecimal() and len(value) <= 9 else value  # isdigit() lets "²" through


def amounts(items: Any, *, field_name: str, title: str = "title", amount: str = "amount", rate: str | None = None) -> list[dict]:
    """A channel's list of discount or tax entries as [{"title", "amount"(, "rate")}], values as given."""
    result = []
    for index, item in enumerate(as_list(items, field_name=field_name)):
        item = as_object(item, field_name=f"{field_name}[{index}]")
        entry = {"title": text(item.get(title)), "amount": item.get(amount)}
        if rate is not None:
            entry["rate"] = item.get(rate)
        result.append(entry)
    return result


def as_list(value: Any, *, field_name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadUnreadable(f"“{field_name}” must be a list.", field=field_name)
    return value


def as_object(value: Any, *, field_name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadUnreadable(f"“{field_name}” must be an object.", field=field_name)
    return value
