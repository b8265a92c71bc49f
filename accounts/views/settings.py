"""The Edit Account page: one tab per URL, each checked against the user's capabilities on that account."""

from typing import Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles, services
from accounts.forms import (
    ApiRulesForm,
    GrantRoleForm,
    MainForm,
    PrivacyForm,
    RecurringJobForm,
    WarehouseForm,
    WorkflowForm,
)
from accounts.invitations import account_access_give
from accounts.invitations import invitation_revoke as revoke_invitation
from accounts.jobs.selectors import recurring_job_get_for_account, recurring_job_runs, recurring_jobs_for_account
from accounts.jobs.services import recurring_job_run_now
from accounts.models import RecurringJob
from accounts.selectors import (
    account_users,
    invitation_get_for_org,
    invitations_pending,
    member_get_for_org,
    organization_wide_members,
    warehouse_get_for_account,
    warehouses_for_account,
)
from accounts.settings_tabs import settings_tab_view, tab_render
from accounts.tenancy.models import Invitation
from channels.selectors import sales_channels_for_account
from oms.confirm import confirmation
from oms.exceptions import DomainError


def _saved(request, account, tab):
    messages.success(request, f"{tab.label} settings saved. They apply at once.")
    return redirect("account_settings", account_id=account.pk, tab=tab.slug)


def _form_tab(form_class) -> Callable:
    def handle(request, account, tab, caps):
        if request.method == "POST":
            form = form_class(request.POST, instance=account)
            if form.is_valid():
                try:
                    services.account_update(
                        account=account,
                        changes=form.changes(),
                        by=request.user,
                        confirm_source_change=form.cleaned_data.get("confirm_source_change", False),
                    )
                except DomainError as error:
                    form.add_domain_error(error)
                else:
                    return _saved(request, account, tab)
            return tab_render(request, account, tab, caps, {"form": form}, status=422)
        form = form_class(instance=account)
        return tab_render(request, account, tab, caps, {"form": form})

    return handle


def _workflow(request, account, tab, caps):
    if request.method == "GET" and request.htmx and request.GET.get("master_product_source"):
        # The source changed in the browser: redraw the fields so the channel list fits the new source.
        form = WorkflowForm(request.GET, instance=account)
        form.errors.clear()
        return render(request, "accounts/settings/_workflow_fields.html", {"form": form, "account": account})
    return _form_tab(WorkflowForm)(request, account, tab, caps)


def _privacy(request, account, tab, caps):
    channels = sales_channels_for_account(account=account)
    form = PrivacyForm(request.POST or None, account=account, channels=channels)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.account_privacy_update(
                    account=account,
                    retention_days=form.cleaned_data["pii_retention_days"],
                    channel_overrides=form.channel_overrides(),
                    by=request.user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return _saved(request, account, tab)
        return tab_render(request, account, tab, caps, {"form": form}, status=422)
    return tab_render(request, account, tab, caps, {"form": form})


def _recurring_jobs(request, account, tab, caps):
    form = RecurringJobForm(request.POST or None, account=account)
    if request.method == "POST":
        if form.is_valid():
            job = RecurringJob(account=account, **form.cleaned_data)
            try:
                services.recurring_job_save(job=job, by=request.user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Added the job “{job}”.")
                return redirect("account_settings", account_id=account.pk, tab=tab.slug)
    jobs = recurring_jobs_for_account(account=account)
    status = 422 if form.is_bound else 200
    return tab_render(request, account, tab, caps, {"form": form, "jobs": jobs}, status=status)


def _warehouses(request, account, tab, caps):
    form = WarehouseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                warehouse = services.warehouse_create(account=account, by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"Added {warehouse}.")
                return redirect("account_settings", account_id=account.pk, tab=tab.slug)
    warehouses = warehouses_for_account(account=account)
    status = 422 if form.is_bound else 200
    return tab_render(request, account, tab, caps, {"form": form, "warehouses": warehouses}, status=status)


def _users(request, account, tab, caps):
    form = GrantRoleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                given = account_access_give(
                    account=account, organization=request.organization, by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if isinstance(given, Invitation):
                    messages.success(request, f"Invitation sent to {given.email}.")
                else:
                    messages.success(request, f"{given.email} now has the role {roles.AccountRole(form.cleaned_data['role']).label}.")
                return redirect("account_settings", account_id=account.pk, tab=tab.slug)
    org_wide = organization_wide_members(organization=request.organization)
    context = {
        "form": form,
        "account_users": account_users(account=account),
        "org_wide": org_wide,
        "invitations": invitations_pending(organization=request.organization, account=account),
    }
    return tab_render(request, account, tab, caps, context, status=422 if form.is_bound else 200)


HANDLERS = {
    "main": _form_tab(MainForm),
    "workflow": _workflow,
    "privacy": _privacy,
    "api-rules": _form_tab(ApiRulesForm),
    "recurring-jobs": _recurring_jobs,
    "warehouses": _warehouses,
    "users": _users,
}


@settings_tab_view()
def account_settings(request, account, caps, tab):
    # The Order rules tab has its own view (orders/views/rules.py), routed before this one.
    if tab.slug not in HANDLERS:
        raise Http404("No such tab.")
    return HANDLERS[tab.slug](request, account, tab, caps)


@settings_tab_view("main")
@require_POST
def rotate_api_key(request, account, caps, tab):
    asked = confirmation(
        request,
        title=f"Rotate the API key of {account.name}?",
        consequences=[
            f"The current key ({account.api_key_prefix}…) stops working at once: every integration using it is refused "
            "until it is given the new key.",
            "The new key is shown once, on the next page.",
        ],
        confirm_label="Rotate the API key",
        back_url=reverse("account_settings", args=[account.pk, tab.slug]),
    )
    if asked:
        return asked
    plain_key = services.account_rotate_api_key(account=account, by=request.user)
    response = tab_render(request, account, tab, caps, {"form": MainForm(instance=account), "plain_api_key": plain_key})
    response["Cache-Control"] = "no-store"
    return response


@settings_tab_view("warehouses")
@require_POST
def warehouse_toggle(request, account, caps, tab, warehouse_id: int):
    warehouse = warehouse_get_for_account(account=account, warehouse_id=warehouse_id)
    try:
        services.warehouse_set_active(warehouse=warehouse, active=not warehouse.is_active, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{warehouse} is {'enabled' if warehouse.is_active else 'disabled'}.")
    return redirect("account_settings", account_id=account.pk, tab=tab.slug)


@settings_tab_view("warehouses")
def warehouse_edit(request, account, caps, tab, warehouse_id: int):
    warehouse = warehouse_get_for_account(account=account, warehouse_id=warehouse_id)
    initial = {field: getattr(warehouse, field) for field in services.WAREHOUSE_FIELDS}
    form = WarehouseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.warehouse_update(warehouse=warehouse, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Saved {warehouse}.")
            return redirect("account_settings", account_id=account.pk, tab=tab.slug)
    status = 422 if form.is_bound else 200
    return render(
        request,
        "accounts/warehouse_edit.html",
        {"account": account, "warehouse": warehouse, "form": form, "tab": tab},
        status=status,
    )


@settings_tab_view("recurring-jobs")
@require_POST
def recurring_job_action(request, account, caps, tab, job_id: int, action: str):
    job = recurring_job_get_for_account(account=account, job_id=job_id)
    if action in {"enable", "disable"}:
        try:
            services.recurring_job_set_enabled(job=job, enabled=action == "enable", by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The job “{job}” is {action}d.")
    elif action == "delete":
        asked = confirmation(
            request,
            title=f"Delete the job “{job}”?",
            consequences=[
                "It no longer runs, and its run history is deleted with it.",
                "To stop it for a while instead, disable it.",
            ],
            confirm_label="Delete the job",
            back_url=reverse("account_settings", args=[account.pk, tab.slug]),
        )
        if asked:
            return asked
        services.recurring_job_delete(job=job, by=request.user)
        messages.success(request, f"Deleted the job “{job}”.")
    elif action == "run":
        try:
            recurring_job_run_now(job=job, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Queued “{job}” to run now; its result appears in the job's history.")
    else:
        raise Http404("No such action.")
    return redirect("account_settings", account_id=account.pk, tab=tab.slug)


@settings_tab_view("recurring-jobs")
def recurring_job_detail(request, account, caps, tab, job_id: int):
    job = recurring_job_get_for_account(account=account, job_id=job_id)
    initial = {field: getattr(job, field) for field in ("job_type", "channel", "interval_minutes", "cron", "is_enabled")}
    form = RecurringJobForm(request.POST or None, account=account, initial=initial)
    if request.method == "POST" and form.is_valid():
        for field, value in form.cleaned_data.items():
            setattr(job, field, value)
        try:
            services.recurring_job_save(job=job, by=request.user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Saved the job “{job}”.")
            return redirect("recurring_job_detail", account_id=account.pk, job_id=job.pk)
    context = {"account": account, "job": job, "form": form, "tab": tab, "runs": recurring_job_runs(job=job)}
    return render(request, "accounts/recurring_job.html", context, status=422 if form.is_bound else 200)


@settings_tab_view("users")
@require_POST
def revoke_role(request, account, caps, tab, user_id: int):
    user = member_get_for_org(organization=request.organization, user_id=user_id)
    asked = confirmation(
        request,
        title=f"Revoke the access of {user.email} to {account.name}?",
        consequences=[f"{user.email} can no longer open {account.name} or its orders; other accounts are not affected."],
        confirm_label="Revoke access",
        back_url=reverse("account_settings", args=[account.pk, tab.slug]),
    )
    if asked:
        return asked
    services.account_role_revoke(account=account, user=user, by=request.user)
    messages.success(request, f"{user.email} no longer has access to {account.name}.")
    return redirect(reverse("account_settings", kwargs={"account_id": account.pk, "tab": tab.slug}))


@settings_tab_view("users")
@require_POST
def invitation_revoke(request, account, caps, tab, invitation_id: int):
    invitation = invitation_get_for_org(organization=request.organization, invitation_id=invitation_id, account=account)
    asked = confirmation(
        request,
        title=f"Revoke the invitation of {invitation.email}?",
        consequences=[f"The link sent to {invitation.email} stops working; to let them in, invite them again."],
        confirm_label="Revoke the invitation",
        back_url=reverse("account_settings", args=[account.pk, tab.slug]),
    )
    if asked:
        return asked
    revoke_invitation(invitation=invitation, account=account, by=request.user)
    messages.success(request, f"The invitation of {invitation.email} is revoked; its link no longer works.")
    return redirect(reverse("account_settings", kwargs={"account_id": account.pk, "tab": tab.slug}))
