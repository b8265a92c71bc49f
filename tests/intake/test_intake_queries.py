"""One intake costs the same number of queries however large the account is."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.models import Source
from intake.services import intake_submit
from orders.models import ShippingMethod
from tests import factories

MAX_QUERIES = 30


def body(n: int, skus: list[str]) -> dict:
    return {
        "external_id": f"Q-{n}",
        "customer": {"name": "Grace Hopper", "email": "grace@example.com"},
        "shipping_address": {"name": "Grace Hopper", "line1": "1 Harbor Way", "city": "Arlington",
                             "postal_code": "22201", "country": "US"},
        "lines": [{"sku": sku, "quantity": 1} for sku in skus],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }


def queries_for(account, n: int, skus: list[str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = intake_submit(account=account, payload=body(n, skus), source=Source.API)
    assert result.accepted, result.problems
    return len(captured)


def test_query_count_does_not_grow_with_orders_or_skus(world):
    account = world.store
    ShippingMethod.objects.create(account=account, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND")
    variants = [factories.VariantFactory(account=account, sku=f"S-{n}") for n in range(5)]
    for variant in variants:
        factories.stock(variant, account.default_warehouse, 1_000)
    skus = [v.sku for v in variants]
    queries_for(account, 0, skus)  # first order: the number counter row and customer are created
    small = queries_for(account, 1, skus)

    more = [factories.VariantFactory(account=account, sku=f"M-{n}") for n in range(40)]
    for variant in more:
        factories.stock(variant, account.default_warehouse, 1_000)
    for n in range(2, 40):
        intake_submit(account=account, payload=body(n, [v.sku for v in more[n % 35:n % 35 + 5]]), source=Source.API)
    large = queries_for(account, 99, skus)

    assert small == large
    assert large <= MAX_QUERIES
