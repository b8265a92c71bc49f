"""Redaction and intake at the same time, on committed data and real threads: a new order for a returning
customer attaches to a live profile or to a new one, never to a profile blanked under it."""

import datetime as dt
import threading
import time

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from inventory.models import StockLevel
from orders.models import Customer, Order
from privacy.services import pii_redact_account
from tests.factories import make_order
from tests.intake.test_intake_concurrency import SAMPLE, busy_shop, submit_as_a_worker

EMAIL = SAMPLE["buyer"]["email"]


def returning_customer(org):
    """An account (30 days' retention) whose customer bought 60 days ago: that order and, unless a new order
    keeps it, the profile are due for redaction."""
    account, channel, warehouse, variants = busy_shop(org, {"MUG-BLUE": 50, "TEE-M": 50})
    account.pii_retention_days = 30
    account.save(update_fields=["pii_retention_days"])
    long_ago = timezone.now() - dt.timedelta(days=60)
    customer = Customer.objects.create(account=account, name="Jane Doe", email=EMAIL)
    Customer.objects.filter(pk=customer.pk).update(created_at=long_ago)
    old = make_order(account, [(variants["MUG-BLUE"], 1)], kind=Order.Kind.SALES, source=Order.Source.MANUAL,
                     customer=customer, customer_email=EMAIL, created_at=long_ago)
    return account, channel, warehouse, variants, customer, old


def in_thread(org, call):
    """Run `call` in a thread with its own connection; the thread and a dict that gets "value" or "error"."""
    outcome = {}

    def run():
        try:
            connection.set_tenant(org)
            outcome["value"] = call()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def redact(account_id: int):
    return lambda: pii_redact_account(account=Account.objects.get(pk=account_id))


def wait_until(sql: str, what: str, timeout: float = 15) -> None:
    """Poll pg_stat_activity until `sql` (a count) is positive."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(sql)
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


WAITING_ON_A_LOCK = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock'")
SLEEPING = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event = 'PgSleep'")


def no_live_order_on_a_blank_profile(account) -> bool:
    return not Order.objects.filter(
        account=account, pii_redacted_at__isnull=True, customer__redacted_at__isnull=False
    ).exists()


def test_a_profile_an_order_is_being_attached_to_is_not_redacted_under_it(committed_org):
    account, channel, warehouse, variants, customer, old = returning_customer(committed_org)
    release = threading.Event()

    def hold_the_stock():
        # Intake waits here, in its transaction, after it found the customer's profile.
        with transaction.atomic():
            StockLevel.objects.select_for_update().get(variant=variants["MUG-BLUE"], warehouse=warehouse)
            release.wait(30)

    blocker, _ = in_thread(committed_org, hold_the_stock)
    wait_until("SELECT count(*) FROM pg_locks WHERE mode = 'RowShareLock' AND granted "
               "AND relation = 'inventory_stocklevel'::regclass", "the stock lock")
    intake, submitted = in_thread(committed_org, submit_as_a_worker(account.pk, channel.pk, SAMPLE))
    wait_until(WAITING_ON_A_LOCK, "the intake to wait for stock")

    # Redaction runs to its end while the intake is in the middle of attaching its order.
    redaction, redacted = in_thread(committed_org, redact(account.pk))
    redaction.join(30)
    release.set()
    blocker.join(30)
    intake.join(30)
    connection.set_tenant(committed_org)

    assert "error" not in redacted and "error" not in submitted, (redacted, submitted)
    assert redacted["value"].orders == 1 and redacted["value"].customers == 0  # the old order; not the profile
    order = submitted["value"].order
    attached = Customer.objects.get(pk=Order.objects.get(pk=order.pk).customer_id)
    assert attached.pk == customer.pk and attached.redacted_at is None and attached.email == EMAIL
    assert Order.objects.get(pk=old.pk).pii_redacted_at is not None
    assert no_live_order_on_a_blank_profile(account)


def test_an_order_arriving_while_its_profile_is_redacted_gets_a_new_profile(committed_org):
    account, channel, warehouse, variants, customer, old = returning_customer(committed_org)
    # Widen the redaction's window: each profile it clears takes a second, its lock held all along.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION slow_profile_update() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER slow_profile_update BEFORE UPDATE ON orders_customer "
            "FOR EACH ROW EXECUTE FUNCTION slow_profile_update()"
        )

    redaction, redacted = in_thread(committed_org, redact(account.pk))
    wait_until(SLEEPING, "the redaction to clear the profile")
    intake, submitted = in_thread(committed_org, submit_as_a_worker(account.pk, channel.pk, SAMPLE))
    redaction.join(30)
    intake.join(30)
    connection.set_tenant(committed_org)

    assert "error" not in redacted and "error" not in submitted, (redacted, submitted)
    assert redacted["value"].customers == 1
    customer.refresh_from_db()
    assert customer.redacted_at is not None and customer.email == ""
    attached = Customer.objects.get(pk=Order.objects.get(pk=submitted["value"].order.pk).customer_id)
    assert attached.pk != customer.pk and attached.redacted_at is None and attached.email == EMAIL
    assert no_live_order_on_a_blank_profile(account)
