"""Set-up shared by the channel import, retry, replay, failures page, CSV and manual order tests."""

from __future__ import annotations

from decimal import Decimal

from intake.models import IntakeFailure, Source
from intake.services import intake_submit
from tests import factories

ADDRESS = {"name": "Ada Lovelace", "street": "1 Analytical St", "city": "Boston", "state": "MA", "zip": "02110",
           "country": "US"}


def sandbox_order(order_id: str, *items: tuple[str, int, str], **changes) -> dict:
    """A sandbox-marketplace order payload; `items` are (sku, qty, price)."""
    body = {
        "id": order_id,
        "created": "2026-11-23T10:00:00Z",
        "currency": "USD",
        "buyer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 555 0100"},
        "ship_to": dict(ADDRESS),
        "items": [{"sku": sku, "qty": qty, "price": price} for sku, qty, price in (items or [("MUG-1", 1, "9.50")])],
        "shipping": {"carrier": "UPS", "service": "GROUND"},
    }
    body.update(changes)
    return body


def oms_order(external_id: str = "WEB-1", *lines: tuple[str, int, str | None], **changes) -> dict:
    body = {
        "external_id": external_id,
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Boston",
                             "postal_code": "02110", "country": "US"},
        "lines": [{"sku": s, "quantity": q, "unit_price": p} for s, q, p in (lines or [("MUG-1", 1, "9.50")])],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }
    body.update(changes)
    return body


def serve_orders(sandbox, orders: list[dict], *, append: bool = False) -> None:
    """What the sandbox marketplace's GET /orders answers from now on."""
    sandbox.control("POST", "/_orders" + ("?append=1" if append else ""), orders)


def mug(account, *, sku: str = "MUG-1", on_hand: int = 50, price: str = "12.00"):
    """A SKU of `account` with stock in its default warehouse."""
    variant = factories.VariantFactory(account=account, product=factories.ProductFactory(account=account), sku=sku,
                                       price=Decimal(price))
    if account.default_warehouse_id:
        factories.stock(variant, account.default_warehouse, on_hand)
    return variant


def sales_channel(account, name: str = "Sandbox", **fields):
    """A sales channel reading sandbox-format orders, without a connection (retries never call it)."""
    fields.setdefault("order_format", "sandbox")
    return factories.ChannelFactory(account=account, name=name, **fields)


def failure(account, *, channel=None, external_id: str = "SBX-1", sku: str = "THEIR-MUG", qty: int = 1,
            price: str = "9.50", dead: bool = True, source: str | None = None) -> IntakeFailure:
    """A failure kept by intake itself: an order whose SKU the account does not know."""
    if channel is not None:
        payload, fmt = sandbox_order(external_id, (sku, qty, price)), channel.order_format
    else:
        payload, fmt = oms_order(external_id, (sku, qty, price)), "oms"
    result = intake_submit(
        account=account, payload=payload, channel=channel, source=source or (Source.CHANNEL if channel else Source.API),
        payload_format=fmt, retry=False if dead else None,
    )
    assert result.failure is not None, result
    return result.failure
