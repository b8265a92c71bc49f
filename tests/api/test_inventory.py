"""GET /inventory and POST /inventory/adjustments (through stock_adjust: a ledger entry, never below allocated)."""

from inventory.models import StockLevel, StockMovement
from tests import factories


def test_levels_are_listed_filtered_and_paged(world, store_api):
    second = factories.WarehouseFactory(account=world.store, code="EAST")
    variants = [factories.VariantFactory(account=world.store, sku=f"INV-{i}") for i in range(3)]
    for v in variants:
        factories.stock(v, world.store.default_warehouse, 5)
        factories.stock(v, second, 7)
    seen, cursor = [], None
    while True:
        response = store_api.get("/inventory", {"limit": 4, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        seen += [(i["sku"], i["warehouse"], i["on_hand"], i["available"]) for i in response.json()["items"]]
        cursor = response.json()["next"]
        if not cursor:
            break
    assert sorted(seen) == sorted([(v.sku, "MAIN", 5, 5) for v in variants] + [(v.sku, "EAST", 7, 7) for v in variants])

    only = store_api.get("/inventory", {"sku": "INV-1", "warehouse": "east"}).json()["items"]
    assert [(i["sku"], i["warehouse"]) for i in only] == [("INV-1", "EAST")]


def test_an_adjustment_changes_on_hand_with_one_ledger_entry(world, store_api, mug):
    response = store_api.post("/inventory/adjustments", {"sku": "MUG-1", "delta": -5, "reason": "Broken in transit"})

    assert response.status_code == 201, response.content
    assert response.json() | {"updated_at": None} == {
        "sku": "MUG-1", "warehouse": "MAIN", "on_hand": 45, "allocated": 0, "available": 45, "updated_at": None,
    }
    entry = StockMovement.objects.filter(variant=mug).latest("id")
    assert entry.on_hand_delta == -5 and entry.reason == "Broken in transit"

    counted = store_api.post("/inventory/adjustments", {"sku": "MUG-1", "warehouse": "main", "set_on_hand": 60,
                                                          "reason": "Stock count"})
    assert counted.status_code == 201 and counted.json()["on_hand"] == 60


def test_refused_adjustments_are_422_and_change_nothing(world, store_api, mug):
    factories.make_order(world.store, [(mug, 10)], warehouse=world.store.default_warehouse)
    before = StockMovement.objects.filter(variant=mug).count()
    cases = [
        ({"sku": "MUG-1", "set_on_hand": 3, "reason": "Count"}, "below_allocated"),
        ({"sku": "NOPE", "delta": 1, "reason": "Count"}, "unknown_sku"),
        ({"sku": "MUG-1", "warehouse": "NOWHERE", "delta": 1, "reason": "Count"}, "unknown_warehouse"),
        ({"sku": "MUG-1", "delta": 1, "set_on_hand": 1, "reason": "Count"}, "invalid"),
        ({"sku": "MUG-1", "delta": 1, "reason": "  "}, "invalid"),
        ({"sku": "MUG-1", "delta": 10**12, "reason": "Count"}, "invalid"),
    ]
    for body, code in cases:
        response = store_api.post("/inventory/adjustments", body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["code"] == code, (body, response.json())
    assert StockMovement.objects.filter(variant=mug).count() == before
    assert StockLevel.objects.get(variant=mug).on_hand == 50
