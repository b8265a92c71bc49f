"""The channel page and the channel list show whether stock pushes reach the channel, in the account's timezone."""

from datetime import UTC, datetime

from django.urls import reverse

from inventory.models import InventoryPush, PushCircuit
from tests.channels.conftest import sandbox_channel
from tests.factories import ChannelFactory, VariantFactory
from tests.inventory.conftest import receive


def test_a_failing_channel_shows_since_when_the_next_attempt_and_what_waits_in_the_accounts_timezone(world, sandbox):
    world.store.timezone = "Asia/Tokyo"  # UTC+9
    world.store.save(update_fields=["timezone"])
    warehouse = world.store.default_warehouse
    channel = sandbox_channel(world.store, sandbox, warehouses=[warehouse])
    for sku in ("A-1", "A-2"):
        variant = VariantFactory(product__account=world.store, sku=sku)
        receive(variant, warehouse, 3)
        receive(variant, warehouse, 1)
    PushCircuit.objects.create(
        channel=channel, state="open", failures=5, probes=2, last_error="Sandbox: HTTP 503 from http://x/inventory",
        failing_since=datetime(2026, 12, 1, 3, 5, tzinfo=UTC),
        next_attempt_at=datetime(2026, 12, 1, 3, 7, 30, tzinfo=UTC),
    )
    client = world.client_for(world.account_admin)

    page = client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()
    assert "Failing" in page and "since" in page and ">2026-12-01 12:05<" in page
    assert "next attempt at" in page and ">2026-12-01 12:07:30<" in page
    assert "2 SKUs waiting to be sent" in page  # two SKUs, however many changes each had
    assert "HTTP 503" in page

    listing = client.get(reverse("channel_list", args=[world.store.pk])).content.decode()
    assert "Failing" in listing and ">2026-12-01 12:05<" in listing and "2 SKUs waiting to be sent" in listing

    PushCircuit.objects.filter(channel=channel).update(state="half_open")
    assert "checking now" in client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()


def test_a_channel_whose_pushes_work_says_so(world, sandbox):
    channel = sandbox_channel(world.store, sandbox, warehouses=[world.store.default_warehouse])
    page = world.client_for(world.account_admin).get(reverse("channel_edit", args=[world.store.pk, channel.pk]))
    assert "Working" in page.content.decode() and "Failing" not in page.content.decode()
    assert not InventoryPush.objects.exists()


def test_the_channel_list_shows_push_state_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    ChannelFactory(account=world.store)
    client = world.client_for(world.account_admin)
    url = reverse("channel_list", args=[world.store.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(1, 7):
        channel = ChannelFactory(account=world.store)
        if n % 2:
            PushCircuit.objects.create(channel=channel, state="open", failing_since=datetime(2026, 12, 1, tzinfo=UTC))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Failing") == 3
