"""What keeps the redaction fast (issue #7: 1,000,000 orders at 20,000/s, bench/redact.py): each batch walks
the due orders oldest first through the partial index, and a redacted order is written only into the indexes
the order list needs."""

import datetime as dt

import pytest
from django.db import connection

from orders.models import Order
from privacy.services import pii_redact_account

DAY = dt.timedelta(days=1)


class Stop(Exception):
    pass


def test_a_batch_takes_the_oldest_due_orders_first(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    # Created out of age order, so the ids do not give the answer away.
    orders = {days: m.order(days * DAY) for days in (41, 44, 40, 43, 42)}

    def stop_after_the_first_batch(count):
        raise Stop

    with pytest.raises(Stop):
        pii_redact_account(account=store, now=now, batch_size=2, progress=stop_after_the_first_batch)

    redacted = {days for days, order in orders.items() if Order.objects.get(pk=order.pk).pii_redacted_at}
    assert redacted == {44, 43}


def test_a_redacted_order_is_written_only_into_the_indexes_the_order_list_needs(world):
    # Redaction rewrites indexed columns, so PostgreSQL writes the new row version into every index whose
    # condition it meets. The full indexes are the ones the order list, search and numbering read; any other
    # index on orders must be partial and leave redacted orders out (see orders 0006 before adding one).
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_expr(i.indpred, i.indrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'orders_order'::regclass
            """
        )
        indexes = dict(cursor.fetchall())
    full = {name for name, condition in indexes.items() if condition is None}
    assert full == {
        "orders_order_pkey",
        "order_number_unique_per_account",
        "order_account_recent",
        "order_account_status",
        "order_name_trgm",
        "order_email_trgm",
        # the list's sorts by customer, total and items (orders 0013)
        "order_account_customer",
        "order_account_total",
        "order_account_units",
    }
    assert "IS NOT NULL" in indexes["order_customer"]  # still written: profiles need it (orders 0006)
    assert "pii_redacted_at IS NULL" in indexes["privacy_order_pii_due"]
    assert "customer_email" in indexes["order_account_email"]
