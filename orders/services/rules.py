"""Managing an account's order rules: create, edit (which ends a review), reorder, enable, delete."""

from django.db import transaction
from django.db.models import Max

from accounts.services import activity_log
from oms.exceptions import DomainError
from orders.models import OrderRule
from orders.rules import ACTIONS, CONDITIONS, clean_entries


@transaction.atomic
def order_rule_save(
    *, account, by, name: str, conditions: list[dict], actions: list[dict], is_active: bool = True,
    rule: OrderRule | None = None,
) -> OrderRule:
    """Create or update a rule. Saving a rule that needed review means an administrator checked it."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the rule a name.", field="name")
    conditions = clean_entries(account=account, entries=conditions, types=CONDITIONS, what="conditions")
    actions = clean_entries(account=account, entries=actions, types=ACTIONS, what="actions")
    if not actions:
        raise DomainError("A rule needs at least one action.", field="actions")
    created = rule is None
    if created:
        last = OrderRule.objects.filter(account=account).aggregate(last=Max("position"))["last"] or 0
        rule = OrderRule(account=account, position=last + 1)
    reviewed = rule.needs_review
    rule.name, rule.conditions, rule.actions, rule.is_active = name, conditions, actions, is_active
    rule.needs_review, rule.review_note, rule.last_skipped_reason = False, "", ""
    rule.save()
    verb = "created" if created else ("reviewed" if reviewed else "updated")
    activity_log(account=account, by=by, action=f"order_rule.{verb}", summary=f"Order rule “{name}” {verb}")
    return rule


@transaction.atomic
def order_rule_move(*, rule: OrderRule, direction: str, by) -> None:
    """Swap the rule with its neighbour above ("up") or below ("down")."""
    rules = list(OrderRule.objects.select_for_update().filter(account=rule.account).order_by("position", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in {"up", "down"} or not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        item.position = position
    OrderRule.objects.bulk_update(rules, ["position"])
    activity_log(account=rule.account, by=by, action="order_rule.moved", summary=f"Moved “{rule.name}” {direction}")


@transaction.atomic
def order_rule_set_active(*, rule: OrderRule, active: bool, by) -> OrderRule:
    if active and rule.needs_review:
        raise DomainError(f"“{rule.name}” needs review: open it, check its references and save it.")
    if rule.is_active != active:
        rule.is_active = active
        rule.save(update_fields=["is_active", "updated_at"])
        state = "enabled" if active else "disabled"
        activity_log(account=rule.account, by=by, action=f"order_rule.{state}", summary=f"Order rule “{rule.name}” {state}")
    return rule


@transaction.atomic
def order_rule_delete(*, rule: OrderRule, by) -> None:
    activity_log(account=rule.account, by=by, action="order_rule.deleted", summary=f"Order rule “{rule.name}” deleted")
    rule.delete()
