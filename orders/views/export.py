"""The order list as CSV: a small form (columns, one row per line), then the file, streamed."""

from django.db import connection
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import account_view
from orders.export import csv_rows
from orders.filters import ExportForm, OrderFilterForm


@account_view()
def order_export(request, account, caps):
    """GET with the list's filters: the column form; with `columns` too: the CSV of every matching order."""
    filter_form = OrderFilterForm(request.GET or None)
    form = ExportForm(request.GET if "columns" in request.GET or "export" in request.GET else None)
    if not form.is_bound or not form.is_valid():
        context = {
            "account": account,
            "form": form,
            "filter_form": filter_form,
            "query": filter_form.querystring(),
            "hidden": [(name, value) for name, value in filter_form.data.items() if name in filter_form.fields and value]
            if filter_form.is_bound else [],
        }
        return render(request, "orders/order_export.html", context, status=400 if form.is_bound else 200)
    tenant = connection.tenant
    rows = csv_rows(
        account=account,
        filters=filter_form.filters(),
        sort=filter_form.chosen_sort(),
        columns=form.cleaned_data["columns"],
        lines=form.cleaned_data["lines"],
    )

    def stream():
        connection.set_tenant(tenant)  # the body is written after the view returns
        yield from rows

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(account.zone).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="orders-{account.code}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
