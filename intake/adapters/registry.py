"""The registry of payload adapters: a format name -> (label, adapter). Adapters add themselves with
`register`; the package imports every adapter module, so looking one up finds them all."""

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
