"""Order numbers: unique per account and series, handed out under a row lock so parallel writers never collide.

Sales and purchase orders each have their series (SO-…, PO-…); simulations have their own (SIM-…), so a
simulation never takes a number from the sales sequence and the real numbers stay without gaps."""

from collections.abc import Callable

from oms.rows import send
from orders.models import Order

SIMULATION = "simulation"  # the series (the counter's `kind`) of simulations, whatever their order kind
PREFIXES = {Order.Kind.SALES: "SO", Order.Kind.PURCHASE: "PO", SIMULATION: "SIM"}


def order_series(*, kind: str, is_simulation: bool) -> str:
    """The number series an order takes its number from."""
    return SIMULATION if is_simulation else kind


def order_numbers_next(*, account, kind: str, count: int = 1) -> list[str]:
    """Reserve `count` consecutive numbers of series `kind` (an order kind or SIMULATION) in one statement;
    must run inside the creating transaction."""
    return order_numbers_send(account=account, kind=kind, count=count)()


def order_numbers_send(*, account, kind: str, count: int = 1) -> Callable[[], list[str]]:
    """`order_numbers_next` sent now (in a pipeline, with what else is sent before the first result is read);
    call what it returns for the numbers."""
    sent = send(
        """
        INSERT INTO orders_ordernumbercounter (account_id, kind, last_value) VALUES (%s, %s, %s)
        ON CONFLICT (account_id, kind) DO UPDATE
           SET last_value = orders_ordernumbercounter.last_value + EXCLUDED.last_value
        RETURNING last_value
        """,
        [account.pk, kind, count],
    )

    def numbers() -> list[str]:
        last = sent.rows()[0][0]
        return [f"{PREFIXES[kind]}-{n:07d}" for n in range(last - count + 1, last + 1)]

    return numbers
