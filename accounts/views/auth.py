from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.middleware import activate_account
from accounts.models import Account
from accounts.selectors import account_capabilities, account_get_for_user, accounts_for_user
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
