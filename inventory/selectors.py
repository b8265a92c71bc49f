from django.db.models import F

from inventory.models import StockLevel


def stock_available(*, account, warehouse, variant_ids) -> dict[int, int]:
    """Available quantity per variant id in `warehouse` (0 where there is no stock row), in one query."""
    found = dict(
        StockLevel.objects.filter(account=account, warehouse=warehouse, variant_id__in=list(variant_ids))
        .annotate(free=F("on_hand") - F("allocated"))
        .values_list("variant_id", "free")
    )
    return {variant_id: found.get(variant_id, 0) for variant_id in variant_ids}
