"""The invitation link: the invited person joins the organization, then is signed in to it."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.forms import InvitationAcceptForm
from accounts.invitations import invitation_accept as accept
from accounts.invitations import invitation_problem
from accounts.selectors import invitation_by_token, user_exists
from accounts.tenancy import lockout
from accounts.tenancy.two_factor import two_factor_device, two_factor_login_pending
from oms.exceptions import DomainError


@never_cache
def invitation_accept(request, token: str):
    invitation = invitation_by_token(organization=request.organization, token=token) if request.organization else None
    problem = invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410
        return render(request, "accounts/invitation.html", {"problem": problem}, status=status)
    new_user = not user_exists(email=invitation.email)
    form = InvitationAcceptForm(request.POST or None, new_user=new_user)
    if request.method == "POST" and form.is_valid():
        if not new_user and lockout.is_locked(request, email=invitation.email):
            return lockout.lockout_response(request, None, {"username": invitation.email})
        try:
            user = accept(
                invitation=invitation,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data.get("full_name", ""),
            )
        except DomainError as error:
            if error.code == "wrong_password":  # counted like a wrong password at sign-in
                lockout.failure_record(request, email=invitation.email)
            form.add_domain_error(error)
        else:
            backend = "accounts.tenancy.backends.OrganizationBackend"
            if two_factor_device(user=user) is not None:  # joined; signing in still takes their code
                two_factor_login_pending(request, user=user, backend=backend)
                messages.success(request, f"You joined {request.organization.name}. Enter your code to sign in.")
                return redirect("login_code")
            login(request, user, backend=backend)
            messages.success(request, f"Welcome to {request.organization.name}.")
            return redirect("home")
    context = {"invitation": invitation, "form": form, "new_user": new_user}
    return render(request, "accounts/invitation.html", context, status=422 if form.errors else 200)
