from django.urls import path

from intake import views
from intake.webhooks import webhook_orders

urlpatterns = [
    path("hooks/<str:hook_token>/orders", webhook_orders, name="webhook_orders"),  # served by WebhookMiddleware
    path("accounts/<id:account_id>/intake/", views.intake_page, name="intake_page"),
    path("accounts/<id:account_id>/intake/replay/", views.replay_many, name="intake_replay_many"),
    path("accounts/<id:account_id>/intake/import-csv/", views.csv_import, name="intake_csv_import"),
    path("accounts/<id:account_id>/intake/csv/", views.csv_imports, name="intake_csv_imports"),
    path("accounts/<id:account_id>/intake/csv/<id:import_id>/", views.csv_import_status, name="intake_csv_status"),
    path("accounts/<id:account_id>/intake/new-order/", views.manual_order, name="intake_new_order"),
    path("accounts/<id:account_id>/intake/failures/<id:failure_id>/", views.failure_detail, name="intake_failure"),
    path(
        "accounts/<id:account_id>/intake/failures/<id:failure_id>/<slug:action>/",
        views.failure_action,
        name="intake_failure_action",
    ),
]
