"""The Clone page of an order: a prefilled form with suggestions, a live preview (htmx) and the clone metrics
page."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from oms.confirm import confirmation
from orders.forms import CloneForm, ClonePeriodForm
from orders.models import ORDER_EDIT_KINDS
from orders.quality import ACCURACY_DAYS, EDIT_EVENT_KINDS, TARGET_ACCURACY, TARGET_SECONDS, clone_quality
from orders.selectors import clone_metrics_for, order_get_for_user
from orders.services.clone import CloneInvalid, order_clone, order_clone_plan
from orders.suggestions import apply_suggestions, clone_suggestions, suggestion_record


def _source_for(request, account, number: str):
    return order_get_for_user(user=request.user, account=account, number=number, capability=roles.WORK_ORDERS)


def _form_values(form: CloneForm) -> dict[str, str]:
    """What the browser would send for `form` as drawn (the prefilled values of an unbound form)."""
    data: dict[str, str] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
    for row in form.line_rows():
        key = row["key"]
        if row["picked"]:
            data[f"line_{key}"] = "on"
        for prefix, name in (("qty", "quantity"), ("price", "unit_price"), ("reason", "reason")):
            if row[name] is not None:
                data[f"{prefix}_{key}"] = str(row[name])
    return data


def _swaps(data) -> dict[str, str]:
    """Lines to send as another SKU (a replacement suggestion taken): {source SKU: replacement SKU}."""
    return {k.removeprefix("swap_"): str(v).strip() for k, v in data.items() if k.startswith("swap_") and str(v).strip()}


def _arguments(form: CloneForm) -> dict:
    """The service's arguments for a valid form, with the replacements the agent took."""
    arguments = form.service_arguments()
    swaps = _swaps(form.data)
    for line in arguments["lines"]:
        line.replacement = swaps.get(line.sku, "")
    return arguments


def _applied(data) -> list[str]:
    return [i for i in str(data.get("applied", "")).split(",") if i]


def _page(request, account, source, form, errors=None, plan=None, status=200, suggestions=(), applied=()):
    context = {
        "account": account, "source": source, "form": form, "errors": errors or {}, "plan": plan,
        "suggestions": suggestions, "applied": list(applied), "swaps": _swaps(form.data) if form.is_bound else {},
    }
    return render(request, "orders/clone.html", context, status=status)


def _chosen_warehouse(form: CloneForm, source):
    if form.is_bound and form.is_valid():
        return form.cleaned_data["warehouse"]
    return source.warehouse


def _bound_plan(form: CloneForm, source):
    if not form.is_valid():
        return None
    try:
        return order_clone_plan(source=source, **_arguments(form))
    except CloneInvalid:
        return None


def _confirm_cancel(request, account, source, form: CloneForm):
    """A correction that cancels its source asks first (the source's cancellation cannot be undone), once the
    plan is known to be good; None when nothing is cancelled, the plan has errors (shown next) or it is confirmed."""
    if not form.cleaned_data["cancel_source"]:
        return None
    plan = _bound_plan(form, source)
    if plan is None or plan.errors or not plan.cancel_source:
        return None
    return confirmation(
        request, title=f"Create a correction of {source.number} and cancel {source.number}?",
        consequences=[f"{source.number} will be cancelled and its allocated stock released; this cannot be undone.",
                      "The correction is created as shown on the form."],
        confirm_label=f"Create the correction and cancel {source.number}",
        back_url=reverse("order_clone", args=[account.pk, source.number]),
    )


@account_view()
def order_clone_page(request, account, caps, number: str):
    source = _source_for(request, account, number)
    if request.method != "POST":
        form = CloneForm(source=source)
        suggestions = clone_suggestions(source=source)
        applied: list[str] = []
        if request.GET.getlist("apply"):  # a link such as the re-orders due page's: the form with them applied
            data = _form_values(form)
            applied = apply_suggestions(data, suggestions, request.GET.getlist("apply"))
            if applied:
                data["applied"] = ",".join(applied)
                form = CloneForm(data, source=source)
        plan = _bound_plan(form, source) if form.is_bound else order_clone_plan(source=source)
        return _page(request, account, source, form, plan=plan, suggestions=suggestions, applied=applied)
    form = CloneForm(request.POST, source=source)
    errors: dict[str, list[str]] = {}
    suggestions = clone_suggestions(source=source, warehouse=_chosen_warehouse(form, source))
    offered = {s.id for s in suggestions}
    applied = [i for i in _applied(request.POST) if i in offered]
    if "apply_suggestion" in request.POST:  # one click: the same form with the suggestion written in, nothing made
        data = request.POST.copy()
        for new in apply_suggestions(data, suggestions, [request.POST["apply_suggestion"]]):
            if new not in applied:
                applied.append(new)
        data["applied"] = ",".join(applied)
        form = CloneForm(data, source=source)
        return _page(request, account, source, form, plan=_bound_plan(form, source), suggestions=suggestions,
                     applied=applied)
    if "_redraw" in request.POST or "_add_line" in request.POST:  # more destinations or lines: draw again, create nothing
        return _page(request, account, source, form, plan=_bound_plan(form, source), suggestions=suggestions,
                     applied=applied)
    if form.is_valid():
        asked = _confirm_cancel(request, account, source, form)
        if asked is not None:
            return asked
        try:
            orders = order_clone(
                source=source,
                by=request.user,
                opened_at=form.opened_at(),
                rejected_submits=form.rejected_submits(),
                door="page",
                suggestions=suggestion_record(suggestions, applied),
                **_arguments(form),
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
    return _page(request, account, source, form, errors=errors, status=422, suggestions=suggestions,
                 applied=applied)


@account_view()
@require_POST
def order_clone_preview(request, account, caps, number: str):
    """Totals and stock for what the form says now; writes nothing."""
    source = _source_for(request, account, number)
    form = CloneForm(request.POST, source=source)
    plan, errors = None, {}
    if form.is_valid():
        try:
            plan = order_clone_plan(source=source, by=request.user, **_arguments(form))
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
    """How fast agents clone (the reference's target: under 30 s), how accurate the clones stay (98.5 %), how
    often the first submit succeeds and which suggestions are taken, over a chosen period."""
    summary, by_purpose, recent = clone_metrics_for(account=account)
    share = (summary["first_time"] / summary["count"] * 100) if summary["count"] else None
    period_form = ClonePeriodForm(request.GET or None)
    first, last, start, end = period_form.period(account)
    return render(
        request,
        "orders/clone_metrics.html",
        {"account": account, "summary": summary, "first_time_share": share, "by_purpose": by_purpose,
         "recent": recent, "period_form": period_form, "first": first, "last": last,
         "quality": clone_quality(account=account, start=start, end=end),
         "accuracy_days": ACCURACY_DAYS, "target_seconds": TARGET_SECONDS, "target_accuracy": TARGET_ACCURACY,
         "edit_kinds": [ORDER_EDIT_KINDS[kind] for kind in EDIT_EVENT_KINDS]},
    )
