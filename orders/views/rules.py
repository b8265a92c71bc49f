"""The Order rules tab of an account's settings: list, create, edit (ends a review), reorder, enable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from oms.exceptions import DomainError
from orders.forms import OrderRuleForm
from orders.models import OrderRule
from orders.rules import ACTIONS, CONDITIONS, describe, resolve
from orders.services.rules import order_rule_delete, order_rule_move, order_rule_save, order_rule_set_active


def rules_tab(request, account, tab, caps, render_tab):
    """The tab body: the rules in the order they run."""
    rules = list(OrderRule.objects.filter(account=account).order_by("position", "id"))
    rows = resolve(account, rules)
    listed = [
        {
            "rule": rule,
            "conditions": [describe(c, CONDITIONS, rows) for c in rule.conditions] or ["Every order"],
            "actions": [describe(a, ACTIONS, rows) for a in rule.actions],
        }
        for rule in rules
    ]
    return render_tab(request, account, tab, caps, {"rules": listed})


def _rule_page(request, account_id: int, rule_id: int | None):
    from accounts.views.settings import account_for_tab

    account, tab, caps = account_for_tab(request, account_id, "order-rules")
    rule = get_object_or_404(OrderRule, account=account, pk=rule_id) if rule_id else None
    form = OrderRuleForm(request.POST or None, account=account, rule=rule)
    if request.method == "POST" and form.is_valid():
        conditions, actions = form.entries()
        try:
            saved = order_rule_save(account=account, by=request.user, name=form.cleaned_data["name"],
                                    conditions=conditions, actions=actions,
                                    is_active=form.cleaned_data["is_active"], rule=rule)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved the order rule “{saved.name}”.")
            return redirect("account_settings", account_id=account.pk, tab="order-rules")
    status = 422 if form.errors else 200
    return render(request, "orders/rule_form.html", {"account": account, "rule": rule, "form": form, "tab": tab},
                  status=status)


@login_required
def rule_new(request, account_id: int):
    return _rule_page(request, account_id, None)


@login_required
def rule_edit(request, account_id: int, rule_id: int):
    return _rule_page(request, account_id, rule_id)


@login_required
@require_POST
def rule_action(request, account_id: int, rule_id: int, action: str):
    from accounts.views.settings import account_for_tab

    account, tab, _ = account_for_tab(request, account_id, "order-rules")
    rule = get_object_or_404(OrderRule.objects.select_related("account"), account=account, pk=rule_id)
    try:
        if action in {"up", "down"}:
            order_rule_move(rule=rule, direction=action, by=request.user)
        elif action in {"enable", "disable"}:
            order_rule_set_active(rule=rule, active=action == "enable", by=request.user)
        elif action == "delete":
            order_rule_delete(rule=rule, by=request.user)
        else:
            raise Http404("No such action.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("account_settings", account_id=account.pk, tab="order-rules")
