
from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts import roles
from accounts.selectors import account_capabilities, accounts_for_user, org_role_for

SESSION_ACCOUNT_KEY = "current_account_id"
OPEN_TO_NON_MEMBERS = ("/invitations/",)  # an invitation link works for whoever holds it, signed in or not


class OrganizationMemberMiddleware:
    """A signed-in user who does not belong to this organization sees nothing of it: 404 everywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(connection, "tenant", None)
        request.organization = tenant if tenant is not None and tenant.schema_name != "public" else None
        request.org_role = None
        if request.organization is not None and not getattr(request.organization, "is_active", True):
            if not (request.user.is_authenticated and request.user.is_superuser):
                raise Http404("No such organization.")
        if request.user.is_authenticated:
            request.org_role = org_role_for(request.user)
            if request.organization is not None and request.org_role is None:
                if not request.path.startswith(OPEN_TO_NON_MEMBERS):
                    raise Http404("No such page.")
            if request.organization is None and not request.user.is_superuser:
                raise Http404("No such page.")
        return self.get_response(request)


class CurrentAccountMiddleware:
    """Loads the account chosen in the header switcher and shows times in its timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.account = None
        if request.organization is not None and request.user.is_authenticated:
            account_id = request.session.get(SESSION_ACCOUNT_KEY)
            if account_id is not None:
                account = accounts_for_user(user=request.user).filter(pk=account_id).first()
                if account is not None and roles.VIEW in account_capabilities(user=request.user, account=account):
                    activate_account(request, account)
                else:
                    request.session.pop(SESSION_ACCOUNT_KEY, None)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def activate_account(request, account) -> None:
    """Make `account` the current one: remembered in the session, its timezone used for display."""
    request.account = account
    if request.session.get(SESSION_ACCOUNT_KEY) != account.pk:
        request.session[SESSION_ACCOUNT_KEY] = account.pk
    timezone.activate(account.zone)
