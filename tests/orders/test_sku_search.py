"""Searching by a SKU on very many lines (more than SKU_IDS_MAX): every order holding it, in the chosen sort,
with no other, and the count."""

import datetime as dt
from decimal import Decimal

from orders.selectors import OrderFilters, order_page
from tests.factories import ProductFactory, VariantFactory, make_orders, order_draft

BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_a_sku_on_many_lines_finds_all_its_orders_in_each_sort(world, monkeypatch):
    import orders.selectors as selectors

    monkeypatch.setattr(selectors, "SKU_IDS_MAX", 3)
    product = ProductFactory(account=world.store)
    old, new = (VariantFactory(product=product, sku=s, price=Decimal("3.00")) for s in ("OLD-1", "NEW-1"))
    made = make_orders(world.store, [
        order_draft(world.store, [(old if n < 12 else new, 1 + n % 4)], created_at=BASE + dt.timedelta(hours=n))
        for n in range(30)
    ])
    outlet_variant = VariantFactory(product=ProductFactory(account=world.outlet), sku="OLD-1")
    make_orders(world.outlet, [order_draft(world.outlet, [(outlet_variant, 1)], created_at=BASE)])
    holding = [o for o in made if o.lines.first().sku == "OLD-1"]

    for sort, key in [("-created", lambda o: (o.created_at, o.pk)), ("items", lambda o: (o.units, o.pk))]:
        seen, after = [], None
        while True:
            page = order_page(account=world.store, filters=OrderFilters(q="old-1"), sort=sort, after=after, size=5,
                              count=True)
            seen += [o.number for o in page.orders]
            assert page.count == 12
            if page.older is None:
                break
            after = page.older
        wanted = sorted(holding, key=key, reverse=sort.startswith("-"))
        assert seen == [o.number for o in wanted]
