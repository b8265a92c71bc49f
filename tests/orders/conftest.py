import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from orders.models import Promotion, ShippingMethod, TaxJurisdiction
from tests.factories import ProductFactory, VariantFactory, WarehouseFactory, make_order, stock


@dataclass
class Shop:
    account: object
    warehouse: object
    other_warehouse: object
    variants: list
    ground: ShippingMethod
    express: ShippingMethod
    ny_tax: TaxJurisdiction
    ca_tax: TaxJurisdiction
    order: object  # source: 2 × v0, 1 × v1, 3 × v2, SPRING10 applied


@pytest.fixture
def shop(world) -> Shop:
    account = world.store
    warehouse = account.default_warehouse
    other = WarehouseFactory(account=account, name="East", code="EAST")
    product = ProductFactory(account=account, name="Tee")
    prices = [Decimal("20.00"), Decimal("35.50"), Decimal("9.99"), Decimal("100.00")]
    variants = [VariantFactory(product=product, sku=f"TEE-{i}", name=f"Tee {i}", price=p) for i, p in enumerate(prices)]
    for v in variants:
        stock(v, warehouse, 50)
        stock(v, other, 5)
    ground = ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price=Decimal("5.00"),
                                           carrier_code="UPS", service_code="GND")
    express = ShippingMethod.objects.create(account=account, code="EXPRESS", name="Express", price=Decimal("25.00"),
                                            carrier_code="FEDEX", service_code="2DAY")
    ny = TaxJurisdiction.objects.create(account=account, code="US-NY", name="New York", rate=Decimal("0.08875"))
    ca = TaxJurisdiction.objects.create(account=account, code="US-CA", name="California", rate=Decimal("0.0725"))
    Promotion.objects.create(account=account, name="Spring", kind="percentage", value=10, code="SPRING10",
                             valid_from=dt.date.today() - dt.timedelta(days=30))
    order = make_order(
        account,
        [(variants[0], 2), (variants[1], 1), (variants[2], 3)],
        warehouse=warehouse,
        codes=["SPRING10"],
        shipping_method=ground,
        tax_jurisdiction=ny,
        customer_phone="+44 20 7946 0000",
        notes="Leave at the door",
    )
    return Shop(account, warehouse, other, variants, ground, express, ny, ca, order)


@dataclass
class Desk:
    """World's store with one SKU (10 in MAIN, 4 in EAST) and an allocated order of 3 in MAIN."""

    account: object
    main: object
    east: object
    variant: object
    order: object


@pytest.fixture
def desk(world) -> Desk:
    account = world.store
    main = account.default_warehouse
    east = WarehouseFactory(account=account, name="East", code="EAST")
    variant = VariantFactory(product=ProductFactory(account=account, name="Lamp"), sku="LAMP-1", name="Lamp")
    stock(variant, main, 10)
    stock(variant, east, 4)
    order = make_order(account, [(variant, 3)], warehouse=main, customer_name="Ada Lovelace")
    return Desk(account, main, east, variant, order)
