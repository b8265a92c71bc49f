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


def stock_available_for_channel(*, channel, variant_ids) -> dict[int, int]:
    """Available per variant summed over the channel's mapped warehouses only (0 where none), in one query."""
    from django.db.models import Sum

    found = dict(
        StockLevel.objects.filter(
            account_id=channel.account_id, variant_id__in=list(variant_ids), warehouse__channels=channel
        )
        .values("variant_id")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
        .values_list("variant_id", "free")
    )
    return {variant_id: max(0, found.get(variant_id) or 0) for variant_id in variant_ids}


def stock_levels(*, account, query: str = ""):
    """Levels of `account` by SKU and warehouse, searchable by SKU or name."""
    from django.db.models import Q

    levels = StockLevel.objects.filter(account=account).select_related("variant", "warehouse")
    if query:
        levels = levels.filter(Q(variant__sku__icontains=query) | Q(variant__name__icontains=query))
    return levels.annotate(free=F("on_hand") - F("allocated")).order_by("variant__sku", "warehouse__code")


def stock_movements(*, account, variant, limit: int = 200):
    from inventory.models import StockMovement

    return (
        StockMovement.objects.filter(account=account, variant=variant)
        .select_related("warehouse", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


def inventory_dead_letters(*, account, limit: int = 100):
    from inventory.models import InventoryPush

    return (
        InventoryPush.objects.filter(account=account, status=InventoryPush.Status.DEAD)
        .select_related("channel", "variant")
        .order_by("-created_at")[:limit]
    )


def stock_ledger_drift(*, account=None) -> list[dict]:
    """Levels whose on hand or allocated differ from their ledger sums (missing levels or entries too)."""
    from django.db import connection

    where, params = ("WHERE COALESCE(l.account_id, m.account_id) = %s", [account.pk]) if account else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(l.account_id, m.account_id), COALESCE(l.variant_id, m.variant_id),
                   COALESCE(l.warehouse_id, m.warehouse_id),
                   COALESCE(l.on_hand, 0), COALESCE(m.on_hand, 0), COALESCE(l.allocated, 0), COALESCE(m.allocated, 0)
              FROM inventory_stocklevel l
              FULL OUTER JOIN (
                   SELECT account_id, variant_id, warehouse_id,
                          SUM(on_hand_delta) AS on_hand, SUM(allocated_delta) AS allocated
                     FROM inventory_stockmovement GROUP BY account_id, variant_id, warehouse_id
              ) m ON m.variant_id = l.variant_id AND m.warehouse_id = l.warehouse_id
             {where}
            """,
            params,
        )
        rows = cursor.fetchall()
    return [
        {"account_id": a, "variant_id": v, "warehouse_id": w, "on_hand": oh, "ledger_on_hand": loh,
         "allocated": al, "ledger_allocated": lal}
        for a, v, w, oh, loh, al, lal in rows
        if oh != loh or al != lal
    ]


def variant_get_for_account(*, account, sku: str):
    """The variant with this SKU in `account`; the same 404 for a SKU that does not exist and another account's."""
    from django.http import Http404

    from orders.models import Variant

    variant = Variant.objects.filter(account=account, sku=sku).first()
    if variant is None:
        raise Http404("No such SKU.")
    return variant


def _waiting_skus(channel_ref):
    from django.db.models import Count

    from inventory.models import InventoryPush

    return (
        InventoryPush.objects.filter(channel=channel_ref, status=InventoryPush.Status.PENDING)
        .order_by()
        .values("channel")
        .annotate(skus=Count("variant", distinct=True))
        .values_list("skus", flat=True)
    )


def channels_with_push_state(channels):
    """`channels` with their push circuit and `push_waiting` (SKUs whose stock change has not reached the
    channel yet), in the same query."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    return channels.select_related("push_circuit").annotate(
        push_waiting=Coalesce(Subquery(_waiting_skus(OuterRef("pk"))), 0)
    )


def push_state_for_channel(*, channel) -> dict:
    """The channel's push circuit (None before its first failure) and how many SKUs wait to be sent to it."""
    from inventory.models import InventoryPush, PushCircuit

    return {
        "circuit": PushCircuit.objects.filter(channel=channel).first(),
        "waiting": InventoryPush.objects.filter(channel=channel, status=InventoryPush.Status.PENDING)
        .values("variant").distinct().count(),
    }
