from django.urls import path

from orders.views import browse, clone, rules, skus

urlpatterns = [
    path("accounts/<id:account_id>/order-rules/new/", rules.rule_new, name="order_rule_new"),
    path("accounts/<id:account_id>/order-rules/<id:rule_id>/", rules.rule_edit, name="order_rule_edit"),
    path("accounts/<id:account_id>/order-rules/<id:rule_id>/<slug:action>/", rules.rule_action, name="order_rule_action"),
    path("accounts/<id:account_id>/skus/lookup/", skus.sku_lookup_view, name="sku_lookup"),
    path("accounts/<id:account_id>/orders/", browse.order_list, name="order_list"),
    path("accounts/<id:account_id>/orders/clone-metrics/", clone.clone_metrics, name="clone_metrics"),
    path("accounts/<id:account_id>/orders/<str:number>/", browse.order_detail, name="order_detail"),
    path("accounts/<id:account_id>/orders/<str:number>/clone/", clone.order_clone_page, name="order_clone"),
    path(
        "accounts/<id:account_id>/orders/<str:number>/clone/preview/",
        clone.order_clone_preview,
        name="order_clone_preview",
    ),
]
