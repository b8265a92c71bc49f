"""A user's saved views of the order list: save the current filters and sort, open one, delete one."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import account_view
from oms.confirm import confirmation
from oms.exceptions import DomainError
from orders import selectors
from orders.filters import OrderFilterForm
from orders.services.saved_views import saved_view_create, saved_view_delete


def _list_url(account, query: str = "") -> str:
    url = reverse("order_list", args=[account.pk])
    return f"{url}?{query}" if query else url


@account_view()
@require_POST
def saved_view_new(request, account, caps):
    """Save the list's filters and sort (posted as `query`, the list's query string) under `name`."""
    form = OrderFilterForm(QueryDict(request.POST.get("query", "")[:4000]) or None)
    query = form.querystring()  # only the list's own fields, as the list would write them
    try:
        view = saved_view_create(account=account, user=request.user, name=request.POST.get("name", ""), query=query)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_list_url(account, query))
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(_list_url(account, view.query))


@account_view()
def saved_view_open(request, account, caps, view_id: int):
    view = selectors.saved_view_get_for_user(account=account, user=request.user, view_id=view_id)
    return redirect(_list_url(account, view.query))


@account_view()
@require_POST
def saved_view_remove(request, account, caps, view_id: int):
    view = selectors.saved_view_get_for_user(account=account, user=request.user, view_id=view_id)
    asked = confirmation(
        request,
        title=f"Delete the view “{view.name}”?",
        consequences=["Only the saved filters and sort go; no order changes."],
        confirm_label="Delete the view",
        back_url=_list_url(account, view.query),
    )
    if asked:
        return asked
    saved_view_delete(view=view)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect(_list_url(account))
