"""The Edit Account page's tabs: which exist, who may use each, and how a tab is drawn. Shared by the tab views
of every app (accounts/views/settings.py, orders/views/rules.py), so no view module imports another."""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from accounts import roles
from accounts.access import account_view


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str
    capability: str


TABS = [
    Tab("main", "Main", roles.ADMINISTER),
    Tab("workflow", "Workflow", roles.ADMINISTER),
    Tab("privacy", "Privacy", roles.ADMINISTER),
    Tab("api-rules", "API validation rules", roles.ADMINISTER),
    Tab("recurring-jobs", "Recurring jobs", roles.ADMINISTER),
    Tab("order-rules", "Order rules", roles.ADMINISTER),
    Tab("warehouses", "Warehouses", roles.MANAGE_WAREHOUSES),
    Tab("users", "Users", roles.ADMINISTER),
]
TABS_BY_SLUG = {tab.slug: tab for tab in TABS}


def tab_get(*, caps: set[str], slug: str) -> Tab:
    """The tab (404 if there is none), refused with 403 when the role may not use it."""
    tab = TABS_BY_SLUG.get(slug)
    if tab is None:
        raise Http404("No such tab.")
    if tab.capability not in caps:
        raise PermissionDenied("Your role cannot use this tab.")
    return tab


def settings_tab_view(slug: str | None = None):
    """`account_view` for the Edit Account page: the view takes (request, account, caps, tab, **url kwargs).
    `slug` names the tab; without it the URL's `tab` does."""

    def decorate(view):
        @account_view()
        @wraps(view)
        def wrapper(request, account, caps, *args, **kwargs):
            tab = tab_get(caps=caps, slug=slug or kwargs.pop("tab", "main"))
            return view(request, account, caps, tab, *args, **kwargs)

        return wrapper

    return decorate


def tab_render(request, account, tab: Tab, caps: set[str], context: dict, status: int = 200):
    """The whole page with this tab open, or only the tab's body for an htmx tab switch."""
    context = {
        "account": account,
        "tab": tab,
        "tabs": [t for t in TABS if t.capability in caps],
        "caps": caps,
        "can_manage_accounts": roles.MANAGE_ACCOUNTS in caps,
        **context,
    }
    template = f"accounts/settings/_{tab.slug.replace('-', '_')}.html"
    if request.htmx and request.htmx.target == "tab-body":
        return render(request, template, context, status=status)
    return render(request, "accounts/settings/page.html", {**context, "tab_template": template}, status=status)
