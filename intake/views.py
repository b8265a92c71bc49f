"""The intake pages: health per source and the failures by impact (htmx swaps the list), one failure (map an
unknown SKU, replay, discard, replay every failure with a mapped SKU and that run's progress), replay many, the
CSV order import (and its template) and the manual order form.

Anyone who may see the account sees the pages; replaying, mapping, discarding and creating orders need
WORK_ORDERS (403 otherwise). Another account's user gets the same 404 as for a missing account."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import account_view
from intake import selectors
from intake.csv_import import (
    MAX_ROWS,
    csv_columns,
    csv_decode,
    csv_import_get_for_account,
    csv_import_request,
    csv_imports_recent,
    csv_template,
)
from intake.forms import (
    CsvUploadForm,
    FailureFilterForm,
    LINES_PREFIX,
    MAX_LINES,
    LineForm,
    LineFormSet,
    ManualOrderForm,
    ReplayForm,
    SkuMapForm,
    line_total,
    lines_data_with_row,
    lines_data_without_row,
    manual_lines,
    show_problems,
)
from intake.models import IntakeFailure
from intake.services import (
    intake_discard, intake_discard_many, intake_replay, intake_replay_many, intake_submit_manual, replay_run_request,
    sku_alias_set,
)
from oms.confirm import confirmation
from oms.exceptions import DomainError
from oms.text import count_of



def _order_link(account, order) -> str:
    return _order_link_number(account, order.number)


def _order_link_number(account, number: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse("order_detail", args=[account.pk, number]), number)


def _first_reason(failure: IntakeFailure) -> str:
    return failure.reasons[0]["message"] if failure.reasons else "rejected"


@account_view()
def intake_page(request, account, caps):
    channels = selectors.sales_channels(account=account)
    form = FailureFilterForm(request.GET or None, channels=channels)
    filters = form.filters()
    page = selectors.failure_page(
        account=account, **filters, after=selectors.FailureCursor.decode(request.GET.get("after")),
        limit=selectors.PAGE_SIZE,
    )
    query = form.querystring()
    context = {
        "account": account,
        "form": form,
        "health": selectors.intake_health(account=account, channels=channels),
        "page": page,
        "status": filters["status"],
        "can_work": roles.WORK_ORDERS in caps,
        "filtered": bool(query),
        "query": query,
        "next_url": f"{request.path}?" + "&".join(p for p in (query, f"after={page.next.encode()}") if p)
        if page.next else None,
        "first_url": f"{request.path}?{query}" if request.GET.get("after") else None,
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "intake/partials/_failures.html" if fragment else "intake/intake.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@account_view()
def failure_detail(request, account, caps, failure_id: int):
    failure = selectors.failure_get_for_account(account=account, failure_id=failure_id)
    unknown = selectors.failure_unknown_skus(failure)
    return _render_failure(request, account, caps, failure, unknown, SkuMapForm(unknown=unknown, account=account))


def _replay_offers(account, failure, unknown) -> list[dict]:
    """"Replay every open failure with this SKU (N)" for each unknown SKU of an open failure that is now mapped."""
    if failure.status not in selectors.OPEN:
        return []
    mapped = selectors.skus_mapped(account=account, channel=failure.channel, skus=unknown)
    skus = [sku for sku in unknown if sku.lower() in mapped]
    counts = selectors.failures_open_count_by_unknown_sku(account=account, skus=skus, channel=failure.channel)
    return [{"sku": sku, "count": counts.get(" ".join(sku.split()).lower(), 0)} for sku in skus]


def _render_failure(request, account, caps, failure, unknown, map_form, status=200):
    return render(
        request, "intake/failure.html",
        {
            "account": account,
            "failure": failure,
            "payload_pretty": json.dumps(failure.payload, indent=2, ensure_ascii=False),
            "history": selectors.failure_history(failure),
            "unknown": unknown,
            "map_form": map_form,
            "replay_offers": _replay_offers(account, failure, unknown) if roles.WORK_ORDERS in caps else [],
            "can_work": roles.WORK_ORDERS in caps,
            "is_open": failure.status in selectors.OPEN,
        },
        status=status,
    )


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
@require_POST
def failure_action(request, account, caps, failure_id: int, action: str):
    failure = selectors.failure_get_for_account(account=account, failure_id=failure_id)
    back = redirect("intake_failure", account.pk, failure.pk)
    if action == "map":
        unknown = selectors.failure_unknown_skus(failure)
        form = SkuMapForm(request.POST, unknown=unknown, account=account)
        if form.is_valid():
            variant = selectors.variant_by_sku(account=account, sku=form.cleaned_data["sku"])
            if variant is None:
                form.add_error("sku", f"“{form.cleaned_data['sku']}” is not one of {account.name}'s SKUs.")
            else:
                try:
                    sku_alias_set(
                        account=account, external_sku=form.cleaned_data["external_sku"], variant=variant,
                        channel=failure.channel, by=request.user,
                    )
                except DomainError as exc:
                    form.add_error("sku" if exc.field == "variant" else None, exc.message)
                else:
                    where = f" for {failure.channel.name}" if failure.channel else ""
                    messages.success(
                        request, f"{form.cleaned_data['external_sku']} now means {variant.sku}{where}. "
                        "Replay the failure to create its order, or every open failure with this SKU.",
                    )
                    return back
        return _render_failure(request, account, caps, failure, unknown, form, status=400)
    if action == "replay":
        _replay(request, account, failure)
        return back
    if action == "replay-sku":
        return _replay_sku(request, account, failure) or back
    if action == "discard":
        if failure.status not in selectors.OPEN:
            messages.info(request, f"This failure is {failure.get_status_display().lower()}; nothing to discard.")
            return back
        label = failure.external_id or f"#{failure.pk}"
        asked = confirmation(
            request,
            title=f"Discard the failure {label}?",
            consequences=[
                "No order is made from it, and it is no longer retried or counted among the open failures.",
                "It stays in the list of discarded failures, but it cannot be replayed from there.",
            ],
            confirm_label="Discard",
            back_url=reverse("intake_failure", args=[account.pk, failure.pk]),
        )
        if asked:
            return asked
        intake_discard(failure=failure, by=request.user)
        messages.success(request, "Discarded: it stays in the list of discarded failures.")
        return back
    raise Http404("No such action.")


def _replay(request, account, failure) -> bool:
    """Replay one failure and say what came of it; True when it became (or already was) an order."""
    label = failure.external_id or f"#{failure.pk}"
    if failure.status not in selectors.OPEN:
        if failure.order is not None:
            messages.info(request, format_html("{} was already replayed: {}", label, _order_link(account, failure.order)))
        else:
            messages.info(request, f"{label} is {failure.get_status_display().lower()}; nothing to replay.")
        return failure.order is not None
    result = intake_replay(failure=failure, by=request.user)
    if result.order is None and result.duplicate_of is not None:
        messages.info(request, format_html(
            "{} is already order {}: nothing new was created.", label, _order_link(account, result.duplicate_of),
        ))
        return True
    order = result.order or result.duplicate_of
    if order is not None:
        messages.success(request, format_html("{} became order {}.", label, _order_link(account, order)))
        return True
    messages.error(request, f"{label} was rejected again: {_first_reason(result.failure)}")
    return False


def _replay_sku(request, account, failure):
    """Replay every open failure with one of this failure's unknown SKUs, once mapped: at once when few (a
    summary message), else in the background (its progress page)."""
    unknown = selectors.failure_unknown_skus(failure)
    wanted = request.POST.get("sku", "")
    sku = next((s for s in unknown if s == wanted), None)
    if sku is None or sku.lower() not in selectors.skus_mapped(account=account, channel=failure.channel, skus=[sku]):
        messages.error(request, "Nothing was replayed: map that SKU first (it must be one this failure does not know).")
        return None
    failures = selectors.failures_open_with_unknown_sku(account=account, sku=sku, channel=failure.channel)
    if not failures:
        messages.info(request, f"No open failure has {sku} any more: nothing to replay.")
        return None
    run = replay_run_request(account=account, external_sku=sku, channel=failure.channel, failures=failures, by=request.user)
    if run.status == run.Status.QUEUED:
        return redirect("intake_replay_run", account.pk, run.pk)
    _replay_run_message(request, account, run)
    return None


def _replay_run_message(request, account, run) -> None:
    numbers = run.result.get("orders", [])
    links = format_html_join(", ", "{}", ((_order_link_number(account, n),) for n in numbers[:20]))
    more = f" and {len(numbers) - 20} more" if len(numbers) > 20 else ""
    if numbers:
        messages.success(request, format_html("{} Orders: {}{}.", run.summary, links, more))
    else:
        messages.info(request, run.summary)
    if run.result.get("still"):
        still = [f"{s['label']}: {s['reason']}" for s in run.result["still"][:5]]
        messages.error(request, f"{len(run.result['still'])} still rejected. " + " · ".join(still))


@account_view()
def replay_run_status(request, account, caps, run_id: int):
    """One "replay every failure with this SKU" run: its progress (the partial, polled by htmx while it runs),
    then what came of it."""
    context = {"account": account, "run": selectors.replay_run_get_for_account(account=account, run_id=run_id)}
    fragment = request.htmx and not request.htmx.history_restore_request
    response = render(request, "intake/partials/_replay_progress.html" if fragment else "intake/replay_run.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_url(target: str, back: str) -> str:
    """The failures list the person came from: `target` with the list's own query string, if one came back."""
    return f"{target}?{back}" if back and "\n" not in back else target


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
@require_POST
def replay_many(request, account, caps):
    """"Replay selected" (the ticked boxes) or "Replay all shown" (every failure of the page)."""
    target = reverse("intake_page", args=[account.pk])
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was replayed: " + " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(target)
    failures = selectors.failures_open_by_ids(account=account, ids=form.failure_ids()[: selectors.PAGE_SIZE])
    report = intake_replay_many(failures=failures, by=request.user)
    if not failures:
        messages.info(request, "Nothing to replay: tick at least one open failure.")
    else:
        if report.orders:
            numbers = ", ".join(order.number for order in report.orders)
            messages.success(request, f"Replayed {len(report.orders)} into orders: {numbers}.")
        if report.still:
            still = [f"{f.external_id or '#' + str(f.pk)}: {reason}" for f, reason in report.still]
            messages.error(request, f"{len(still)} still rejected. " + " · ".join(still[:5]))
    return redirect(_list_url(target, form.cleaned_data["back"]))


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
@require_POST
def discard_many(request, account, caps):
    """"Discard selected" (the ticked boxes of the failures list), after asking."""
    target = reverse("intake_page", args=[account.pk])
    form = ReplayForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was discarded: " + " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(target)
    failures = selectors.failures_open_by_ids(account=account, ids=form.cleaned_data["ids"][: selectors.PAGE_SIZE])
    back_url = _list_url(target, form.cleaned_data["back"])
    if not failures:
        messages.info(request, "Nothing to discard: tick at least one open failure.")
        return redirect(back_url)
    labels = [failure.external_id or f"#{failure.pk}" for failure in failures]
    asked = confirmation(
        request,
        title=f"Discard {count_of(len(failures), 'failure')}?",
        consequences=[
            "No order is made from " + ("it" if len(failures) == 1 else "them") + ": " + ", ".join(labels[:10])
            + (f" and {len(labels) - 10} more" if len(labels) > 10 else "") + ".",
            "They are no longer retried or counted among the open failures, and cannot be replayed.",
        ],
        confirm_label="Discard",
        back_url=back_url,
    )
    if asked:
        return asked
    done = intake_discard_many(failures=failures, by=request.user)
    messages.success(request, f"Discarded {count_of(done, 'failure')}: they stay in the list of discarded failures.")
    return redirect(back_url)


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
def csv_import(request, account, caps):
    """Upload a file: checked at once, imported in the background; the status page follows it."""
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            started = csv_import_request(
                account=account, text=csv_decode(upload.read()), filename=upload.name, by=request.user
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("intake_csv_status", account.pk, started.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "intake/csv_import.html",
        {
            "account": account, "form": form, "columns": csv_columns(), "max_rows": MAX_ROWS,
            "csv_imports": csv_imports_recent(account=account),
        },
        status=status,
    )


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
def csv_import_template(request, account, caps):
    """A CSV file to start from: every column and one example row that imports as it is."""
    response = HttpResponse(csv_template(account=account), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="orders-{slugify(account.code)}-template.csv"'
    return response


@account_view()
def csv_imports(request, account, caps):
    """The account's recent uploads: a page, or the last few for the intake page (loaded by htmx, which keeps
    that page's query count as it was)."""
    fragment = request.htmx and not request.htmx.history_restore_request
    context = {
        "account": account,
        "csv_imports": csv_imports_recent(account=account, limit=5 if fragment else 50),
        "can_work": roles.WORK_ORDERS in caps,
    }
    response = render(request, "intake/partials/_csv_imports.html" if fragment else "intake/csv_imports.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@account_view()
def csv_import_status(request, account, caps, import_id: int):
    """One upload's progress (the partial, polled by htmx while it runs) and, once done, what came of it."""
    context = {
        "account": account,
        "csv_import": csv_import_get_for_account(account=account, import_id=import_id),
        "can_work": roles.WORK_ORDERS in caps,
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    response = render(request, "intake/partials/_csv_progress.html" if fragment else "intake/csv_status.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@account_view(roles.WORK_ORDERS, denied="Your role cannot change orders.")
def manual_order(request, account, caps):
    """The manual order form. "Add a line" and "Remove" post the form back with one row more or less (nothing is
    created); with htmx, "Add a line" gets just the new row."""
    data = request.POST if request.method == "POST" else None
    editing = data is not None and ("add_line" in data or "remove_line" in data)
    if editing and "add_line" in data and request.htmx:
        return _line_row(request, account)
    if editing:
        data = lines_data_with_row(data) if "add_line" in data else lines_data_without_row(data, data["remove_line"])
    choices = selectors.manual_order_choices(account=account)
    form = ManualOrderForm(data, **choices)
    formset = LineFormSet(data, prefix=LINES_PREFIX, form_kwargs={"account": account})
    if data is not None and not editing and form.is_valid() and formset.is_valid():
        lines, rows = manual_lines(formset)
        result = intake_submit_manual(account=account, payload=form.payload(lines), by=request.user)
        if result.order is not None or result.duplicate_of is not None:
            order = result.order or result.duplicate_of
            if result.order is not None:
                flags = [p.message for p in result.problems if p.severity == "warning"]
                messages.success(request, f"Order {order.number} created." + (f" Flagged: {' '.join(flags)}" if flags else ""))
            else:
                messages.info(request, f"An order with reference {order.external_id} already exists: {order.number}.")
            return redirect("order_detail", account.pk, order.number)
        show_problems(form, formset, rows, result.problems)
    status = 400 if data is not None and not editing else 200
    return render(
        request, "intake/new_order.html",
        {"account": account, "form": form, "formset": formset, "max_lines": MAX_LINES, **form.groups()},
        status=status,
    )


def _line_row(request, account):
    """One more empty row of the manual order form, and the form's new row count (swapped out of band)."""
    total = line_total(request.POST)
    if total >= MAX_LINES:
        return render(request, "intake/partials/_line_row.html", {"full": True, "max_lines": MAX_LINES})
    line = LineForm(prefix=f"{LINES_PREFIX}-{total}", account=account, use_required_attribute=False)
    return render(request, "intake/partials/_line_row.html", {"line": line, "index": total, "total": total + 1, "oob": True})
