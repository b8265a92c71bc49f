"""Organization page → Create → Clone account: a form with a live preview, then the result or its progress."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import roles
from accounts.access import organization_capability_required
from accounts.clone import account_clone_preview, account_clone_progress, account_clone_request
from accounts.forms import DomainErrorFormMixin
from accounts.middleware import activate_account
from accounts.models import Account, AccountCloneRequest
from accounts.selectors import account_clone_request_get
from oms.exceptions import DomainError


class AccountCloneForm(DomainErrorFormMixin, forms.Form):
    source = forms.ModelChoiceField(queryset=Account.objects.all(), label="Account to clone")
    name = forms.CharField(max_length=120, label="New account name", help_text="Unique within the organization")
    with_users = forms.BooleanField(required=False, label="Also give its users the same access to the new account")


class CloneSourceForm(forms.Form):
    """The account picked for the preview (from the query string, or what the form held)."""

    source = forms.ModelChoiceField(
        queryset=Account.objects.all(), error_messages={"invalid_choice": "There is no such account to clone."}
    )
    with_users = forms.BooleanField(required=False)


@login_required
def account_clone(request):
    organization_capability_required(request, roles.MANAGE_ACCOUNTS)
    picked = CloneSourceForm(request.GET) if request.GET.get("source") else None
    if request.method == "GET" and picked is not None:
        if not picked.is_valid():
            form = AccountCloneForm()
            return render(request, "accounts/clone_account.html", {"form": form, "picked": picked}, status=400)
        source, with_users = picked.cleaned_data["source"], picked.cleaned_data["with_users"]
        if request.htmx:
            report = account_clone_preview(source=source, with_users=with_users)
            return render(request, "accounts/partials/_clone_preview.html", {"report": report, "source": source})
    form = AccountCloneForm(request.POST or None, initial={"source": picked.cleaned_data["source"] if picked else None})
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            clone_request, plain_key = account_clone_request(
                source=data["source"], name=data["name"], with_users=data["with_users"], by=request.user
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if clone_request.status == AccountCloneRequest.Status.DONE:
                activate_account(request, clone_request.new_account)
                response = render(
                    request, "accounts/clone_status.html",
                    {"clone_request": clone_request, "plain_api_key": plain_key, "account": clone_request.new_account,
                     "progress": (100, "Done")},
                )
                response["Cache-Control"] = "no-store"
                return response
            return redirect("account_clone_status", request_id=clone_request.pk)
    shown = CloneSourceForm({"source": form["source"].value(), "with_users": form["with_users"].value()})
    source = shown.cleaned_data["source"] if shown.is_valid() else None
    if source is not None:
        report = account_clone_preview(source=source, with_users=shown.cleaned_data["with_users"])
    status = 422 if form.errors else 200
    return render(request, "accounts/clone_account.html", {"form": form, "report": report, "source": source},
                  status=status)


@login_required
def account_clone_status(request, request_id: int):
    organization_capability_required(request, roles.MANAGE_ACCOUNTS)
    clone_request = account_clone_request_get(request_id=request_id)
    context = {
        "clone_request": clone_request,
        "account": clone_request.new_account,
        "progress": account_clone_progress(clone_request=clone_request),
    }
    if request.htmx:
        return render(request, "accounts/partials/_clone_progress.html", context)
    return render(request, "accounts/clone_status.html", context)
