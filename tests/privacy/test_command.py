"""manage.py redact_pii: per account what is (or with --dry-run would be) redacted."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from orders.models import Customer, OrderEvent
from privacy.services import pii_redact_account
from tests.privacy.conftest import all_rows, sales_channel

DAY = dt.timedelta(days=1)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("redact_pii", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def due_world(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    web = sales_channel(store, "Web", days=7)
    m = maker(store)
    customer = Customer.objects.create(account=store, name="Ada Lovelace", email="ada@example.com")
    m.order(40 * DAY, customer=customer)
    m.order(10 * DAY, source="sales_channel", channel=web)
    order = m.order(5 * DAY)
    OrderEvent.objects.create(account=store, order=order, kind="note", message="Called ada@example.com")
    return world


def test_dry_run_changes_nothing_and_says_what_would_be_redacted(due_world, now):
    before = all_rows()

    dry = pii_redact_account(account=due_world.store, now=now, dry_run=True)
    out, _ = run("--org", "acme", "--dry-run", "--json")

    assert all_rows() == before
    assert (dry.orders, dry.customers, dry.order_events) == (2, 1, 0)
    assert dry.by_rule == {"account setting (30 days)": 1, "channel Web (7 days)": 1}
    reports = {r["account_code"]: r for r in json.loads(out)}
    store = reports["ACME-STORE"]
    assert store["dry_run"] is True and store["orders"] == 2 and store["customers"] == 1
    assert store["summary"].startswith("Would redact personal data of 2 orders")
    assert reports["ACME-OUTLET"]["orders"] == 0


def test_the_command_redacts_and_prints_per_account_with_a_progress_bar(due_world, now):
    out, err = run("--org", "acme")

    assert "acme / ACME-STORE (Acme Corporation Store): Redacted personal data of 2 orders" in out
    assert "1 customer profile" in out
    assert "acme / ACME-OUTLET (Acme Corporation Outlet): Redacted nothing" in out
    assert "Redacting" in err and "2/2" in err  # tqdm's bar, on stderr
    again, _ = run("--org", "acme", "--json")
    assert {r["account_code"]: r["orders"] for r in json.loads(again)} == {"ACME-STORE": 0, "ACME-OUTLET": 0}


def test_an_unknown_organization_is_a_one_line_error(db):
    with pytest.raises(CommandError, match="No organization has the address name “nope”"):
        call_command("redact_pii", "--org", "nope")
