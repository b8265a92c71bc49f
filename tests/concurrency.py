"""Run callables at the same instant in real threads, each with its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def run_in_parallel(org, calls: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Start every call together (a barrier) inside `org`'s schema; return ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object] | None] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            connection.set_tenant(org)
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results  # type: ignore[return-value]
