import time

from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import roles
from accounts.forms import TwoFactorCodeForm
from accounts.middleware import activate_account
from accounts.models import Account
from accounts.selectors import account_capabilities, account_get_for_user, accounts_for_user
from accounts.tenancy import lockout
from accounts.tenancy.models import User
from accounts.tenancy.two_factor import PENDING_KEY, two_factor_device, two_factor_login_pending, two_factor_verify
from oms.exceptions import DomainError
from oms.forms import ColumnIntegerField

class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That email and password do not match an account of this organization.",
        "inactive": "This user is disabled.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"


class SwitchAccountForm(forms.Form):
    account = ColumnIntegerField(column=(Account, "id"), min_value=1)
    next = forms.CharField(required=False)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """The right password signs in at once, unless the user has two-factor sign-in on: then the code step."""
        user = form.get_user()
        if two_factor_device(user=user) is None:
            return super().form_valid(form)
        two_factor_login_pending(self.request, user=user, backend=user.backend, next_url=self.get_redirect_url())
        return redirect("login_code")


def login_code(request):
    """The second sign-in step: a code from the authenticator app or a recovery code. Wrong codes count towards
    the same lockout as wrong passwords."""
    pending = request.session.get(PENDING_KEY) or {}
    user = _pending_user(pending)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = TwoFactorCodeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        if lockout.is_locked(request, email=user.email):
            return lockout.lockout_response(request, None, {"username": user.email})
        try:
            device = two_factor_verify(user=user, code=form.cleaned_data["code"])
        except DomainError as error:  # too soon after a wrong code: not a guess, not counted
            form.add_domain_error(error)
            device = None
        else:
            if device is None:
                lockout.failure_record(request, email=user.email)
                form.add_error("code", "That code is not right. Use the newest code from your app, or a recovery code.")
        if device is not None:
            del request.session[PENDING_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "registration/login_code.html", {"form": form, "email": user.email})


def _pending_user(pending: dict) -> User | None:
    if not pending or time.time() - pending.get("at", 0) > settings.TWO_FACTOR_LOGIN_SECONDS:
        return None
    return User.objects.filter(pk=pending.get("user"), is_active=True).first()


@login_required
def home(request):
    """Where a signed-in user lands: the current account, the organization page, or a choice."""
    if request.organization is None:
        return redirect("public:organization_list")
    if request.account is not None:
        return redirect("account_overview", account_id=request.account.pk)
    accounts = list(accounts_for_user(user=request.user))
    if request.org_role in roles.ORG_LEVEL_CAPABILITIES:
        return redirect("organization")
    if len(accounts) == 1:
        return redirect("account_overview", account_id=accounts[0].pk)
    return render(request, "accounts/choose_account.html", {"accounts": accounts})


@login_required
@require_POST
def switch_account(request):
    """The header switcher: make another account current and go to the same place in it."""
    form = SwitchAccountForm(request.POST)
    if not form.is_valid():
        raise Http404("No such account.")
    account = account_get_for_user(user=request.user, account_id=form.cleaned_data["account"])
    activate_account(request, account)
    target = form.cleaned_data["next"]
    prefix = "/accounts/"
    if target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        # /accounts/<old id>/settings/workflow/ -> /accounts/<new id>/settings/workflow/, when allowed there
        old_id, _, rest = target[len(prefix):].partition("/")
        if old_id.isdigit() and rest.startswith("settings/"):
            caps = account_capabilities(user=request.user, account=account)
            needed = roles.MANAGE_WAREHOUSES if rest.startswith("settings/warehouses") else roles.ADMINISTER
            if needed in caps:
                return redirect(f"{prefix}{account.pk}/{rest}")
    return redirect(reverse("account_overview", kwargs={"account_id": account.pk}))
