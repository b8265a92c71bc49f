from django.urls import path

from orders.views import actions, browse, clone, export, reorders, rules, saved

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
    path("accounts/<id:account_id>/orders/reorders-due/", reorders.reorders_due_page, name="reorders_due"),
    path(
        "accounts/<id:account_id>/orders/reorders-due/refresh/", reorders.reorders_due_refresh,
        name="reorders_due_refresh",
    ),
    path("accounts/<id:account_id>/orders/bulk/", actions.order_bulk, name="order_bulk"),
    path("accounts/<id:account_id>/orders/bulk/<id:bulk_id>/", actions.order_bulk_status, name="order_bulk_status"),
    path("accounts/<id:account_id>/orders/<str:number>/", browse.order_detail, name="order_detail"),
    path("accounts/<id:account_id>/orders/<str:number>/clone/", clone.order_clone_page, name="order_clone"),
    path(
        "accounts/<id:account_id>/orders/<str:number>/clone/preview/",
        clone.order_clone_preview,
        name="order_clone_preview",
    ),
    path("accounts/<id:account_id>/orders/<str:number>/cancel/", actions.order_cancel_view, name="order_cancel"),
    path("accounts/<id:account_id>/orders/<str:number>/hold/", actions.order_hold_view, name="order_hold"),
    path("accounts/<id:account_id>/orders/<str:number>/release/", actions.order_release_view, name="order_release"),
    path("accounts/<id:account_id>/orders/<str:number>/address/", actions.order_address_view, name="order_address"),
    path("accounts/<id:account_id>/orders/<str:number>/contact/", actions.order_contact_view, name="order_contact"),
    path("accounts/<id:account_id>/orders/<str:number>/notes/", actions.order_notes_view, name="order_notes"),
    path("accounts/<id:account_id>/orders/<str:number>/reallocate/", actions.order_reallocate_view, name="order_reallocate"),
    path("accounts/<id:account_id>/orders/<str:number>/note/", actions.order_note_view, name="order_note"),
    path("accounts/<id:account_id>/orders/<str:number>/tags/", actions.order_tags_view, name="order_tags"),
    path("accounts/<id:account_id>/orders/<str:number>/assign/", actions.order_assign_view, name="order_assign"),
]
