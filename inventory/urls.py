from django.urls import path

from inventory import views

urlpatterns = [
    path("accounts/<id:account_id>/inventory/", views.inventory_levels, name="inventory_levels"),
    path("accounts/<id:account_id>/inventory/export.csv", views.inventory_levels_export, name="inventory_levels_export"),
    path("accounts/<id:account_id>/inventory/adjust/", views.inventory_adjust, name="inventory_adjust"),
    path("accounts/<id:account_id>/inventory/import/", views.inventory_import, name="inventory_import"),
    path(
        "accounts/<id:account_id>/inventory/pushes/<id:push_id>/retry/",
        views.inventory_push_retry_view,
        name="inventory_push_retry",
    ),
    path("accounts/<id:account_id>/inventory/sku/<str:sku>/", views.inventory_ledger, name="inventory_ledger"),
    path(
        "accounts/<id:account_id>/inventory/sku/<str:sku>/export.csv",
        views.inventory_ledger_export,
        name="inventory_ledger_export",
    ),
]
