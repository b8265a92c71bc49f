"""Order rules: what conditions and actions exist, how they are checked, and how they run on new orders.

Entries are small dicts: {"type": "country", "value": "US"}, {"type": "channel", "id": 7},
{"type": "total", "min": "50.00", "max": ""}, {"type": "assign_warehouse", "id": 3}, {"type": "hold"}.
All conditions of a rule must hold (no condition: always). Rules run in position order on each new sales
order of an account whose automatic sales-order workflow is on, before the order is numbered and stock is
allocated, so an assigned warehouse is where stock is taken. Later rules see what earlier ones did.

A rule whose reference is gone (deleted user, variant, channel, warehouse or shipping method) is skipped:
the order's history says so and the rule shows the reason; the order is created as if the rule were off.
Clones do not run rules: the agent chose every field on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from accounts.models import Warehouse
from channels.models import Channel
from oms.codes import country_problem
from oms.exceptions import DomainError
from orders.models import OrderRule, ShippingMethod, Variant


@dataclass(frozen=True)
class EntryType:
    label: str
    ref: str | None = None  # kind of row the entry's "id" points at
    fields: tuple[str, ...] = ()  # plain values the entry carries


CONDITIONS = {
    "channel": EntryType("Sales channel is", ref="channel"),
    "country": EntryType("Destination country is", fields=("value",)),
    "region": EntryType("Destination region is", fields=("value",)),
    "variant": EntryType("Contains SKU", ref="variant"),
    "total": EntryType("Order total between", fields=("min", "max")),
    "tag": EntryType("Has tag", fields=("value",)),
}
ACTIONS = {
    "assign_warehouse": EntryType("Assign warehouse", ref="warehouse"),
    "assign_fulfillment_channel": EntryType("Assign fulfillment channel", ref="fulfillment_channel"),
    "set_shipping_method": EntryType("Set shipping method", ref="shipping_method"),
    "set_carrier_service": EntryType("Set carrier and service code", fields=("carrier", "service")),
    "assign_user": EntryType("Assign to user", ref="user"),
    "add_tag": EntryType("Add tag", fields=("value",)),
    "hold": EntryType("Put on hold"),
}
# References that a copied account cannot keep as they are: its rules with these need review.
REVIEW_REFS = {"channel", "fulfillment_channel", "variant", "user", "shipping_method"}


def _rows(kind: str, account, ids: set[int]) -> dict[int, object]:
    if not ids:
        return {}
    if kind == "user":
        from django.db import connection

        from accounts.selectors import account_capabilities, organization_users

        users = organization_users(organization=connection.tenant).filter(pk__in=ids, is_active=True)
        return {u.pk: u for u in users if "work_orders" in account_capabilities(user=u, account=account)}
    queryset = {
        "channel": Channel.objects.filter(kind=Channel.Kind.SALES),
        "fulfillment_channel": Channel.objects.filter(kind=Channel.Kind.FULFILLMENT),
        "variant": Variant.objects.all(),
        "warehouse": Warehouse.objects.filter(is_active=True),
        "shipping_method": ShippingMethod.objects.filter(is_active=True),
    }[kind]
    return {row.pk: row for row in queryset.filter(account=account, pk__in=ids)}


def entry_refs(entries: list[dict], types: dict[str, EntryType]) -> list[tuple[str, int]]:
    refs = []
    for entry in entries:
        kind = types.get(entry.get("type", ""))
        if kind is not None and kind.ref and entry.get("id") is not None:
            refs.append((kind.ref, int(entry["id"])))
    return refs


def rule_refs(rule: OrderRule) -> list[tuple[str, int]]:
    return entry_refs(rule.conditions, CONDITIONS) + entry_refs(rule.actions, ACTIONS)


def resolve(account, rules: list[OrderRule]) -> dict[str, dict[int, object]]:
    """Every row the rules point at, one query per kind of reference."""
    wanted: dict[str, set[int]] = {}
    for rule in rules:
        for kind, pk in rule_refs(rule):
            wanted.setdefault(kind, set()).add(pk)
    return {kind: _rows(kind, account, ids) for kind, ids in wanted.items()}


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DomainError(f"“{value}” is not an amount.", field="conditions") from None


def clean_entries(*, account, entries: list[dict], types: dict[str, EntryType], what: str) -> list[dict]:
    """Validated, normalised entries; every reference must be a row of this account (users: with access)."""
    cleaned = []
    for entry in entries:
        kind = types.get(entry.get("type", ""))
        if kind is None:
            raise DomainError(f"Unknown {what} “{entry.get('type')}”.", field=what)
        item = {"type": entry["type"]}
        if kind.ref:
            try:
                item["id"] = int(entry.get("id"))
            except (TypeError, ValueError):
                raise DomainError(f"{kind.label}: choose one.", field=what) from None
        for name in kind.fields:
            value = str(entry.get(name, "") or "").strip()
            item[name] = value.upper() if entry["type"] == "country" else value
        if entry["type"] in {"country", "region", "tag", "add_tag"} and not item["value"]:
            raise DomainError(f"{kind.label}: enter a value.", field=what)
        if entry["type"] == "country" and (problem := country_problem(item["value"])):
            raise DomainError(f"Destination country: {problem}", field=what)
        if entry["type"] == "total":
            low, high = _money(item["min"]), _money(item["max"])
            if low is None and high is None:
                raise DomainError("Order total: give a minimum, a maximum or both.", field=what)
            if low is not None and high is not None and low > high:
                raise DomainError("Order total: the minimum is above the maximum.", field=what)
        if entry["type"] == "set_carrier_service" and not (item["carrier"] or item["service"]):
            raise DomainError("Carrier and service code: enter at least one.", field=what)
        cleaned.append(item)
    for kind, pk in entry_refs(cleaned, types):
        if pk not in _rows(kind, account, {pk}):
            label = kind.replace("_", " ")
            raise DomainError(f"That {label} is not available in this account.", field=what)
    return cleaned


def describe(entry: dict, types: dict[str, EntryType], rows: dict[str, dict[int, object]]) -> str:
    kind = types.get(entry.get("type", ""))
    if kind is None:
        return entry.get("type", "?")
    if kind.ref:
        row = rows.get(kind.ref, {}).get(entry.get("id"))
        return f"{kind.label} {row if row is not None else '(missing)'}"
    if entry["type"] == "total":
        return f"{kind.label} {entry.get('min') or '0'} and {entry.get('max') or '∞'}"
    values = " / ".join(entry.get(name, "") for name in kind.fields if entry.get(name))
    return f"{kind.label} {values}".strip()


# Running -------------------------------------------------------------------------------------------------


def _matches(condition: dict, draft, rows) -> bool:
    kind = condition["type"]
    if kind == "channel":
        return draft.channel is not None and draft.channel.pk == condition["id"]
    if kind == "country":
        return (draft.shipping.get("country") or "").upper() == condition["value"]
    if kind == "region":
        return (draft.shipping.get("region") or "").strip().lower() == condition["value"].lower()
    if kind == "variant":
        return any(line.variant.pk == condition["id"] for line in draft.lines)
    if kind == "total":
        total = draft.priced.total
        low, high = _money(condition.get("min")), _money(condition.get("max"))
        return (low is None or total >= low) and (high is None or total <= high)
    if kind == "tag":
        return condition["value"].lower() in {t.lower() for t in draft.tags}
    return False


def _apply(action: dict, draft, rows) -> str:
    kind = action["type"]
    if kind == "assign_warehouse":
        draft.warehouse = rows["warehouse"][action["id"]]
        return f"warehouse {draft.warehouse.code}"
    if kind == "assign_fulfillment_channel":
        draft.fulfillment_channel = rows["fulfillment_channel"][action["id"]]
        return f"fulfillment channel {draft.fulfillment_channel.name}"
    if kind == "set_shipping_method":
        draft.shipping_method = rows["shipping_method"][action["id"]]
        draft.carrier_code = draft.shipping_method.carrier_code
        draft.service_code = draft.shipping_method.service_code
        draft.priced = None  # shipping changes the total: priced again below
        return f"shipping method {draft.shipping_method.name}"
    if kind == "set_carrier_service":
        draft.carrier_code = action.get("carrier") or draft.carrier_code
        draft.service_code = action.get("service") or draft.service_code
        return f"carrier {draft.carrier_code} / service {draft.service_code}"
    if kind == "assign_user":
        draft.assigned_to = rows["user"][action["id"]]
        return f"assigned to {draft.assigned_to.email}"
    if kind == "add_tag":
        if action["value"] not in draft.tags:
            draft.tags = [*draft.tags, action["value"]]
        return f"tag {action['value']}"
    if kind == "hold":
        draft.status = "on_hold"
        return "on hold"
    return kind


def rules_apply(*, account, drafts: list) -> None:
    """Run the account's active rules on each draft, in order; notes go into each draft's event data."""
    rules = list(OrderRule.objects.filter(account=account, is_active=True, needs_review=False).order_by("position", "id"))
    if not rules:
        return
    rows = resolve(account, rules)
    skipped: dict[int, str] = {}
    for rule in rules:
        for kind, pk in rule_refs(rule):
            if pk not in rows.get(kind, {}):
                skipped[rule.pk] = f"Skipped: its {kind.replace('_', ' ')} (id {pk}) no longer exists or is disabled."
                break
    for draft in drafts:
        if draft.priced is None:
            draft.price(promotions=draft.promotions)
        applied, notes = [], []
        for rule in rules:
            if rule.pk in skipped:
                notes.append(f"Rule “{rule.name}”: {skipped[rule.pk]}")
                continue
            if all(_matches(c, draft, rows) for c in rule.conditions):
                applied.append(f"Rule “{rule.name}”: " + ", ".join(_apply(a, draft, rows) for a in rule.actions))
                if draft.priced is None:
                    draft.price(promotions=draft.promotions)
        if applied or notes:
            draft.event_data = {**draft.event_data, "rules": applied, "rules_skipped": notes}
    stale = [rule for rule in rules if rule.last_skipped_reason != skipped.get(rule.pk, "")]
    for rule in stale:
        rule.last_skipped_reason = skipped.get(rule.pk, "")
    if stale:
        OrderRule.objects.bulk_update(stale, ["last_skipped_reason"])
