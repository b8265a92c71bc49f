import datetime as dt

import pytest
from django.utils import timezone

from orders.models import Customer, Order, OrderEvent
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, make_order

FULL_ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "line2": "Flat 3",
    "city": "London",
    "region": "Greater London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


class Maker:
    """Orders of one account, created `age` before `now` through the order service."""

    def __init__(self, account, now):
        self.account = account
        self.now = now
        self.variant = VariantFactory(product=ProductFactory(account=account), sku=f"SKU-{account.code}")

    def order(self, age: dt.timedelta, *, kind=Order.Kind.SALES, source=Order.Source.MANUAL, channel=None, **fields):
        fields.setdefault("billing", dict(FULL_ADDRESS))
        fields.setdefault("shipping", {**FULL_ADDRESS, "line1": "1 Shipping Rd", "postal_code": "90210", "country": "US"})
        fields.setdefault("customer_phone", "+44 20 7946 0000")
        fields.setdefault("notes", "Ring twice, ask for Ada")
        return make_order(
            self.account, [(self.variant, 2)], kind=kind, source=source, channel=channel,
            created_at=self.now - age, **fields,
        )


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def maker(world, now):
    return lambda account: Maker(account, now)


def snapshot(model, **filters) -> dict[int, dict]:
    """Every column of every row (the comparison "nothing else changed" is made on this)."""
    return {row["id"]: row for row in model.objects.filter(**filters).values()}


def all_rows() -> dict[str, dict]:
    return {"orders": snapshot(Order), "events": snapshot(OrderEvent), "customers": snapshot(Customer)}


def sales_channel(account, name, days=None, **fields):
    return ChannelFactory(account=account, name=name, pii_retention_days=days, **fields)
