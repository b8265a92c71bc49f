from django import forms

from accounts.models import Warehouse
from inventory.models import StockMovement
from oms.forms import ColumnIntegerField
from orders.widgets import SkuInput


class AdjustForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=64)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none())
    delta = ColumnIntegerField(column=(StockMovement, "on_hand_delta"), label="Change (+ received, − removed)")
    reason = forms.CharField(max_length=255)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(account=account, is_active=True)
        self.fields["sku"].widget = SkuInput(account=account, warehouse_field="id_warehouse")
        self.fields["sku"].help_text = "Type the start of a SKU or a word of its name to pick it."


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file (sku,warehouse,on_hand[,reorder_point])")
