"""An order's history as sentences: `event_sentences(event)` turns any OrderEvent into what a person reads,
"Maya Chen changed the shipping city from New York to Springfield", never a dict or a code.

Every kind written anywhere has its own wording: created, status, cloned, shipment, receipt (intake, clones,
rules, the demo), cancelled, hold, release, address, contact, notes, reallocated, note, tags, assigned (the
actions). An unknown kind still reads as its message. Field names and codes become labels."""

from __future__ import annotations

from orders.models import Order

FIELD_LABELS = {
    "customer_name": "customer name", "customer_email": "customer email", "customer_phone": "customer phone",
    "carrier_code": "carrier code", "service_code": "service code", "external_id": "external id",
    "postal_code": "postal code", "shipping_method": "shipping method", "tax_jurisdiction": "tax jurisdiction",
    "discount_codes": "discount codes", "line1": "address line 1", "line2": "address line 2",
    "unit_price": "unit price", "sku": "SKU", "expected_date": "expected date",
}
PRICING = {"keep": "prices kept", "reprice": "re-priced at that day's prices", "manual": "prices set by hand"}
SPLIT_SHIPPING = {
    "divide": "shipping divided between the orders", "first": "shipping charged on the first order",
    "per_order": "shipping charged per order",
}


def field_label(name: str) -> str:
    """"shipping_city" -> "shipping city", "carrier_code" -> "carrier code", "shipping_line1" -> "shipping
    address line 1"."""
    name = str(name)
    for prefix in ("shipping_", "billing_"):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return f"{prefix[:-1]} {FIELD_LABELS.get(rest, rest.replace('_', ' '))}"
    return FIELD_LABELS.get(name, name.replace("_", " "))


def status_label(value) -> str:
    try:
        return Order.Status(value).label.lower()
    except ValueError:
        return str(value).replace("_", " ")


def _value(value) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)} {_value(v)}" for k, v in value.items())
    return str(value)


def actor_name(event) -> str:
    actor = event.actor
    if actor is None:
        return "The system"
    return actor.get_full_name() or actor.email


def _changes(who: str, changes: dict) -> list[str]:
    out = []
    for name, pair in (changes or {}).items():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            before, after = pair
            if name == "status":
                before, after = status_label(before), status_label(after)
            out.append(f"{who} changed the {field_label(name)} from {_value(before)} to {_value(after)}")
        else:
            out.append(f"{who} set the {field_label(name)} to {_value(pair)}")
    return out


def _warnings(data: dict) -> list[str]:
    out = []
    for warning in data.get("warnings") or ():
        if isinstance(warning, dict):
            message = warning.get("message") or field_label(warning.get("code", "warning"))
        else:
            message = str(warning)
        out.append(f"Accepted with a warning: {message}")
    return out


def _by(event) -> str:
    return f" by {actor_name(event)}" if event.actor_id else ""


def _status(event, data, who) -> list[str]:
    pair = data.get("status")
    if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
        return [event.message]
    before, after = status_label(pair[0]), status_label(pair[1])
    sentence = f"{who} changed the status from {before} to {after}"
    default = f"Status {pair[0]} → {pair[1]}"
    if event.message and event.message != default:
        sentence += f" ({event.message})"
    return [sentence]


def _created(event, data, who) -> list[str]:
    out = [event.message + (_by(event) if event.actor_id and " by " not in event.message else "")]
    if data.get("external_id"):
        out.append(f"Its external id is {data['external_id']}")
    if data.get("expected_date"):
        out.append(f"Expected on {data['expected_date']}")
    if data.get("purpose"):
        try:
            out.append(f"Purpose: {Order.ClonePurpose(data['purpose']).label.lower()}")
        except ValueError:
            out.append(f"Purpose: {_value(data['purpose'])}")
    if data.get("pricing"):
        out.append(f"Pricing: {PRICING.get(data['pricing'], _value(data['pricing']))}")
    if data.get("split_shipping"):
        out.append(SPLIT_SHIPPING.get(data["split_shipping"], _value(data["split_shipping"])).capitalize())
    if data.get("cloned_from"):
        out.append(f"Cloned from {data['cloned_from']}")
    out += [_sentence_case(c) for c in _changes("It", data.get("overridden") or {})]
    out += [str(rule) for rule in data.get("rules") or ()]
    out += [str(note) for note in data.get("rules_skipped") or ()]
    return out + _warnings(data)


def _sentence_case(text: str) -> str:
    """"It changed the notes from …" -> "Changed the notes from …" (a clone's own changes)."""
    return text.replace("It changed", "Changed", 1).replace("It set", "Set", 1)


def _cloned(event, data, who) -> list[str]:
    numbers = ", ".join(data.get("clones") or ()) or "a new order"
    detail = []
    if data.get("purpose"):
        try:
            detail.append(Order.ClonePurpose(data["purpose"]).label.lower())
        except ValueError:
            detail.append(_value(data["purpose"]))
    if data.get("pricing"):
        detail.append(PRICING.get(data["pricing"], _value(data["pricing"])))
    if data.get("split_shipping"):
        detail.append(SPLIT_SHIPPING.get(data["split_shipping"], _value(data["split_shipping"])))
    out = [f"{who} cloned this order into {numbers}" + (f" ({', '.join(detail)})" if detail else "")]
    out += [_sentence_case(c) for c in _changes("It", data.get("overridden") or {})]
    return out


def _document(event, data, who) -> list[str]:
    out = [event.message + _by(event)]
    if data.get("external_id"):
        out.append(f"Its external id is {data['external_id']}")
    return out + _warnings(data)


def _reason_sentence(verb: str):
    def render(event, data, who) -> list[str]:
        out = [f"{verb} by {who}" + (f": {data['reason']}" if data.get("reason") else "")]
        if data.get("released"):
            units = data["released"]
            out.append(f"{units} allocated unit{'s' if units != 1 else ''} released")
        return out

    return render


def _edits(event, data, who) -> list[str]:
    return _changes(who, data.get("changes") or {}) or [event.message]


def _reallocated(event, data, who) -> list[str]:
    before, after = (data.get("warehouse") or ["", ""])[:2]
    units = data.get("units")
    counted = f" ({units} unit{'s' if units != 1 else ''})" if units else ""
    if before and before != after:
        return [f"{who} moved the allocation from {before} to {after}{counted}"]
    return [f"{who} allocated the order in {after or 'its warehouse'}{counted}"]


def _note(event, data, who) -> list[str]:
    return [f"{who} added a note: {data.get('note') or event.message}"]


def _tags(event, data, who) -> list[str]:
    out = []
    for verb, tags in (("added", data.get("added")), ("removed", data.get("removed"))):
        if tags:
            out.append(f"{who} {verb} the tag{'s' if len(tags) != 1 else ''} {', '.join(tags)}")
    return out or [event.message]


def _assigned(event, data, who) -> list[str]:
    before, after = (data.get("assigned_to") or ["", ""])[:2]
    if not after:
        return [f"{who} unassigned the order" + (f" (it was {before}'s)" if before else "")]
    return [f"{who} assigned the order to {after}" + (f" (it was {before}'s)" if before else "")]


RENDERERS = {
    "created": _created,
    "status": _status,
    "cloned": _cloned,
    "shipment": _document,
    "receipt": _document,
    "cancelled": _reason_sentence("Cancelled"),
    "hold": _reason_sentence("Put on hold"),
    "release": _reason_sentence("Released from hold"),
    "address": _edits,
    "contact": _edits,
    "notes": _edits,
    "reallocated": _reallocated,
    "note": _note,
    "tags": _tags,
    "assigned": _assigned,
}


def event_sentences(event) -> list[str]:
    """The event as sentences, the first one saying what happened; never raw data or codes."""
    data = event.data if isinstance(event.data, dict) else {}
    render = RENDERERS.get(event.kind)
    if render is None:
        return [_stop(event.message or "Changed")]
    try:
        sentences = [s for s in render(event, data, actor_name(event)) if s]
    except (TypeError, ValueError, AttributeError, KeyError):  # data written by an older version
        sentences = [event.message or "Changed"]
    return [_stop(s) for s in sentences]


def _stop(text: str) -> str:
    text = str(text).strip()
    return text if text[-1:] in ".!?" else f"{text}."


def event_sentence(event) -> str:
    """The event in one sentence (more than one for events that say more)."""
    return " ".join(event_sentences(event))
