"""PII redaction: which orders are due, exactly what changes, and that it is safe to run again."""

import datetime as dt

from accounts.models import ActivityLog
from accounts.services import account_privacy_update
from channels.models import Channel
from orders.models import Customer, Order, OrderEvent, OrderLine
from privacy.selectors import REDACTED_FIELDS
from privacy.services import pii_redact_account, pii_redact_schema
from tests.privacy.conftest import all_rows, sales_channel, snapshot

DAY = dt.timedelta(days=1)


def redacted(order) -> bool:
    return Order.objects.get(pk=order.pk).pii_redacted_at is not None


def test_channel_override_then_account_setting_then_blank_keeps(world, maker, now):
    store, outlet = world.store, world.outlet
    store.pii_retention_days = 30
    store.save()
    short = sales_channel(store, "Short", days=7)
    long = sales_channel(store, "Long", days=60)
    plain = sales_channel(store, "Plain")  # no override: the account's 30 days
    fulfillment = sales_channel(store, "3PL", days=2, kind=Channel.Kind.FULFILLMENT)  # not a sales channel
    m = maker(store)
    SC = Order.Source.SALES_CHANNEL
    cases = {
        "short channel, 10 days": (m.order(10 * DAY, source=SC, channel=short), True),
        "short channel, 5 days": (m.order(5 * DAY, source=SC, channel=short), False),
        "long channel beats the account: 40 days": (m.order(40 * DAY, source=SC, channel=long), False),
        "long channel, 61 days": (m.order(61 * DAY, source=SC, channel=long), True),
        "channel without override, 40 days": (m.order(40 * DAY, source=SC, channel=plain), True),
        "channel without override, 20 days": (m.order(20 * DAY, source=SC, channel=plain), False),
        "API order naming the short channel uses the account: 10 days": (
            m.order(10 * DAY, source=Order.Source.API, channel=short), False),
        "API order naming the short channel, 31 days": (m.order(31 * DAY, source=Order.Source.API, channel=short), True),
        "fulfillment channel's days do not count: 10 days": (m.order(10 * DAY, source=SC, channel=fulfillment), False),
        "manual, 31 days": (m.order(31 * DAY), True),
        "manual, 29 days": (m.order(29 * DAY), False),
        "imported, 31 days": (m.order(31 * DAY, source=Order.Source.IMPORT), True),
        "purchase order, 400 days": (m.order(400 * DAY, kind=Order.Kind.PURCHASE), False),
    }
    # The outlet keeps data (blank retention), except what its channel's override says.
    o = maker(outlet)
    outlet_channel = sales_channel(outlet, "Outlet web", days=7)
    outlet_plain = sales_channel(outlet, "Outlet shop")
    cases |= {
        "blank account keeps a 1000-day manual order": (o.order(1000 * DAY), False),
        "blank account, channel without override keeps": (o.order(1000 * DAY, source=SC, channel=outlet_plain), False),
        "blank account, channel override still applies": (o.order(8 * DAY, source=SC, channel=outlet_channel), True),
    }

    reports = pii_redact_schema(now=now)

    wrong = {name: expected for name, (order, expected) in cases.items() if redacted(order) != expected}
    assert wrong == {}
    by_account = {r.account_id: r for r in reports}
    assert by_account[store.pk].orders == 6
    assert by_account[store.pk].by_rule == {
        "channel Short (7 days)": 1,
        "channel Long (60 days)": 1,
        "account setting (30 days)": 4,
    }
    assert by_account[outlet.pk].by_rule == {"channel Outlet web (7 days)": 1}


def test_exactly_the_personal_fields_change_and_nothing_else(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    customer = Customer.objects.create(account=store, name="Ada Lovelace", email="ada@example.com", phone="+44 1")
    due = m.order(31 * DAY, customer=customer, customer_email="ada@example.com")
    kept = m.order(29 * DAY, customer_email="bob@example.com", customer_name="Bob Babbage")
    other_account = maker(world.outlet).order(400 * DAY)
    OrderEvent.objects.create(
        account=store, order=due, kind="cloned", message="Cloned for ada@example.com by agent",
        data={
            "purpose": "correction",
            "overridden": {"customer_email": ["ada@example.com", "ada@new.example"], "warehouse": ["Main", "East"],
                           "shipping_line1": ["1 Shipping Rd", "2 Other Rd"], "pricing": ["keep", "reprice"]},
            "shipping": {"name": "Ada Lovelace", "country": "US", "city": "Springfield"},
            "lines": [{"sku": "SKU-1", "note": "gift for Ada Lovelace"}],
        },
    )
    OrderEvent.objects.create(account=store, order=due, kind="status", message="Status open → allocated",
                              data={"status": ["open", "allocated"]})
    before = all_rows()
    lines_before = snapshot(OrderLine)

    report = pii_redact_account(account=store, now=now)

    after = all_rows()
    assert report.orders == 1 and report.customers == 1
    # The due order: exactly the personal fields (and the redaction stamp) changed.
    changed = {k for k in before["orders"][due.pk] if before["orders"][due.pk][k] != after["orders"][due.pk][k]}
    assert changed == set(REDACTED_FIELDS)
    row = after["orders"][due.pk]
    for field in REDACTED_FIELDS:
        if field.endswith("postal_code") or field == "pii_redacted_at":
            continue
        assert row[field] == "", field
    assert row["billing_postal_code"] == "N1" and row["shipping_postal_code"] == "902"
    assert row["billing_country"] == "GB" and row["shipping_country"] == "US"
    assert row["pii_redacted_at"] == now
    # Every other order, every line: untouched.
    for pk in (kept.pk, other_account.pk):
        assert after["orders"][pk] == before["orders"][pk]
    assert snapshot(OrderLine) == lines_before
    # The customer profile: redacted, since its only order is.
    profile = after["customers"][customer.pk]
    assert (profile["name"], profile["email"], profile["phone"], profile["redacted_at"]) == ("", "", "", now)
    # Events: personal values gone, the rest (statuses, purposes, SKUs, warehouses) kept.
    events = {e.kind: e for e in OrderEvent.objects.filter(order=due)}
    assert events["cloned"].message == "Cloned for [redacted] by agent"
    assert events["cloned"].data == {
        "purpose": "correction",
        "overridden": {"customer_email": "[redacted]", "warehouse": ["Main", "East"],
                       "shipping_line1": "[redacted]", "pricing": ["keep", "reprice"]},
        "shipping": {"name": "[redacted]", "country": "US", "city": "[redacted]"},
        "lines": [{"sku": "SKU-1", "note": "gift for [redacted]"}],
    }
    assert events["status"].message == "Status open → allocated"
    assert events["status"].data == {"status": ["open", "allocated"]}
    created_event = events["created"]
    assert after["events"][created_event.pk] == before["events"][created_event.pk]  # nothing personal in it
    # One activity entry says what was redacted.
    entry = ActivityLog.objects.get(account=store, action="privacy.redacted")
    assert entry.actor is None
    assert entry.changes["orders"] == 1 and entry.changes["customers"] == 1
    assert "1 order" in entry.summary and "account setting (30 days): 1" in entry.summary


def test_running_again_changes_nothing(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    orders = [m.order(40 * DAY) for _ in range(3)]
    first = pii_redact_account(account=store, now=now)
    rows = all_rows()

    second = pii_redact_account(account=store, now=now + DAY)

    assert first.orders == 3 and second.orders == 0 and second.order_events == 0 and second.customers == 0
    assert all_rows() == rows  # pii_redacted_at keeps the first run's time
    assert Order.objects.get(pk=orders[0].pk).pii_redacted_at == now
    assert ActivityLog.objects.filter(account=store, action="privacy.redacted").count() == 1


def test_an_order_one_second_before_its_due_time_stays_intact(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    channel = sales_channel(store, "Web", days=7)
    m = maker(store)
    almost = m.order(30 * DAY - dt.timedelta(seconds=1))
    almost_channel = m.order(7 * DAY - dt.timedelta(seconds=1), source=Order.Source.SALES_CHANNEL, channel=channel)
    exactly = m.order(30 * DAY)
    exactly_channel = m.order(7 * DAY, source=Order.Source.SALES_CHANNEL, channel=channel)
    before = snapshot(Order, pk__in=[almost.pk, almost_channel.pk])

    pii_redact_account(account=store, now=now)

    assert snapshot(Order, pk__in=[almost.pk, almost_channel.pk]) == before
    assert redacted(exactly) and redacted(exactly_channel)
    # One second later they are due.
    pii_redact_account(account=store, now=now + dt.timedelta(seconds=1))
    assert redacted(almost) and redacted(almost_channel)


def test_a_changed_retention_applies_at_the_next_run(world, maker, now):
    store = world.store
    account_privacy_update(account=store, retention_days=60, channel_overrides={}, by=world.admin)
    order = maker(store).order(40 * DAY)
    pii_redact_account(account=store, now=now)
    assert not redacted(order)

    account_privacy_update(account=store, retention_days=30, channel_overrides={}, by=world.admin)
    pii_redact_account(account=store, now=now)
    assert redacted(order)


def test_a_customer_profile_is_redacted_once_no_order_keeps_it_visible(world, maker, now):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    customer = Customer.objects.create(account=store, name="Ada Lovelace", email="ada@example.com")
    old = m.order(40 * DAY, customer=customer)
    recent = m.order(10 * DAY, customer=customer)

    first = pii_redact_account(account=store, now=now)
    customer.refresh_from_db()
    assert first.customers == 0 and redacted(old) and not redacted(recent)
    assert customer.redacted_at is None and customer.email == "ada@example.com"

    pii_redact_account(account=store, now=now + 25 * DAY)
    customer.refresh_from_db()
    assert customer.redacted_at == now + 25 * DAY and (customer.name, customer.email) == ("", "")


def test_a_profile_no_order_keeps_any_more_is_redacted_past_the_longest_retention(world, maker, now):
    from privacy.selectors import redaction_due

    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    orphan, young, half, kept = (
        Customer.objects.create(account=store, name=name, email=f"{name.lower()}@example.com")
        for name in ("Orphan", "Young", "Half", "Kept")
    )
    Customer.objects.filter(pk__in=[orphan.pk, half.pk, kept.pk]).update(created_at=now - 40 * DAY)
    Customer.objects.filter(pk=young.pk).update(created_at=now - 10 * DAY)
    m.order(40 * DAY, customer=half)
    later = m.order(10 * DAY, customer=half)
    m.order(10 * DAY, customer=kept)

    first = pii_redact_account(account=store, now=now)

    assert first.customers == 1  # the profile whose orders were all deleted, created 40 days ago
    assert [c.pk for c in Customer.objects.filter(account=store, redacted_at__isnull=False)] == [orphan.pk]
    Order.objects.filter(pk=later.pk).delete()  # Half's last unredacted order goes
    assert redaction_due(account=store, now=now).customers == 1

    second = pii_redact_account(account=store, now=now)

    assert second.customers == 1 and second.orders == 0
    half.refresh_from_db()
    assert half.redacted_at == now and (half.name, half.email) == ("", "")
    assert Customer.objects.filter(pk__in=[young.pk, kept.pk], redacted_at__isnull=True).count() == 2


def test_batches_do_not_multiply_queries(world, maker, now, django_assert_max_num_queries):
    store = world.store
    store.pii_retention_days = 30
    store.save()
    m = maker(store)
    for _ in range(25):
        m.order(40 * DAY)
    # retention read, channels, advisory lock + unlock, 3 batches of 10 (each a savepoint, a SET LOCAL and
    # the statement), activity entry: a fixed number per batch, none per order.
    with django_assert_max_num_queries(20):
        report = pii_redact_account(account=store, now=now, batch_size=10)
    assert report.orders == 25 and report.batches == 3
    assert Order.objects.filter(account=store, pii_redacted_at__isnull=True).count() == 0


def test_the_order_page_says_when_personal_data_was_redacted(world, maker, now):
    from django.urls import reverse

    store = world.store
    store.pii_retention_days = 30
    store.save()
    order = maker(store).order(40 * DAY, customer_email="ada@example.com")
    pii_redact_account(account=store, now=now)

    page = world.client_for(world.admin).get(reverse("order_detail", args=[store.pk, order.number]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f"Personal data redacted on <time datetime=\"{now.isoformat()}\">{now:%Y-%m-%d}</time>" in html
    assert "ada@example.com" not in html and "Ada Lovelace" not in html
    assert html.count("Redacted.") == 2 and "None given" not in html  # the addresses say what happened to them
