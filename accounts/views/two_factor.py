"""The signed-in user's "Two-factor sign-in" page, on the public site and on every organization's site."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django_otp import login as otp_login

from accounts.forms import TwoFactorCodeForm, TwoFactorConfirmForm, TwoFactorDisableForm
from accounts.tenancy import lockout, two_factor
from oms.confirm import confirmation
from oms.exceptions import DomainError


@login_required
def two_factor_page(request):
    """GET shows the state (off, being set up, on); POST `action` is start, confirm, renew or disable."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    confirm_form = TwoFactorConfirmForm(request.POST if action == "confirm" else None)
    renew_form = TwoFactorCodeForm(request.POST if action == "renew" else None, prefix="renew")
    disable_form = TwoFactorDisableForm(request.POST if action == "disable" else None, prefix="disable")

    if action == "start":
        try:
            two_factor.two_factor_setup_start(user=user)
        except DomainError as error:
            messages.info(request, error.message)
        return redirect("two_factor")
    if action == "cancel":
        two_factor.two_factor_setup_cancel(user=user)
        messages.info(request, "Set-up cancelled: two-factor sign-in stays off.")
        return redirect("two_factor")
    if action == "confirm" and confirm_form.is_valid():
        try:
            device, codes = two_factor.two_factor_confirm(user=user, code=confirm_form.cleaned_data["code"])
        except DomainError as error:
            confirm_form.add_domain_error(error)
        else:
            otp_login(request, device)  # this session counts as verified from now on
            return _recovery_codes_page(request, codes, first=True)
    if action == "renew" and renew_form.is_valid():
        if lockout.is_locked(request, email=user.email):
            return lockout.lockout_response(request, None, {"username": user.email})
        try:
            codes = two_factor.two_factor_recovery_codes_renew(user=user, code=renew_form.cleaned_data["code"])
        except DomainError as error:
            if error.code == "wrong_code":
                lockout.failure_record(request, email=user.email)
            renew_form.add_domain_error(error)
        else:
            return _recovery_codes_page(request, codes, first=False)
    if action == "disable" and disable_form.is_valid():
        if lockout.is_locked(request, email=user.email):
            return lockout.lockout_response(request, None, {"username": user.email})
        asked = confirmation(
            request,
            title="Turn off two-factor sign-in?",
            consequences=[
                "Signing in asks only for your password again: a stolen password alone opens your account.",
                "Your authenticator app entry and your recovery codes stop working; turning it on again means "
                "setting up the app anew.",
            ],
            confirm_label="Turn off two-factor sign-in",
            back_url=request.path,
        )
        if asked:
            asked["Cache-Control"] = "no-store"  # the password is reposted in the page
            return asked
        try:
            two_factor.two_factor_disable(user=user, **disable_form.cleaned_data)
        except DomainError as error:
            if error.code in ("wrong_password", "wrong_code"):
                lockout.failure_record(request, email=user.email)
            disable_form.add_domain_error(error)
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two_factor")

    device = two_factor.two_factor_device(user=user)
    pending = None if device is not None else two_factor.two_factor_pending_device(user=user)
    context = {
        "device": device,
        "pending": pending,
        "qr_svg": two_factor.two_factor_qr_svg(pending) if pending else "",
        "secret": two_factor.two_factor_secret(pending) if pending else "",
        "codes_left": two_factor.two_factor_recovery_codes_left(user=user) if device else 0,
        "confirm_form": confirm_form,
        "renew_form": renew_form,
        "disable_form": disable_form,
    }
    bad = confirm_form.errors or renew_form.errors or disable_form.errors or (action and action not in _ACTIONS)
    response = render(request, "accounts/two_factor.html", context, status=422 if bad else 200)
    response["Cache-Control"] = "no-store"  # the secret is on the page while setting up
    return response


_ACTIONS = {"start", "cancel", "confirm", "renew", "disable"}


def _recovery_codes_page(request, codes: list[str], *, first: bool):
    response = render(request, "accounts/two_factor_codes.html", {"codes": codes, "first": first})
    response["Cache-Control"] = "no-store"
    return response
