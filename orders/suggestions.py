"""Suggestions for the clone form: plain statistics over the account's own orders, each with its reason in words.

Reads only; nothing is applied until the agent clicks one, and nothing is created until they submit. Each
suggestion is a set of form values (`changes`) the page writes into the prefilled form.

- address: the customer's orders since the source went to another address (the newest such address);
- quantities: the customer usually orders other quantities of the source's SKUs (the median over their last
  orders holding the SKU, at least MIN_ORDERS of them);
- warehouse: a line is short in the chosen warehouse and another warehouse has every line;
- replace-<SKU>: a line's SKU is discontinued or short and the account declared a replacement that is in stock;
- promotion: a discount code on the source is no longer valid; which promotion applies today instead;
- correction: the fields most often corrected on this account's corrections.

A fixed number of queries whatever the lines and history (SUGGESTION_QUERIES at most).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import F, Q

from inventory.models import StockLevel
from orders.models import ADDRESS_FIELDS, Order, OrderLine, Promotion, Variant
from orders.pricing import promotion_line_discount, promotions_on

HISTORY = 10  # the customer's last orders looked at
MIN_ORDERS = 3  # orders holding a SKU before its quantity is "usual"
CORRECTIONS = 200  # the account's last corrections looked at
MIN_CORRECTIONS = 3
SUGGESTION_QUERIES = 9
KINDS = {
    "address": "Shipping address used since",
    "quantities": "Usual quantities",
    "warehouse": "Warehouse with stock",
    "replacement": "Declared replacement SKU",
    "promotion": "Promotion valid today",
    "correction": "Fields most often corrected",
}
# Keys of a clone's "overridden" record, in words, for the correction suggestion.
FIELD_GROUPS = [
    ("shipping_", "shipping address"),
    ("billing_", "billing address"),
    ("customer_", "customer contact"),
    ("discount_codes", "discount codes"),
    ("shipping_method", "shipping method"),
    ("tax_jurisdiction", "tax"),
    ("warehouse", "warehouse"),
    ("notes", "notes"),
    ("pricing", "pricing"),
    ("lines_not_copied", "lines left out"),
]


@dataclass
class Suggestion:
    id: str  # what `apply=` names
    kind: str  # a key of KINDS, what the metrics count
    title: str
    reason: str
    changes: dict[str, str] = field(default_factory=dict)  # form field -> value
    check: list[str] = field(default_factory=list)  # for a correction: what to look at

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _words(key: str) -> str:
    if key.startswith("lines."):
        return {"quantity": "quantities", "unit_price": "unit prices", "replaced_by": "replaced SKUs"}.get(
            key.rsplit(".", 1)[-1], "lines")
    for prefix, label in FIELD_GROUPS:
        if key.startswith(prefix):
            return label
    return key.replace("_", " ")


def _address_text(address: dict[str, str]) -> str:
    return ", ".join(p for p in (address.get("line1"), address.get("city")) if p)


def _same_address(a: dict[str, str], b: dict[str, str]) -> bool:
    def norm(x):
        return tuple(" ".join(str(x.get(k) or "").split()).upper() for k in ADDRESS_FIELDS if k != "name")
    return norm(a) == norm(b)


def _first_name(order: Order) -> str:
    name = (order.customer_name or "").split()
    return name[0] if name else "The customer"


def _history(source: Order) -> list[dict]:
    """The customer's last HISTORY orders (not simulations, not cancelled), newest first: one query."""
    if source.customer_id:
        who = Q(customer_id=source.customer_id)
    elif source.customer_email:
        who = Q(customer_email=source.customer_email)
    else:
        return []
    fields = ["id", "number", "created_at"] + [f"shipping_{k}" for k in ADDRESS_FIELDS]
    return list(
        Order.objects.filter(who, account_id=source.account_id, kind=source.kind, is_simulation=False)
        .exclude(status=Order.Status.CANCELLED)
        .order_by("-created_at", "-id")
        .values(*fields)[:HISTORY]
    )


def _address(source: Order, history: list[dict]) -> Suggestion | None:
    since = [o for o in history if (o["created_at"], o["id"]) > (source.created_at, source.pk)]
    if not since:
        return None
    newest = {k: since[0][f"shipping_{k}"] for k in ADDRESS_FIELDS}
    if not newest["line1"] or _same_address(newest, source.address("shipping")):
        return None
    run = 0
    for order in since:
        if not _same_address({k: order[f"shipping_{k}"] for k in ADDRESS_FIELDS}, newest):
            break
        run += 1
    who, where = _first_name(source), _address_text(newest)
    orders = "order" if run == 1 else f"{run} orders"
    reason = (f"{who}'s last {orders} went to {where}" if run > 1 else f"{who}'s last order went to {where}") + (
        f", not to {_address_text(source.address('shipping'))} as on {source.number}.")
    return Suggestion(
        id="address", kind="address", title=f"Ship to {where}", reason=reason,
        changes={f"shipping_{k}": v for k, v in newest.items()},
    )


def _usual(values: list[int]) -> int:
    return int(Decimal(statistics.median(values)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _quantities(source: Order, history: list[dict], lines: list[OrderLine]) -> Suggestion | None:
    """The customer's usual quantity of each source SKU: one query for the lines of their last orders."""
    if not history:
        return None
    skus = [line.sku for line in lines]
    per_sku: dict[str, list[int]] = {}
    for sku, quantity in (
        OrderLine.objects.filter(account_id=source.account_id, order_id__in=[o["id"] for o in history], sku__in=skus)
        .order_by("order_id", "position").values_list("sku", "quantity")
    ):
        per_sku.setdefault(sku, []).append(quantity)
    changes, parts = {}, []
    for line in lines:
        seen = per_sku.get(line.sku, [])
        if len(seen) < MIN_ORDERS:
            continue
        usual = _usual(seen)
        if usual != line.quantity:
            changes[f"qty_{line.sku}"] = str(usual)
            parts.append(f"{usual} of {line.sku} (median of {len(seen)} orders; {line.quantity} on {source.number})")
    if not changes:
        return None
    who = _first_name(source)
    return Suggestion(
        id="quantities", kind="quantities", title="Use the usual quantities",
        reason=f"{who} usually orders " + "; ".join(parts) + ".",
        changes={"purpose": Order.ClonePurpose.STANDARD, **changes},
    )


def _stock(source: Order, lines: list[OrderLine], warehouse) -> list[Suggestion]:
    """A line discontinued or short in `warehouse`: another warehouse with every line, or the replacement the
    account declared. Two queries (stock everywhere, the replacements)."""
    if source.kind != Order.Kind.SALES or not lines:
        return []
    replacement_ids = {line.variant.replaced_by_id for line in lines if line.variant.replaced_by_id}
    replacements = {v.pk: v for v in Variant.objects.filter(account_id=source.account_id, pk__in=replacement_ids)}
    variant_ids = {line.variant_id for line in lines} | set(replacements)
    free: dict[tuple[int, int], int] = {}
    names: dict[int, str] = {}
    for variant_id, warehouse_id, name, available in (
        StockLevel.objects.filter(account_id=source.account_id, variant_id__in=variant_ids, warehouse__is_active=True)
        .annotate(free=F("on_hand") - F("allocated"))
        .values_list("variant_id", "warehouse_id", "warehouse__name", "free")
    ):
        free[(variant_id, warehouse_id)] = available
        names[warehouse_id] = name
    here = getattr(warehouse, "pk", None)
    problems = []
    for line in lines:
        if not line.variant.is_active:
            problems.append((line, "is discontinued"))
        elif here is not None and free.get((line.variant_id, here), 0) < line.quantity:
            problems.append((line, f"has only {max(0, free.get((line.variant_id, here), 0))} in {warehouse.name}"))
    found = []
    short = [line for line, why in problems if line.variant.is_active]
    if short:
        sellable = [line for line in lines if line.variant.is_active]
        fits = [w for w in names if w != here and all(free.get((l.variant_id, w), 0) >= l.quantity for l in sellable)]
        if fits:
            best = max(fits, key=lambda w: (sum(free.get((l.variant_id, w), 0) for l in sellable), -w))
            what = ", ".join(f"{l.sku} ({why})" for l, why in problems if l.variant.is_active)
            found.append(Suggestion(
                id="warehouse", kind="warehouse", title=f"Ship from {names[best]}",
                reason=f"{what}; {names[best]} has every line in the quantities asked.",
                changes={"warehouse": str(best)},
            ))
    for line, why in problems:
        new = replacements.get(line.variant.replaced_by_id)
        if new is None or not new.is_active or new.pk == line.variant_id:
            continue
        if here is not None and free.get((new.pk, here), 0) < line.quantity:
            continue
        stocked = f", {free.get((new.pk, here), 0)} in {warehouse.name}" if here is not None else ""
        found.append(Suggestion(
            id=f"replace-{line.sku}", kind="replacement", title=f"Send {new.sku} instead of {line.sku}",
            reason=f"{line.sku} {why}; this account declared {new.sku} ({new.name or new.sku}, {new.price}"
                   f"{stocked}) as its replacement.",
            changes={f"swap_{line.sku}": new.sku},
        ))
    return found


def _discount(promotion: Promotion, lines: list[OrderLine]) -> Decimal:
    """What `promotion` would take off the source's lines at today's list prices."""
    return sum(
        (promotion_line_discount(promotion, variant=line.variant, quantity=line.quantity, unit_price=line.variant.price)
         for line in lines),
        Decimal(0),
    )


def _promotion(source: Order, lines: list[OrderLine], today) -> Suggestion | None:
    """A source code no longer valid, and the best promotion today: at most four queries, none without codes."""
    codes = [c.upper() for c in source.discount_codes]
    if not codes:
        return None
    valid_today = promotions_on(account=source.account, on=today)
    known = {p.code.upper() for p in valid_today if p.code}
    stale = [c for c in codes if c not in known]
    if not stale:
        return None
    ended = {p.code.upper(): p for p in Promotion.objects.filter(account_id=source.account_id, code__in=stale)
             .order_by("valid_from")}
    said = []
    for code in stale:
        old = ended.get(code)
        if old is not None and old.valid_to is not None and old.valid_to < today:
            said.append(f"{code} ended on {old.valid_to:%Y-%m-%d}")
        elif old is not None and old.valid_from > today:
            said.append(f"{code} starts only on {old.valid_from:%Y-%m-%d}")
        else:
            said.append(f"{code} is no longer valid")
    offers = [(p, _discount(p, lines)) for p in valid_today]
    offers = [(p, amount) for p, amount in offers if amount > 0]
    kept = [c for c in codes if c in known]
    if offers:
        best, amount = max(offers, key=lambda pair: (pair[1], -pair[0].pk))
        value = f"{best.value.normalize():f} %" if best.kind == Promotion.Kind.PERCENTAGE else f"{best.value} off each"
        how = f"with code {best.code}" if best.code else "without a code"
        title = f"Use {best.name} instead"
        instead = f"Today {best.name} ({value}, {how}) applies instead: about {amount:.2f} off these lines."
        new_codes = sorted(set(kept) | ({best.code.upper()} if best.code else set()))
    else:
        title = "Re-price without the old code"
        instead = "No promotion applies to these lines today."
        new_codes = kept
    return Suggestion(
        id="promotion", kind="promotion", title=title, reason="; ".join(said).capitalize() + ". " + instead,
        changes={"discount_codes": ", ".join(new_codes), "pricing": "reprice"},
    )


def _correction(source: Order) -> Suggestion | None:
    """What the account's last corrections changed most often: one query over their creation events."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.id, k.key
            FROM (SELECT id, order_id FROM orders_clonerecord
                  WHERE account_id = %s AND purpose = 'correction' ORDER BY created_at DESC LIMIT %s) AS r
            JOIN orders_orderevent AS e ON e.order_id = r.order_id AND e.kind = 'created'
            CROSS JOIN LATERAL jsonb_object_keys(
                CASE WHEN jsonb_typeof(e.data -> 'overridden') = 'object' THEN e.data -> 'overridden'
                     ELSE '{}'::jsonb END) AS k(key)
            """,
            [source.account_id, CORRECTIONS],
        )
        rows = cursor.fetchall()
    by_record: dict[int, set[str]] = {}
    for record_id, key in rows:
        by_record.setdefault(record_id, set()).add(_words(key))
    if len(by_record) < MIN_CORRECTIONS:
        return None
    counts: dict[str, int] = {}
    for groups in by_record.values():
        for group in groups:
            counts[group] = counts.get(group, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    listed = ", ".join(f"{name} ({n} of {len(by_record)})" for name, n in top)
    return Suggestion(
        id="correction", kind="correction", title="Correct: check " + ", ".join(name for name, _ in top),
        reason=f"On this account's last {len(by_record)} corrections that changed something, the fields most often "
               f"corrected were {listed}.",
        changes={"purpose": Order.ClonePurpose.CORRECTION},
        check=[name for name, _ in top],
    )


def clone_suggestions(*, source: Order, warehouse=None, today=None) -> list[Suggestion]:
    """Every suggestion for cloning `source` (lines prefetched with their variants), for the form's `warehouse`
    (default: the source's). At most SUGGESTION_QUERIES queries."""
    lines = list(source.lines.all())
    today = today or source.account.today()
    if warehouse is None:
        warehouse = source.warehouse
    history = _history(source)
    found = [
        _address(source, history),
        _quantities(source, history, lines),
        *_stock(source, lines, warehouse),
        _promotion(source, lines, today),
        _correction(source),
    ]
    return [s for s in found if s is not None]


def apply_suggestions(data: dict, suggestions: list[Suggestion], ids: list[str]) -> list[str]:
    """Write the changes of the suggestions named in `ids` ("all": every one) into `data` (form values);
    returns the ids applied, in the order offered."""
    wanted = set(ids)
    applied = []
    for suggestion in suggestions:
        if "all" in wanted or suggestion.id in wanted:
            if "all" in wanted and suggestion.kind == "correction":
                continue  # a link that applies everything is a re-order: never turn it into a correction
            data.update(suggestion.changes)
            applied.append(suggestion.id)
    return applied


def suggestion_record(suggestions: list[Suggestion], applied: list[str]) -> dict[str, list[str]]:
    """{"offered": kinds, "taken": kinds} for the clone record."""
    by_id = {s.id: s for s in suggestions}
    return {
        "offered": sorted({s.kind for s in suggestions}),
        "taken": sorted({by_id[i].kind for i in applied if i in by_id}),
    }


__all__ = ["KINDS", "Suggestion", "apply_suggestions", "clone_suggestions", "suggestion_record"]
