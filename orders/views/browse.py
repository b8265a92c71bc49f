"""The order list (search, filters, keyset pages; htmx swaps the table) and an order's page."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from accounts import roles
from accounts.access import account_view
from orders import selectors
from orders.filters import OrderFilterForm
from orders.models import Order


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
    query = form.querystring()
    context = {
        "account": account,
        "form": form,
        "page": page,
        "page_size": selectors.PAGE_SIZE,
        "sort_label": selectors.SORTS[sort].label,
        "count": min(page.count, selectors.COUNT_EXACT_UP_TO),
        "count_more": page.count > selectors.COUNT_EXACT_UP_TO,
        "columns": _sort_links(request.path, form.querystring(without=("sort",)), sort),
        "query": query,
        "filtered": bool(form.querystring(without=("sort",))),
        "newer_url": _page_url(request.path, query, "before", page.newer),
        "older_url": _page_url(request.path, query, "after", page.older),
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


def _page_url(path: str, query: str, direction: str, cursor) -> str | None:
    """The same list, filters and sort, one page back ('before') or on ('after')."""
    if cursor is None:
        return None
    return f"{path}?" + "&".join(part for part in (query, f"{direction}={cursor.encode()}") if part)


@account_view()
def order_detail(request, account, caps, number: str):
    order = selectors.order_get_for_user(user=request.user, account=account, number=number)
    events = list(selectors.order_events(account=account, order=order))
    context = {
        "account": account,
        "order": order,
        "billing": order.address("billing"),
        "shipping": order.address("shipping"),
        "lines": order.lines.all(),
        "events": [(event, event_changes(event.data)) for event in events],
        "clones": selectors.order_clones(account=account, order=order),
        "can_clone": roles.WORK_ORDERS in caps,
    }
    return render(request, "orders/order_detail.html", context)


ORDER_FIELDS = {field.name for field in Order._meta.get_fields()}
FIELD_GROUPS = {"overridden", "changes", "changed"}  # keys whose value maps field names to [before, after]


def event_changes(data) -> list[dict]:
    """What an event's data says: changed fields as {field, before, after}, anything else as {field, value}.

    Services record a change as `field: [before, after]`, either at the top (`{"status": ["open", "allocated"]}`)
    or grouped (`{"overridden": {"notes": ["", "Leave at door"]}}`).
    """
    if not isinstance(data, dict):
        return [{"field": "data", "value": _text(data)}] if data else []
    rows = []
    for key, value in data.items():
        if key in FIELD_GROUPS and isinstance(value, dict):
            rows.extend(_change(name, pair) for name, pair in value.items())
        elif key in ORDER_FIELDS and _is_pair(value):
            rows.append(_change(key, value))
        else:
            rows.append({"field": _label(key), "value": _text(value)})
    return rows


def _is_pair(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2


def _change(name: str, pair) -> dict:
    if not _is_pair(pair):
        return {"field": _label(name), "value": _text(pair)}
    return {"field": _label(name), "before": _text(pair[0]), "after": _text(pair[1])}


def _label(name: str) -> str:
    return str(name).replace("_", " ")


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)}: {_text(v)}" for k, v in value.items())
    return str(value)
