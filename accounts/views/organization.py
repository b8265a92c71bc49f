"""The organization page (accounts, members) and an account's overview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import roles, services
from accounts.access import account_view, organization_capability_required
from accounts.forms import AccountCreateForm, MemberInviteForm, TwoFactorPolicyForm
from accounts.invitations import invitation_revoke as revoke_invitation
from accounts.invitations import member_invite
from accounts.middleware import activate_account
from accounts.selectors import (
    account_activity,
    account_get,
    account_readiness,
    accounts_for_user,
    invitation_get_for_org,
    invitations_pending,
    member_get_for_org,
    organization_members,
)
from accounts.tenancy import services as tenancy_services
from accounts.tenancy.models import Invitation
from accounts.tenancy.two_factor import organization_require_two_factor
from oms.confirm import confirmation
from oms.exceptions import DomainError


@login_required
def organization(request):
    organization_capability_required(request, roles.MANAGE_ACCOUNTS)
    return _organization_page(request, AccountCreateForm(), MemberInviteForm())


def _organization_page(request, account_form, member_form, status=200, extra=None):
    can_manage_members = roles.MANAGE_ORGANIZATION in roles.ORG_LEVEL_CAPABILITIES.get(request.org_role, set())
    context = {
        "accounts": accounts_for_user(user=request.user, include_disabled=True).select_related("default_warehouse"),
        "account_form": account_form,
        "member_form": member_form,
        "members": organization_members(organization=request.organization) if can_manage_members else None,
        "invitations": invitations_pending(organization=request.organization) if can_manage_members else None,
        "can_manage_members": can_manage_members,
        "two_factor_form": TwoFactorPolicyForm(
            initial={"require_two_factor_for_admins": request.organization.require_two_factor_for_admins}
        ),
        **(extra or {}),
    }
    return render(request, "accounts/organization.html", context, status=status)


@login_required
@require_POST
def account_create(request):
    organization_capability_required(request, roles.MANAGE_ACCOUNTS)
    form = AccountCreateForm(request.POST)
    if form.is_valid():
        try:
            account, plain_key = services.account_create(
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                timezone_name=form.cleaned_data["timezone"],
                by=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            activate_account(request, account)
            response = render(request, "accounts/account_created.html", {"account": account, "plain_api_key": plain_key})
            response["Cache-Control"] = "no-store"
            return response
    return _organization_page(request, form, MemberInviteForm(), status=422)


@login_required
@require_POST
def account_set_active(request, account_id: int):
    organization_capability_required(request, roles.MANAGE_ACCOUNTS)
    account = account_get(account_id=account_id)
    active = request.POST.get("active") == "1"
    if not active and account.is_active:
        asked = confirmation(
            request,
            title=f"Disable {account.name}?",
            consequences=[
                f"Nobody can open {account.name}, its orders or its settings until it is enabled again.",
                "Its API key is refused, so integrations sending orders to it stop at once.",
                "Nothing is deleted: enabling it again brings everything back.",
            ],
            confirm_label=f"Disable {account.name}",
            back_url=reverse("organization"),
        )
        if asked:
            return asked
    services.account_set_active(account=account, active=active, by=request.user)
    messages.success(request, f"{account.name} is {'enabled' if active else 'disabled'}.")
    return redirect("organization")


@login_required
@require_POST
def member_add(request):
    organization_capability_required(request, roles.MANAGE_ORGANIZATION)
    form = MemberInviteForm(request.POST)
    if form.is_valid():
        try:
            given = member_invite(organization=request.organization, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if isinstance(given, Invitation):
                messages.success(request, f"Invitation sent to {given.email}.")
            else:
                messages.success(request, f"{given.user.email} is now {given.get_role_display()}.")
            return redirect("organization")
    return _organization_page(request, AccountCreateForm(), form, status=422)


@login_required
@require_POST
def member_remove(request, user_id: int):
    organization_capability_required(request, roles.MANAGE_ORGANIZATION)
    user = member_get_for_org(organization=request.organization, user_id=user_id)
    if user == request.user:
        messages.error(request, "You cannot remove yourself from the organization.")
    else:
        asked = confirmation(
            request,
            title=f"Remove {user.email} from {request.organization.name}?",
            consequences=[
                f"{user.email} can no longer sign in to {request.organization.name}.",
                "Every account role they hold here is taken away; adding them again starts with no roles.",
            ],
            confirm_label="Remove the member",
            back_url=reverse("organization"),
        )
        if asked:
            return asked
        tenancy_services.member_remove(organization=request.organization, user=user)
        messages.success(request, f"{user.email} was removed from the organization.")
    return redirect("organization")


@login_required
@require_POST
def invitation_revoke(request, invitation_id: int):
    organization_capability_required(request, roles.MANAGE_ORGANIZATION)
    invitation = invitation_get_for_org(organization=request.organization, invitation_id=invitation_id)
    asked = confirmation(
        request,
        title=f"Revoke the invitation of {invitation.email}?",
        consequences=[f"The link sent to {invitation.email} stops working; to let them in, invite them again."],
        confirm_label="Revoke the invitation",
        back_url=reverse("organization"),
    )
    if asked:
        return asked
    revoke_invitation(invitation=invitation, by=request.user)
    messages.success(request, f"The invitation of {invitation.email} is revoked; its link no longer works.")
    return redirect("organization")


@login_required
@require_POST
def organization_two_factor(request):
    """Organization administrators require (or stop requiring) two-factor sign-in of administrators."""
    organization_capability_required(request, roles.MANAGE_ORGANIZATION)
    required = TwoFactorPolicyForm(request.POST).required()
    if not required and request.organization.require_two_factor_for_admins:
        asked = confirmation(
            request,
            title=f"Stop requiring two-factor sign-in in {request.organization.name}?",
            consequences=["Administrators may sign in with a password alone; those who use it now keep it on."],
            confirm_label="Stop requiring it",
            back_url=reverse("organization"),
        )
        if asked:
            return asked
    organization_require_two_factor(organization=request.organization, required=required, by=request.user)
    messages.success(request, TwoFactorPolicyForm.saved_message(required))
    return redirect("organization")


@account_view()
def account_overview(request, account, caps):
    context = {
        "account": account,
        "caps": caps,
        "can_administer": roles.ADMINISTER in caps,
        "activity": account_activity(account=account, limit=20),
        "readiness": account_readiness(account=account) if roles.ADMINISTER in caps else None,
        "counts": [
            (account.warehouses.count(), "warehouse"),
            (account.channels.count(), "channel"),
            (account.products.count(), "product"),
            (account.recurring_jobs.count(), "recurring job"),
        ],
    }
    return render(request, "accounts/overview.html", context)
