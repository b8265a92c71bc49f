"""The one door of account-scoped views (in the spirit of Sentry's `OrganizationEndpoint.convert_args`).

    @account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
    def order_clone_page(request, account, caps, number):
        ...

The URL's `account_id` becomes `account` (one of the signed-in user's accounts: "no such account" and "not
yours" are the same 404) and `caps` (the user's capabilities on it); a role without `capability` gets 403 with
`denied`; the account becomes the current one (header switcher, timezone). Anything the view then looks up by
an id from the request is looked up within that account, through a selector.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts import roles
from accounts.middleware import activate_account
from accounts.selectors import account_capabilities, account_get_for_user


def account_for_request(request, account_id, *, capability: str = roles.VIEW, denied: str = ""):
    """The user's account `account_id` (404 when it is not one of theirs), refused with 403 `denied` when their
    role lacks `capability`; it becomes the current account. Returns (account, capabilities)."""
    account = account_get_for_user(user=request.user, account_id=account_id)
    caps = account_capabilities(user=request.user, account=account)
    if capability not in caps:
        raise PermissionDenied(denied or "Your role cannot open this page.")
    activate_account(request, account)
    return account, caps


def account_view(capability: str = roles.VIEW, *, denied: str = ""):
    """Decorate a view taking (request, account, caps, **url kwargs) instead of the URL's account_id."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, account_id, *args, **kwargs):
            account, caps = account_for_request(request, account_id, capability=capability, denied=denied)
            return view(request, account, caps, *args, **kwargs)

        return login_required(wrapper)

    return decorate


def organization_capability_required(request, capability: str) -> None:
    """403 unless the user's organization role has `capability` (organization pages: accounts, members)."""
    if capability not in roles.ORG_LEVEL_CAPABILITIES.get(request.org_role, set()):
        raise PermissionDenied("Only organization administrators and supervisors may do this.")
