from accounts import roles
from accounts.selectors import accounts_for_user, notifications_unread


def navigation(request):
    """The header switcher's accounts and what the navigation may offer."""
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {}
    org_caps = roles.ORG_LEVEL_CAPABILITIES.get(getattr(request, "org_role", None), set())
    return {
        "notifications": notifications_unread(user=user),
        "switcher_accounts": list(accounts_for_user(user=user).only("id", "name", "code")),
        "current_account": getattr(request, "account", None),
        "can_manage_accounts": roles.MANAGE_ACCOUNTS in org_caps,
        "can_manage_organization": roles.MANAGE_ORGANIZATION in org_caps,
    }

