"""Inventory pages: levels by SKU and warehouse, the ledger of one SKU, manual adjustment, CSV import and the
failed channel pushes (dead letters) with Retry. Viewing needs the account; changing stock needs WORK_ORDERS."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from inventory.forms import AdjustForm, ImportForm
from inventory.push import inventory_push_retry
from inventory.selectors import (
    inventory_dead_letters,
    stock_levels,
    stock_movements,
    variant_get_for_account,
)
from inventory.services import stock_adjust, stock_import_csv
from oms.exceptions import DomainError
from oms.text import count_of



@account_view()
def inventory_levels(request, account, caps):
    query = request.GET.get("q", "").strip()
    context = {
        "account": account,
        "levels": stock_levels(account=account, query=query)[:500],
        "q": query,
        "can_change": roles.WORK_ORDERS in caps,
        "dead_letters": inventory_dead_letters(account=account),
        "adjust_form": AdjustForm(account=account),
        "import_form": ImportForm(),
    }
    if request.htmx and request.htmx.target == "level-rows":
        return render(request, "inventory/partials/_level_rows.html", context)
    return render(request, "inventory/levels.html", context)


@account_view()
def inventory_ledger(request, account, caps, sku: str):
    variant = variant_get_for_account(account=account, sku=sku)
    return render(
        request, "inventory/ledger.html",
        {"account": account, "variant": variant, "movements": stock_movements(account=account, variant=variant)},
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
