from django.db import models
from django.db.models import F, Q


class StockLevel(models.Model):
    """On hand and allocated per variant and warehouse; available = on hand - allocated.

    The database refuses to allocate more than is on hand, so no code path can oversell.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("orders.Variant", on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey("accounts.Warehouse", on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(condition=Q(allocated__lte=F("on_hand")), name="stock_never_oversold"),
        ]
        indexes = [models.Index(fields=["account", "warehouse"], name="stock_account_warehouse")]

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand}/{self.allocated}"
