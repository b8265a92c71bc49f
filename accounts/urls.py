from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import auth, clone, invitations, notifications, organization, settings, two_factor
from orders.views import rules

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.two_factor_page, name="two_factor"),
    path("switch-account/", auth.switch_account, name="switch_account"),
    path("notifications/dismiss/", notifications.notification_dismiss, name="notifications_dismiss"),
    path(
        "notifications/<id:notification_id>/dismiss/",
        notifications.notification_dismiss,
        name="notification_dismiss",
    ),
    path("organization/", organization.organization, name="organization"),
    path("organization/accounts/new/", organization.account_create, name="account_create"),
    path("organization/accounts/<id:account_id>/active/", organization.account_set_active, name="account_set_active"),
    path("organization/accounts/clone/", clone.account_clone, name="account_clone"),
    path("organization/clones/<id:request_id>/", clone.account_clone_status, name="account_clone_status"),
    path("organization/two-factor/", organization.organization_two_factor, name="organization_two_factor"),
    path("organization/members/new/", organization.member_add, name="member_add"),
    path("organization/members/<id:user_id>/remove/", organization.member_remove, name="member_remove"),
    path(
        "organization/invitations/<id:invitation_id>/revoke/",
        organization.invitation_revoke,
        name="member_invitation_revoke",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("accounts/<id:account_id>/", organization.account_overview, name="account_overview"),
    path("accounts/<id:account_id>/settings/", settings.account_settings, name="account_settings_main"),
    # The Order rules tab is the orders app's view; the generic tab route below would take it otherwise.
    path("accounts/<id:account_id>/settings/order-rules/", rules.rules_tab, name="order_rules_tab"),
    path("accounts/<id:account_id>/settings/<slug:tab>/", settings.account_settings, name="account_settings"),
    path("accounts/<id:account_id>/api-key/rotate/", settings.rotate_api_key, name="rotate_api_key"),
    path(
        "accounts/<id:account_id>/warehouses/<id:warehouse_id>/", settings.warehouse_edit, name="warehouse_edit"
    ),
    path(
        "accounts/<id:account_id>/warehouses/<id:warehouse_id>/toggle/",
        settings.warehouse_toggle,
        name="warehouse_toggle",
    ),
    path(
        "accounts/<id:account_id>/jobs/<id:job_id>/", settings.recurring_job_detail, name="recurring_job_detail"
    ),
    path(
        "accounts/<id:account_id>/jobs/<id:job_id>/<slug:action>/",
        settings.recurring_job_action,
        name="recurring_job_action",
    ),
    path("accounts/<id:account_id>/users/<id:user_id>/revoke/", settings.revoke_role, name="revoke_role"),
    path(
        "accounts/<id:account_id>/invitations/<id:invitation_id>/revoke/",
        settings.invitation_revoke,
        name="invitation_revoke",
    ),
]
