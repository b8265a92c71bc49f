"""The public site (no organization): system admins list, create and edit organizations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.forms import MemberAddForm, OrganizationEditForm, OrganizationForm, TwoFactorPolicyForm
from accounts.selectors import organization_get, organization_members, organizations_listed
from accounts.tenancy import services
from accounts.tenancy.two_factor import organization_require_two_factor
from oms.confirm import confirmation
from oms.exceptions import DomainError


def _require_system_admin(request) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only system administrators may manage organizations.")


@login_required
def organization_list(request):
    _require_system_admin(request)
    organizations = organizations_listed()
    return render(request, "public/organization_list.html", {"organizations": organizations})


@login_required
def organization_create(request):
    _require_system_admin(request)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization = services.organization_create(**data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Created {organization.name} at {services.organization_domain(organization.slug)}.")
            return redirect("public:organization_edit", organization_id=organization.pk)
    return render(request, "public/organization_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def organization_edit(request, organization_id: int):
    _require_system_admin(request)
    organization = organization_get(organization_id=organization_id)
    form = OrganizationEditForm(
        request.POST if request.POST.get("form") == "edit" else None,
        initial={"name": organization.name, "is_active": organization.is_active},
    )
    member_form = MemberAddForm(request.POST if request.POST.get("form") == "member" else None)
    if form.is_bound and form.is_valid():
        try:
            services.organization_update(organization=organization, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Saved.")
            return redirect("public:organization_edit", organization_id=organization.pk)
    if member_form.is_bound and member_form.is_valid():
        try:
            services.member_add(organization=organization, **member_form.cleaned_data)
        except DomainError as error:
            member_form.add_domain_error(error)
        else:
            messages.success(request, "Member added.")
            return redirect("public:organization_edit", organization_id=organization.pk)
    context = {
        "organization": organization,
        "form": form,
        "member_form": member_form,
        "members": organization_members(organization=organization),
        "domain": services.organization_domain(organization.slug),
        "two_factor_form": TwoFactorPolicyForm(
            initial={"require_two_factor_for_admins": organization.require_two_factor_for_admins}
        ),
    }
    status = 422 if (form.errors or member_form.errors) else 200
    return render(request, "public/organization_edit.html", context, status=status)


@login_required
@require_POST
def organization_two_factor(request, organization_id: int):
    _require_system_admin(request)
    organization = organization_get(organization_id=organization_id)
    required = TwoFactorPolicyForm(request.POST).required()
    if not required and organization.require_two_factor_for_admins:
        asked = confirmation(
            request,
            title=f"Stop requiring two-factor sign-in in {organization.name}?",
            consequences=["Administrators may sign in with a password alone; those who use it now keep it on."],
            confirm_label="Stop requiring it",
            back_url=reverse("public:organization_edit", args=[organization.pk]),
        )
        if asked:
            return asked
    organization_require_two_factor(organization=organization, required=required, by=request.user)
    messages.success(request, TwoFactorPolicyForm.saved_message(required))
    return redirect("public:organization_edit", organization_id=organization.pk)
