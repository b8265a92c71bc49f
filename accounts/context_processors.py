from accounts import roles
from accounts.selectors import account_capabilities, accounts_for_user, notifications_unread


def navigation(request):
    """The header switcher's accounts and what the navigation may offer."""
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {}
    org_caps = roles.ORG_LEVEL_CAPABILITIES.get(getattr(request, "org_role", None), set())
    account = getattr(request, "account", None)
    # The views' own capability check has usually filled the per-user cache already: no extra query.
    account_caps = account_capabilities(user=user, account=account) if account is not None else set()
    return {
        "notifications": notifications_unread(user=user),
        "switcher_accounts": list(accounts_for_user(user=user).only("id", "name", "code")),
        "current_account": account,
        "nav_caps": {
            "orders": roles.VIEW in account_caps,
            "inventory": roles.VIEW in account_caps,
            "intake": roles.VIEW in account_caps,
            "channels": roles.ADMINISTER in account_caps,  # channels/views.py: every page needs ADMINISTER
        },
        "can_manage_accounts": roles.MANAGE_ACCOUNTS in org_caps,
        "can_manage_organization": roles.MANAGE_ORGANIZATION in org_caps,
    }

