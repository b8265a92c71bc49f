"""One adapter per payload format: a function from the raw payload to a NormalizedOrder.

Adding a channel type means adding one module here that calls `register`; the channel form offers every
registered format, and intake picks the adapter by the channel's `order_format` ("oms" for the API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.normalized import NormalizedOrder, PayloadUnreadable

Adapter = Callable[[Any], NormalizedOrder]

_ADAPTERS: dict[str, tuple[str, Adapter]] = {}


def register(name: str, label: str) -> Callable[[Adapter], Adapter]:
    def decorate(adapter: Adapter) -> Adapter:
        _ADAPTERS[name] = (label, adapter)
        return adapter

    return decorate


def adapter_for(name: str) -> Adapter:
    try:
        return _ADAPTERS[name][1]
    except KeyError:
        raise PayloadUnreadable(f"No adapter reads the “{name}” order format.", field="format") from None


def format_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, (label, _) in sorted(_ADAPTERS.items())]


def normalize(name: str, payload: Any) -> NormalizedOrder:
    if not isinstance(payload, dict):
        raise PayloadUnreadable("The order must be a JSON object.")
    return adapter_for(name)(payload)


from intake.adapters import amazon, oms, sandbox, shopify  # noqa: E402,F401  (register the adapters)
