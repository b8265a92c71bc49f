"""The schema's refusals (a wrong type, a missing field, a value too long) in words an operator reads.

pydantic says "String should have at most 2 characters"; the API and the Intake page say "Shipping address
country: Use a two-letter country code, e.g. US." Each error becomes {"code", "field", "message"}: `code` is
"required" for a missing field and "invalid" otherwise (as before), `field` the input's path
("lines[0].quantity"), `message` the field's name in words and what to send instead.
"""

from __future__ import annotations

from collections.abc import Iterable

SOURCES = ("body", "query", "path", "header", "cookie", "form")

# Words for one field whatever the error: the last name of its path -> what to send.
FIELD_WORDS = {
    "country": "Use a two-letter country code, e.g. US.",
    "currency": "Use a three-letter currency code, e.g. USD.",
    "order_date": "Use a date as YYYY-MM-DD, e.g. 2026-11-23.",
}
# Words for a missing field, by its path.
MISSING_WORDS = {
    "lines": 'Add the order\'s lines, e.g. [{"sku": "MUG-1", "quantity": 2}].',
    "customer": 'Add the customer, e.g. {"name": "Ada Lovelace", "email": "ada@example.com"}.',
    "shipping_address": 'Add the shipping address, e.g. {"name": "Ada Lovelace", "line1": "1 Main St", '
    '"city": "Springfield", "postal_code": "12345", "country": "US"}.',
}


def field_path(loc) -> str | None:
    """('body', 'payload', 'lines', 0, 'quantity') -> 'lines[0].quantity'."""
    parts = list(loc)
    if parts and parts[0] in SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)  # the view's parameter name (each endpoint takes one body); nothing left: the body itself
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


SINGULAR = {"taxes": "tax", "quantities": "quantity", "addresses": "address", "discount codes": "discount code"}


def field_label(loc) -> str:
    """('body', 'payload', 'lines', 0, 'quantity') -> 'Line 1 quantity'; the body itself -> 'The body'; a query
    or path parameter by its name ('created_after')."""
    parts = list(loc)
    if parts and parts[0] in SOURCES:
        source = parts.pop(0)
        if source == "body" and parts:
            parts.pop(0)
        elif parts:  # a query, path or header parameter: the client's own name for it
            return str(parts[-1]) if source != "header" else f"The {parts[-1]} header"
    words: list[str] = []
    for part in parts:
        if isinstance(part, int):
            if words:  # "lines" 0 -> "line 1", "taxes" 1 -> "tax 2"
                words[-1] = SINGULAR.get(words[-1], words[-1][:-1] if words[-1].endswith("s") else words[-1])
            words.append(str(part + 1))
        else:
            words.append(str(part).replace("_", " "))
    if not words:
        return "The body"
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _words(entry: dict) -> str:
    kind = entry.get("type", "")
    ctx = entry.get("ctx") or {}
    loc = [p for p in entry.get("loc", ()) if isinstance(p, str)]
    name = loc[-1] if loc else ""
    path = field_path(entry.get("loc", ())) or ""
    if kind == "missing":
        return MISSING_WORDS.get(path, "This field is required.")
    if name in FIELD_WORDS and kind.startswith("string_"):
        return FIELD_WORDS[name]
    if kind == "string_too_long":
        return f"Use at most {ctx.get('max_length')} characters."
    if kind == "string_too_short":
        return f"Use at least {ctx.get('min_length')} character{'s' if ctx.get('min_length') != 1 else ''}."
    if kind == "string_type":
        return 'Use text (a JSON string, e.g. "ABC").'
    if kind == "string_pattern_mismatch":
        return "Use only the characters this field allows (printable ASCII)." if "header" in entry.get("loc", ()) \
            else "Use the documented format."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        if name == "quantity" or "quantities" in loc:
            return "Use a whole number of units, e.g. 2."
        return "Use a whole number, e.g. 2."
    if kind.startswith(("decimal_", "float_")):
        return "Use an amount as a number or a string, e.g. 12.50."
    if kind in ("greater_than_equal", "greater_than"):
        return f"Use a number {'of at least' if kind == 'greater_than_equal' else 'above'} {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"Use a number {'of at most' if kind == 'less_than_equal' else 'below'} {ctx.get('le', ctx.get('lt'))}."
    if kind in ("list_type", "tuple_type", "set_type"):
        return "Use a list ([...])."
    if kind == "too_long":
        return f"Send at most {ctx.get('max_length')} items."
    if kind == "too_short":
        return f"Send at least {ctx.get('min_length')} item{'s' if ctx.get('min_length') != 1 else ''}."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "Use an object ({...})."
    if kind in ("bool_parsing", "bool_type"):
        return "Use true or false."
    if kind == "literal_error":
        return f"Use one of {ctx.get('expected')}."
    if kind == "value_error":  # our own validators' messages are already in words
        return str(ctx.get("error") or entry.get("msg", "")).removeprefix("Value error, ").rstrip(".") + "."
    return entry.get("msg", "Invalid value") + "."


def schema_problems(errors: Iterable[dict]) -> list[dict]:
    """ninja's validation errors as {"code", "field", "message"} problems, in words."""
    problems = []
    for entry in errors:
        loc = entry.get("loc", ())
        problems.append({
            "code": "required" if entry.get("type") == "missing" else "invalid",
            "field": field_path(loc),
            "message": f"{field_label(loc)}: {_words(entry)}",
        })
    return problems


def in_body(errors: Iterable[dict]) -> bool:
    """Whether any of the errors is about the request's body (not only a header or the query)."""
    return any(tuple(entry.get("loc", ()))[:1] == ("body",) for entry in errors)
