"""Order numbers: unique per account and kind, handed out under a row lock so parallel writers never collide."""

from django.db import connection

from orders.models import Order

PREFIXES = {Order.Kind.SALES: "SO", Order.Kind.PURCHASE: "PO"}


def order_numbers_next(*, account, kind: str, count: int = 1) -> list[str]:
    """Reserve `count` consecutive numbers in one statement; must run inside the creating transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_ordernumbercounter (account_id, kind, last_value) VALUES (%s, %s, %s)
            ON CONFLICT (account_id, kind) DO UPDATE
               SET last_value = orders_ordernumbercounter.last_value + EXCLUDED.last_value
            RETURNING last_value
            """,
            [account.pk, kind, count],
        )
        last = cursor.fetchone()[0]
    prefix = PREFIXES[kind]
    return [f"{prefix}-{n:07d}" for n in range(last - count + 1, last + 1)]
