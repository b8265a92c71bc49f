"""The SKU look-up: the account's SKUs matching what is typed (`q`), with available stock when `warehouse` (a
warehouse's code or id) is given. htmx gets the options of the input's listbox; a plain GET gets a small page."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from accounts.access import account_view
from orders.selectors import SKU_LOOKUP_LIMIT, sku_lookup, sku_lookup_warehouse


@account_view()
def sku_lookup_view(request, account, caps):
    q = request.GET.get("q", "")
    warehouse = sku_lookup_warehouse(account=account, value=request.GET.get("warehouse", ""))
    context = {
        "account": account, "q": q, "warehouse": warehouse, "limit": SKU_LOOKUP_LIMIT,
        "matches": sku_lookup(account=account, q=q, warehouse=warehouse),
    }
    if request.htmx and not request.htmx.history_restore_request:
        # Asked on every keystroke: the options alone, without the page's context processors (their queries).
        response = HttpResponse(render_to_string("orders/partials/_sku_options.html", context))
    else:
        response = render(request, "orders/sku_lookup.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
