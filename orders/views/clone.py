"""The Clone page of an order: a prefilled form, a live preview (htmx) and the clone metrics page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from orders.forms import CloneForm
from orders.selectors import clone_metrics_for, order_get_for_user
from orders.services.clone import CloneInvalid, order_clone, order_clone_plan


def _source_for(request, account, number: str):
    return order_get_for_user(user=request.user, account=account, number=number, capability=roles.WORK_ORDERS)


def _page(request, account, source, form, errors=None, plan=None, status=200):
    context = {"account": account, "source": source, "form": form, "errors": errors or {}, "plan": plan}
    return render(request, "orders/clone.html", context, status=status)


@account_view()
def order_clone_page(request, account, caps, number: str):
    source = _source_for(request, account, number)
    if request.method != "POST":
        form = CloneForm(source=source)
        plan = order_clone_plan(source=source)
        return _page(request, account, source, form, plan=plan)
    form = CloneForm(request.POST, source=source)
    errors: dict[str, list[str]] = {}
    if "_redraw" in request.POST or "_add_line" in request.POST:  # e.g. more destinations or lines: draw again
        form.is_valid()
        plan = order_clone_plan(source=source, **form.service_arguments()) if form.is_valid() else None
        return _page(request, account, source, form, plan=plan)
    if form.is_valid():
        try:
            orders = order_clone(
                source=source,
                by=request.user,
                opened_at=form.opened_at(),
                rejected_submits=form.rejected_submits(),
                door="page",
                **form.service_arguments(),
            )
        except CloneInvalid as invalid:
            errors = invalid.errors
        else:
            numbers = ", ".join(o.number for o in orders)
            messages.success(request, f"Created {numbers} from {source.number}.")
            return redirect("order_detail", account_id=account.pk, number=orders[0].number)
    # Rejected: count it, keep what the agent typed, show every error next to its field (a tampered count is
    # shown as it came, not counted on).
    if "rejected" not in form.errors:
        data = request.POST.copy()
        data["rejected"] = str(form.rejected_submits() + 1)
        form = CloneForm(data, source=source)
        form.is_valid()
    return _page(request, account, source, form, errors=errors, status=422)


@account_view()
@require_POST
def order_clone_preview(request, account, caps, number: str):
    """Totals and stock for what the form says now; writes nothing."""
    source = _source_for(request, account, number)
    form = CloneForm(request.POST, source=source)
    plan, errors = None, {}
    if form.is_valid():
        try:
            plan = order_clone_plan(source=source, by=request.user, **form.service_arguments())
            errors = plan.errors
        except CloneInvalid as invalid:
            errors = invalid.errors
    else:
        errors = {name: list(messages_) for name, messages_ in form.errors.items()}
    return render(
        request,
        "orders/partials/_clone_summary.html",
        {"account": account, "source": source, "plan": plan, "errors": errors, "form": form},
    )


@account_view(roles.WORK_ORDERS, denied="Your role cannot see clone metrics.")
def clone_metrics(request, account, caps):
    """How fast agents clone (the vendor promises under 30 s) and how often the first submit succeeds."""
    summary, by_purpose, recent = clone_metrics_for(account=account)
    share = (summary["first_time"] / summary["count"] * 100) if summary["count"] else None
    return render(
        request,
        "orders/clone_metrics.html",
        {"account": account, "summary": summary, "first_time_share": share, "by_purpose": by_purpose,
         "recent": recent},
    )
