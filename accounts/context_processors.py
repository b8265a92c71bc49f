from django.utils import timezone

from accounts import roles
from accounts.models import Notification
from accounts.selectors import accounts_for_user


def navigation(request):
    """The header switcher's accounts and what the navigation may offer."""
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {}
    org_caps = roles.ORG_LEVEL_CAPABILITIES.get(getattr(request, "org_role", None), set())
    return {
        "notifications": _unread_notifications(user),
        "switcher_accounts": list(accounts_for_user(user=user).only("id", "name", "code")),
        "current_account": getattr(request, "account", None),
        "can_manage_accounts": roles.MANAGE_ACCOUNTS in org_caps,
        "can_manage_organization": roles.MANAGE_ORGANIZATION in org_caps,
    }


def _unread_notifications(user) -> list[Notification]:
    """This user's unread notifications, shown once in the page's corner and then marked read."""
    unread = list(Notification.objects.filter(user=user, read_at__isnull=True).order_by("created_at")[:5])
    if unread:
        Notification.objects.filter(pk__in=[n.pk for n in unread]).update(read_at=timezone.now())
    return unread
