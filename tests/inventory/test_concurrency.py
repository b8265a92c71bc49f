"""20 allocations racing for 10 available units: exactly 10 succeed (real threads, real PostgreSQL)."""

from django.db import connection

from accounts.services import account_create, warehouse_create
from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_ledger_drift
from inventory.services import StockShortage, stock_allocate
from tests.concurrency import run_in_parallel
from tests.factories import ProductFactory, VariantFactory
from tests.inventory.conftest import receive


def test_twenty_parallel_allocations_of_one_unit_against_ten_available_exactly_ten_succeed(committed_org):
    connection.set_tenant(committed_org)
    account, _ = account_create(name="Hot Shop", by=None)
    warehouse = warehouse_create(account=account, by=None, name="Main", code="MAIN")
    variant = VariantFactory(product=ProductFactory(account=account), sku="HOT")
    receive(variant, warehouse, 10)

    def allocate_one():
        return stock_allocate(account=account, warehouse=warehouse, quantities=[(variant.pk, 1)])

    results = run_in_parallel(committed_org, [allocate_one for _ in range(20)])
    connection.set_tenant(committed_org)
    ok = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "error"]
    assert len(ok) == 10 and len(refused) == 10, results
    assert all(isinstance(exc, StockShortage) for _, exc in refused), refused
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    assert (level.on_hand, level.allocated) == (10, 10)
    assert StockMovement.objects.filter(variant=variant, kind="allocation").count() == 10
    assert stock_ledger_drift(account=account) == []
