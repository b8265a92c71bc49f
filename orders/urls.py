from django.urls import path

from orders.views import browse, clone, export, rules, saved

urlpatterns = [
    path("accounts/<id:account_id>/order-rules/new/", rules.rule_new, name="order_rule_new"),
    path("accounts/<id:account_id>/order-rules/<id:rule_id>/", rules.rule_edit, name="order_rule_edit"),
    path("accounts/<id:account_id>/order-rules/<id:rule_id>/<slug:action>/", rules.rule_action, name="order_rule_action"),
    path("accounts/<id:account_id>/orders/", browse.order_list, name="order_list"),
    path("accounts/<id:account_id>/orders/export/", export.order_export, name="order_export"),
    path("accounts/<id:account_id>/orders/views/", saved.saved_view_new, name="saved_view_new"),
    path("accounts/<id:account_id>/orders/views/<id:view_id>/", saved.saved_view_open, name="saved_view_open"),
    path(
        "accounts/<id:account_id>/orders/views/<id:view_id>/delete/", saved.saved_view_remove, name="saved_view_delete"
    ),
    path("accounts/<id:account_id>/orders/clone-metrics/", clone.clone_metrics, name="clone_metrics"),
    path("accounts/<id:account_id>/orders/<str:number>/", browse.order_detail, name="order_detail"),
    path("accounts/<id:account_id>/orders/<str:number>/clone/", clone.order_clone_page, name="order_clone"),
    path(
        "accounts/<id:account_id>/orders/<str:number>/clone/preview/",
        clone.order_clone_preview,
        name="order_clone_preview",
    ),
]
