"""Channel order import from the sandbox marketplace: new orders created once, rejected payloads kept for
retry (and not kept twice), connector failures fail the recurring job so it is retried."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.jobs.services import recurring_job_run
from accounts.models import RecurringJob, RecurringJobRun
from channels.connectors import ConnectorError
from channels.models import Channel
from intake.importing import orders_import
from intake.models import IntakeFailure, SourceStats
from orders.models import Order
from tests.channels.conftest import sandbox_channel
from tests.intake.failure_helpers import mug, sandbox_order, serve_orders
from tests.jobs.conftest import make_job

Status = RecurringJobRun.Status


@pytest.fixture
def market(world, sandbox):
    mug(world.store, sku="MUG-1")
    mug(world.store, sku="TEE-M")
    return sandbox_channel(
        world.store, sandbox, warehouses=[world.store.default_warehouse], name="Sandbox", order_format="sandbox",
        supports_order_import=True,
    )


def test_import_creates_each_new_order_once(world, sandbox, market):
    serve_orders(sandbox, [sandbox_order("SBX-1", ("MUG-1", 2, "9.50")),
                           sandbox_order("SBX-2", ("MUG-1", 1, "9.50"), ("TEE-M", 3, "19.00"))])

    first = orders_import(channel=market)
    again = orders_import(channel=market)

    assert (first.fetched, first.created, first.duplicates, first.rejected) == (2, 2, 0, 0)
    assert (again.fetched, again.created, again.duplicates, again.rejected) == (2, 0, 2, 0)
    orders = Order.objects.filter(account=world.store, channel=market).order_by("external_id")
    assert [(o.external_id, o.source, o.lines.count()) for o in orders] == [
        ("SBX-1", Order.Source.SALES_CHANNEL, 1), ("SBX-2", Order.Source.SALES_CHANNEL, 2)]
    assert orders[0].status == Order.Status.ALLOCATED

    serve_orders(sandbox, [sandbox_order("SBX-3")], append=True)
    third = orders_import(channel=market)
    assert (third.created, third.duplicates) == (1, 2)
    assert Order.objects.filter(account=world.store, channel=market).count() == 3


def test_plain_orders_are_written_together_in_a_fixed_number_of_queries(world, sandbox, market,
                                                                       django_assert_max_num_queries):
    serve_orders(sandbox, [sandbox_order(f"SBX-{n}", ("MUG-1", 1, "9.50")) for n in range(40)])

    with django_assert_max_num_queries(40):  # one order alone takes about 20
        counts = orders_import(channel=market)

    assert (counts.created, counts.rejected, counts.errors) == (40, 0, 0)
    orders = Order.objects.filter(account=world.store, channel=market)
    assert orders.count() == 40 and {o.status for o in orders} == {Order.Status.ALLOCATED}
    assert SourceStats.objects.get(account=world.store, channel=market).accepted == 40


def test_when_one_order_is_short_every_order_of_its_batch_is_taken_alone(world, sandbox, market):
    serve_orders(sandbox, [sandbox_order("SBX-1", ("MUG-1", 2, "9.50")), sandbox_order("SBX-2", ("MUG-1", 60, "9.50")),
                           sandbox_order("SBX-3", ("TEE-M", 1, "19.00"))])

    counts = orders_import(channel=market)

    assert (counts.created, counts.rejected) == (3, 0)
    orders = {o.external_id: o for o in Order.objects.filter(account=world.store, channel=market)}
    assert orders["SBX-1"].status == orders["SBX-3"].status == Order.Status.ALLOCATED
    assert orders["SBX-2"].status == Order.Status.OPEN and "not enough stock" in orders["SBX-2"].flags[0]


def test_a_rejected_payload_is_kept_retrying_once_however_often_the_channel_offers_it(world, sandbox, market):
    serve_orders(sandbox, [sandbox_order("SBX-1"), sandbox_order("SBX-BAD", ("NOT-OURS", 1, "5.00"))])
    before = timezone.now()

    first = orders_import(channel=market)
    again = orders_import(channel=market)

    assert (first.created, first.rejected) == (1, 1)
    assert (again.created, again.rejected, again.duplicates, again.known_failures) == (0, 0, 1, 1)
    failure = IntakeFailure.objects.get(account=world.store)
    assert (failure.external_id, failure.status, failure.attempts) == ("SBX-BAD", IntakeFailure.Status.RETRYING, 1)
    assert failure.channel == market and failure.payload["id"] == "SBX-BAD"
    # First retry after 60 s plus up to 50 % jitter.
    assert before + dt.timedelta(seconds=60) <= failure.next_attempt_at <= timezone.now() + dt.timedelta(seconds=90)
    assert "NOT-OURS" in failure.reasons[0]["message"]
    stats = SourceStats.objects.get(account=world.store, channel=market)
    assert (stats.accepted, stats.rejected) == (1, 1)


def test_an_order_without_an_id_is_kept_once_however_often_the_channel_offers_it(world, sandbox, market):
    no_id = sandbox_order("", ("MUG-1", 1, "9.50"))
    other = sandbox_order("", ("MUG-1", 2, "9.50"))
    serve_orders(sandbox, [no_id])

    first = orders_import(channel=market)
    serve_orders(sandbox, [no_id, other])
    again = orders_import(channel=market)

    assert (first.rejected, again.known_failures, again.rejected) == (1, 1, 1)
    assert IntakeFailure.objects.filter(account=world.store, external_id="").count() == 2
    assert not Order.objects.filter(account=world.store).exists()


def test_an_unreachable_channel_raises(world, sandbox, market):
    sandbox.server.shutdown()
    sandbox.server.server_close()

    with pytest.raises(ConnectorError, match="cannot reach"):
        orders_import(channel=market)


def test_the_import_orders_job_imports_and_logs_the_counts(world, sandbox, market):
    serve_orders(sandbox, [sandbox_order("SBX-1"), sandbox_order("SBX-BAD", ("NOT-OURS", 1, "5.00"))])
    now = timezone.now()
    job = make_job(world.store, RecurringJob.JobType.IMPORT_ORDERS, channel=market, next_run_at=now)

    run = recurring_job_run(job_id=job.pk, now=now)

    assert run.status == Status.SUCCEEDED
    assert run.message == "2 fetched: 1 created, 1 rejected, 0 already imported, 0 already failing"
    assert run.result == {"fetched": 2, "created": 1, "duplicates": 0, "rejected": 1, "known_failures": 0, "errors": 0}
    assert "Fetching orders from Sandbox" in run.log
    assert Order.objects.filter(channel=market, external_id="SBX-1").count() == 1


def test_a_connector_failure_fails_the_job_so_it_is_retried(world, sandbox, market):
    sandbox.server.shutdown()
    sandbox.server.server_close()
    now = timezone.now()
    job = make_job(world.store, RecurringJob.JobType.IMPORT_ORDERS, channel=market, next_run_at=now)

    run = recurring_job_run(job_id=job.pk, now=now)

    assert run.status == Status.FAILED and "cannot reach" in run.message
    job.refresh_from_db()
    assert job.failures == 1 and job.next_run_at > now  # the schedule retries it


def test_a_channel_without_a_connection_is_skipped_with_the_reason(world):
    channel = Channel.objects.create(account=world.store, kind=Channel.Kind.SALES, name="Phone orders",
                                     connector_type=Channel.Connector.MANUAL, supports_order_import=True)
    now = timezone.now()
    job = make_job(world.store, RecurringJob.JobType.IMPORT_ORDERS, channel=channel, next_run_at=now)

    run = recurring_job_run(job_id=job.pk, now=now)

    assert (run.status, run.message) == (Status.SKIPPED, "skipped: Phone orders has no connection configured")


def test_the_channel_form_sets_the_order_format_and_the_channel_code_rules(world):
    client = world.client_for(world.account_admin)
    page = client.get(reverse("channel_create", args=[world.store.pk]))
    html = page.content.decode()
    assert 'name="order_format"' in html and "Sandbox marketplace" in html and "Shopify" in html

    response = client.post(reverse("channel_create", args=[world.store.pk]), {
        "kind": "sales", "name": "Shop", "connector_type": "http_json", "order_format": "shopify",
        "sales_order_carrier_rule": "error", "sales_order_service_rule": "", "conn-timeout_seconds": "5",
        "conn-auth_header": "Authorization", "conn-orders_path": "/orders",
    })

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(account=world.store, name="Shop")
    assert (channel.order_format, channel.sales_order_carrier_rule, channel.sales_order_service_rule) == (
        "shopify", "error", "")
