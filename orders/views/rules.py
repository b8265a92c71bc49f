"""The Order rules tab of an account's settings: list, create, edit (ends a review), reorder, enable."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.settings_tabs import settings_tab_view, tab_render
from oms.confirm import confirmation
from oms.exceptions import DomainError
from orders.forms import OrderRuleForm
from orders.rules import ACTIONS, CONDITIONS, describe, resolve
from orders.selectors import order_rule_get_for_account, order_rules_for_account
from orders.services.rules import (
    order_rule_delete,
    order_rule_move,
    order_rule_save,
    order_rule_set_active,
)


@settings_tab_view("order-rules")
def rules_tab(request, account, caps, tab):
    """The tab: the rules in the order they run."""
    rules = list(order_rules_for_account(account=account))
    rows = resolve(account, rules)
    listed = [
        {
            "rule": rule,
            "conditions": [describe(c, CONDITIONS, rows) for c in rule.conditions] or ["Every order"],
            "actions": [describe(a, ACTIONS, rows) for a in rule.actions],
        }
        for rule in rules
    ]
    return tab_render(request, account, tab, caps, {"rules": listed})


def _rule_page(request, account, tab, rule):
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


@settings_tab_view("order-rules")
def rule_new(request, account, caps, tab):
    return _rule_page(request, account, tab, None)


@settings_tab_view("order-rules")
def rule_edit(request, account, caps, tab, rule_id: int):
    return _rule_page(request, account, tab, order_rule_get_for_account(account=account, rule_id=rule_id))


@settings_tab_view("order-rules")
@require_POST
def rule_action(request, account, caps, tab, rule_id: int, action: str):
    rule = order_rule_get_for_account(account=account, rule_id=rule_id)
    if action == "delete":
        asked = confirmation(
            request,
            title=f"Delete the order rule “{rule.name}”?",
            consequences=[
                "New sales orders are no longer checked against it; orders it already changed stay as they are.",
                "To stop it for a while instead, disable it.",
            ],
            confirm_label="Delete the rule",
            back_url=reverse("account_settings", args=[account.pk, "order-rules"]),
        )
        if asked:
            return asked
    try:
        if action in {"up", "down"}:
            order_rule_move(rule=rule, direction=action, by=request.user)
            done = f"Moved “{rule.name}” {action}."
        elif action in {"enable", "disable"}:
            order_rule_set_active(rule=rule, active=action == "enable", by=request.user)
            done = f"The order rule “{rule.name}” is {action}d."
        elif action == "delete":
            order_rule_delete(rule=rule, by=request.user)
            done = f"Deleted the order rule “{rule.name}”."
        else:
            raise Http404("No such action.")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("account_settings", account_id=account.pk, tab="order-rules")
