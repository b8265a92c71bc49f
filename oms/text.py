"""Small helpers for text shown to people."""


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """count_of(1, "order") -> "1 order"; count_of(2, "order") -> "2 orders"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
