"""The order list (search, filters, keyset pages; htmx swaps the table; the bulk bar for those who work orders)
and an order's page (its actions panel, shipments, clones and history as sentences)."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from accounts import roles
from accounts.access import account_view
from accounts.selectors import account_order_workers, warehouses_for_account
from oms.paging import page_url
from orders import selectors
from orders.filters import OrderFilterForm
from orders.history import event_sentences
from orders.services.actions import actions_allowed


# The list's sortable columns and the sort a first click gives; a click on the current sort reverses it.
SORTABLE = {"number": "number", "created": "-created", "customer": "customer", "status": "status",
            "items": "-items", "total": "-total"}


@account_view()
def order_list(request, account, caps):
    form = OrderFilterForm(request.GET or None)
    filters, sort = form.filters(), form.chosen_sort()
    page = selectors.order_page(
        account=account,
        filters=filters,
        sort=sort,
        after=selectors.OrderCursor.decode(request.GET.get("after"), sort),
        before=selectors.OrderCursor.decode(request.GET.get("before"), sort),
        count=True,
    )
    query, unsorted = form.querystring(), form.querystring(without=("sort",))
    bulk = None
    if roles.WORK_ORDERS in caps:
        bulk = selectors.bulk_bar_options(account=account, filters=filters, filtered=bool(unsorted))
    context = {
        "bulk": bulk,
        "account": account,
        "form": form,
        "page": page,
        "page_size": selectors.PAGE_SIZE,
        "can_see_clone_metrics": roles.WORK_ORDERS in caps,
        "sort_label": selectors.SORTS[sort].label,
        "count": min(page.count, selectors.COUNT_EXACT_UP_TO),
        "count_more": page.count > selectors.COUNT_EXACT_UP_TO,
        "columns": _sort_links(request.path, unsorted, sort),
        "query": query,
        "filtered": bool(unsorted),
        "newer_url": page_url(request.path, query, "before", page.newer.encode() if page.newer is not None else None),
        "older_url": page_url(request.path, query, "after", page.older.encode() if page.older is not None else None),
        "saved_views": selectors.saved_views_for(account=account, user=request.user),
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "orders/partials/_order_rows.html" if fragment else "orders/order_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _sort_links(path: str, query: str, current: str) -> dict[str, dict]:
    """Each sortable column with the link that sorts by it (its reverse when it is the current sort)."""
    links = {}
    for column, key in SORTABLE.items():
        reverse = key[1:] if key.startswith("-") else f"-{key}"
        target = reverse if current == key else key
        active = current in (key, reverse)
        links[column] = {
            "url": f"{path}?" + "&".join(part for part in (query, f"sort={target}") if part),
            "sort": target,
            "direction": ("descending" if current.startswith("-") else "ascending") if active else "",
        }
    return links


@account_view()
def order_detail(request, account, caps, number: str):
    order = selectors.order_get_for_user(user=request.user, account=account, number=number)
    events = list(selectors.order_events(account=account, order=order))
    shipments = list(selectors.order_shipments(account=account, order=order))
    allowed = actions_allowed(order=order, caps=caps, shipped=bool(shipments))
    context = {
        "account": account,
        "order": order,
        "billing": order.address("billing"),
        "shipping": order.address("shipping"),
        "lines": order.lines.all(),
        "events": [(event, event_sentences(event)) for event in events],
        "clones": selectors.order_clones(account=account, order=order),
        "shipments": shipments,
        "can_clone": roles.WORK_ORDERS in caps,
        "allowed": allowed,
        "warehouses": (
            list(warehouses_for_account(account=account).filter(is_active=True).order_by("name"))
            if "reallocate" in allowed else []
        ),
        "workers": account_order_workers(account=account) if "assign" in allowed else [],
    }
    return render(request, "orders/order_detail.html", context)
