"""Inventory levels (list) and stock adjustments (through `stock_adjust`, the one way stock changes by hand)."""

from django.db import DataError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from accounts.selectors import warehouse_by_code
from api.errors import READ_ERRORS, WRITE_ERRORS, ApiError
from api.idempotency import IdempotencyKeyHeader, idempotent
from api.selectors import stock_page_for_api
from api.types import In, Str30, Str64, Str200, Str255
from inventory.selectors import variant_get_for_account
from inventory.services import stock_adjust
from oms.exceptions import DomainError

router = Router(tags=["Inventory"])
MAX_QUANTITY = 1_000_000_000


class StockLevelOut(Schema):
    sku: str
    warehouse: str
    on_hand: int
    allocated: int
    available: int
    updated_at: str


class StockPageOut(Schema):
    items: list[StockLevelOut]
    next: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page")


class AdjustmentIn(In):
    """Give `delta` (a change) or `set_on_hand` (a count), not both."""

    sku: Str64
    warehouse: Str30 | None = Field(None, description="Warehouse code; default: the account's default warehouse")
    delta: int | None = Field(None, ge=-MAX_QUANTITY, le=MAX_QUANTITY)
    set_on_hand: int | None = Field(None, ge=0, le=MAX_QUANTITY)
    reason: Str255


def _level_body(level, *, sku: str, warehouse: str) -> dict:
    return {
        "sku": sku,
        "warehouse": warehouse,
        "on_hand": level.on_hand,
        "allocated": level.allocated,
        "available": level.on_hand - level.allocated,
        "updated_at": level.updated_at.isoformat().replace("+00:00", "Z"),
    }


@router.get("/inventory", response={200: StockPageOut, **READ_ERRORS}, summary="List inventory levels")
def inventory_list(
    request,
    sku: Str64 | None = None,
    warehouse: Str30 | None = Query(None, description="Warehouse code"),
    limit: int = Query(50, ge=1, le=100),
    cursor: Str200 | None = Query(None, description="The `next` of the previous page"),
):
    """On hand, allocated and available per SKU and warehouse."""
    page = stock_page_for_api(account=request.auth, sku=sku, warehouse=warehouse, cursor=cursor, limit=limit)
    items = [_level_body(level, sku=level.sku, warehouse=level.warehouse_code) for level in page.items]
    return Status(200, {"items": items, "next": page.next})


@router.post(
    "/inventory/adjustments", response={201: StockLevelOut, **WRITE_ERRORS}, summary="Adjust a stock level",
)
def inventory_adjust(request, adjustment: AdjustmentIn, idempotency_key: IdempotencyKeyHeader = None):
    """Change on hand by `delta` or set it to `set_on_hand`, with a reason; one ledger entry. On hand can never
    go below what is allocated (422 `below_allocated`)."""
    account = request.auth

    def run():
        try:
            variant = variant_get_for_account(account=account, sku=adjustment.sku)
        except Http404:
            raise ApiError(422, "unknown_sku", f"SKU “{adjustment.sku}” is not a product of this account.", field="sku") from None
        warehouse = (
            warehouse_by_code(account=account, code=adjustment.warehouse) if adjustment.warehouse
            else account.default_warehouse
        )
        if warehouse is None:
            message = (
                f"“{adjustment.warehouse}” is not a warehouse of this account." if adjustment.warehouse
                else "Give the warehouse code: the account has no default warehouse."
            )
            raise ApiError(422, "unknown_warehouse", message, field="warehouse")
        try:
            level = stock_adjust(
                account=account, warehouse=warehouse, variant=variant, delta=adjustment.delta,
                set_on_hand=adjustment.set_on_hand, by=None, reason=adjustment.reason,
            )
        except DomainError as refused:
            raise ApiError(422, refused.code, refused.message, field=refused.field) from None
        except DataError:  # on hand beyond what the column holds (over two billion)
            raise ApiError(422, "out_of_range", "On hand would be larger than the system can hold.", field="delta") from None
        level.refresh_from_db(fields=["on_hand", "allocated", "updated_at"])
        return Status(201, _level_body(level, sku=variant.sku, warehouse=warehouse.code))

    return idempotent(request, run)
