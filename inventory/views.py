"""Inventory pages: levels by SKU and warehouse (or by SKU with a column per warehouse) with CSV export, the
ledger of one SKU with running balances, manual adjustment, CSV import and the
failed channel pushes (dead letters) with Retry. Viewing needs the account; changing stock needs WORK_ORDERS."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from inventory.filters import StockFilterForm
from inventory.forms import AdjustForm, ImportForm
from inventory.models import StockMovement
from inventory.push import inventory_push_retry
from inventory.selectors import (
    LEVEL_PAGE_SIZE,
    inventory_dead_letters,
    parse_cursor,
    stock_ledger_export,
    stock_ledger_page,
    stock_level_page,
    stock_levels_export,
    stock_sku_page,
    variant_get_for_account,
    warehouses_active,
)
from inventory.services import stock_adjust, stock_import_csv
from oms.csvexport import csv_response
from oms.exceptions import DomainError
from oms.paging import page_url
from oms.text import count_of



@account_view()
def inventory_levels(request, account, caps):
    """Levels by SKU and warehouse, or one row per SKU with a column per warehouse, in keyset pages."""
    warehouses = warehouses_active(account=account)
    form = StockFilterForm(request.GET or None, warehouses=warehouses)
    filters = form.filters()
    by_sku = form.by_sku()
    after, before = parse_cursor(request.GET.get("after")), parse_cursor(request.GET.get("before"))
    if by_sku:
        columns = [w for w in warehouses if w.pk == filters.warehouse_id] or warehouses
        page = stock_sku_page(account=account, warehouses=columns, filters=filters, after=after, before=before)
    else:
        columns = []
        page = stock_level_page(account=account, filters=filters, after=after, before=before)
    query = form.querystring()
    context = {
        "account": account,
        "form": form,
        "filters": filters,
        "page": page,
        "by_sku": by_sku,
        "columns": columns,
        "colspan": 2 + 2 * len(columns),
        "page_size": LEVEL_PAGE_SIZE,
        "newer_url": page_url(request.path, query, "before", page.newer),
        "older_url": page_url(request.path, query, "after", page.older),
        "export_url": reverse("inventory_levels_export", args=[account.pk]) + (f"?{query}" if query else ""),
        "can_change": roles.WORK_ORDERS in caps,
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "inventory/partials/_level_results.html", context)
    else:
        context["dead_letters"] = inventory_dead_letters(account=account)
        response = render(request, "inventory/levels.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@account_view()
def inventory_levels_export(request, account, caps):
    """Every level matching the page's filters as CSV, streamed."""
    form = StockFilterForm(request.GET or None, warehouses=warehouses_active(account=account))
    rows = stock_levels_export(account=account, filters=form.filters())
    return csv_response(
        filename=f"inventory-{account.code}.csv",
        header=["sku", "name", "warehouse", "on_hand", "allocated", "available", "reorder_point"],
        rows=rows,
    )


def _ledger_warehouse(request, warehouses) -> int | None:
    chosen = parse_cursor(request.GET.get("warehouse"))
    return chosen if chosen in {w.pk for w in warehouses} else None


@account_view()
def inventory_ledger(request, account, caps, sku: str):
    """The SKU's ledger, newest first, with the balance after each entry, in keyset pages."""
    variant = variant_get_for_account(account=account, sku=sku)
    warehouses = warehouses_active(account=account)
    warehouse_id = _ledger_warehouse(request, warehouses)
    page = stock_ledger_page(
        account=account, variant=variant, warehouse_id=warehouse_id,
        after=parse_cursor(request.GET.get("after")), before=parse_cursor(request.GET.get("before")),
    )
    query = urlencode({"warehouse": warehouse_id}) if warehouse_id else ""
    export_url = reverse("inventory_ledger_export", args=[account.pk, variant.sku])
    return render(
        request, "inventory/ledger.html",
        {
            "account": account, "variant": variant, "page": page, "warehouses": warehouses,
            "warehouse_id": warehouse_id,
            "newer_url": page_url(request.path, query, "before", page.newer),
            "older_url": page_url(request.path, query, "after", page.older),
            "export_url": export_url + (f"?{query}" if query else ""),
        },
    )


@account_view()
def inventory_ledger_export(request, account, caps, sku: str):
    """Every ledger entry of the SKU (in the chosen warehouse) as CSV with its running balance, streamed;
    times in the account's timezone with their offset."""
    variant = variant_get_for_account(account=account, sku=sku)
    warehouse_id = _ledger_warehouse(request, warehouses_active(account=account))
    zone = account.zone
    kinds = dict(StockMovement.Kind.choices)

    def rows():
        for pk, created, code, kind, on_hand, allocated, on_hand_after, allocated_after, number, email, reason in (
            stock_ledger_export(account=account, variant=variant, warehouse_id=warehouse_id)
        ):
            yield [pk, created.astimezone(zone).isoformat(timespec="seconds"), code, kinds.get(kind, kind),
                   on_hand, allocated, on_hand_after, allocated_after, number, email or "system", reason]

    return csv_response(
        filename=f"ledger-{account.code}-{variant.pk}.csv",
        header=["entry", f"when ({account.zone})", "warehouse", "what", "on_hand_change", "allocated_change",
                "on_hand_after", "allocated_after", "order", "who", "why"],
        rows=rows(),
    )


@account_view(roles.WORK_ORDERS, denied="Your role cannot change stock.")
def inventory_adjust(request, account, caps):
    form = AdjustForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            variant = variant_get_for_account(account=account, sku=data["sku"].strip())
            level = stock_adjust(
                account=account, warehouse=data["warehouse"], variant=variant, delta=data["delta"],
                by=request.user, reason=data["reason"],
            )
        except Http404:
            form.add_error("sku", "No such SKU in this account.")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{variant.sku} in {data['warehouse'].code}: {level.on_hand} on hand.")
            return redirect("inventory_levels", account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inventory/adjust.html", {"account": account, "form": form}, status=status)


@account_view(roles.WORK_ORDERS, denied="Your role cannot change stock.")
def inventory_import(request, account, caps):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = ["The file is not UTF-8 text."]
        else:
            result = stock_import_csv(account=account, text=text, by=request.user)
            errors = result.errors
            if result.ok:
                messages.success(request, f"Imported {count_of(result.changed, 'stock level')}.")
                return redirect("inventory_levels", account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inventory/import.html", {"account": account, "form": form, "errors": errors}, status=status)


@account_view(roles.WORK_ORDERS, denied="Your role cannot change stock.")
@require_POST
def inventory_push_retry_view(request, account, caps, push_id: int):
    push = inventory_push_retry(account=account, push_id=push_id)
    messages.success(request, f"Retrying the push of {push.variant.sku} to {push.channel.name}.")
    return redirect("inventory_levels", account.pk)
