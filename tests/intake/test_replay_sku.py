"""After mapping an unknown SKU: "Replay every open failure with this SKU (N)" replays exactly the open failures
rejected for that SKU (from the same channel), leaves the others, and sums up; many go to the background with a
progress page (the task's body here; tests/intake/test_replay_sku_worker.py runs a real worker)."""

from html import unescape

import pytest
from django.urls import reverse

from intake import selectors
from intake.models import IntakeFailure, ReplayRun
from intake.services import replay, replay_run_execute
from orders.models import Order
from tests.intake.failure_helpers import failure, mug, sales_channel


def action_url(world, kept, action):
    return reverse("intake_failure_action", args=[world.store.pk, kept.pk, action])


@pytest.fixture
def kept(world):
    """Three open failures for THEIR-MUG from Market, one for it from another channel, one for another SKU,
    and one already discarded."""
    mug(world.store, sku="MUG-1")
    market, other = sales_channel(world.store, name="Market"), sales_channel(world.store, name="Other")
    mine = [failure(world.store, channel=market, external_id=f"SBX-{i}", sku="THEIR-MUG") for i in range(3)]
    elsewhere = failure(world.store, channel=other, external_id="OTH-1", sku="THEIR-MUG")
    unrelated = failure(world.store, channel=market, external_id="SBX-X", sku="THEIR-CUP")
    gone = failure(world.store, channel=market, external_id="SBX-D", sku="THEIR-MUG")
    IntakeFailure.objects.filter(pk=gone.pk).update(status=IntakeFailure.Status.DISCARDED)
    gone.refresh_from_db()
    return {"mine": mine, "elsewhere": elsewhere, "unrelated": unrelated, "gone": gone, "market": market}


def test_the_selector_finds_exactly_the_open_failures_with_that_sku(world, kept):
    found = selectors.failures_open_with_unknown_sku(account=world.store, sku="their-mug", channel=kept["market"])

    assert sorted(f.pk for f in found) == sorted(f.pk for f in kept["mine"])
    everywhere = selectors.failures_open_with_unknown_sku(account=world.store, sku="THEIR-MUG")
    assert len(everywhere) == 4 and selectors.failures_open_with_unknown_sku(account=world.outlet, sku="THEIR-MUG") == []


def test_the_offer_appears_once_the_sku_is_mapped_and_replays_exactly_those_failures(world, kept):
    client = world.client_for(world.agent)
    first = kept["mine"][0]
    page = client.get(reverse("intake_failure", args=[world.store.pk, first.pk])).content.decode()
    assert "Replay every open failure with this SKU" not in page  # not mapped yet

    mapped = client.post(action_url(world, first, "map"), {"external_sku": "THEIR-MUG", "sku": "MUG-1"}, follow=True)
    html = unescape(mapped.content.decode())
    assert "Replay every open failure with this SKU (3)" in html

    done = client.post(action_url(world, first, "replay-sku"), {"sku": "THEIR-MUG"}, follow=True)

    html = unescape(done.content.decode())
    assert "Replayed 3 of 3 failures with THEIR-MUG: 3 became orders, 0 still rejected." in html
    for f in kept["mine"]:
        f.refresh_from_db()
        assert f.status == IntakeFailure.Status.REPLAYED and f.order is not None
        assert f.order.number in html
    for name in ("elsewhere", "unrelated", "gone"):
        before = kept[name].status
        kept[name].refresh_from_db()
        assert kept[name].status == before and kept[name].order is None
    assert Order.objects.filter(account=world.store).count() == 3
    run = ReplayRun.objects.get(account=world.store)
    assert (run.status, run.total, run.replayed, run.still, run.requested_by) == ("done", 3, 3, 0, world.agent)


def test_an_unmapped_or_foreign_sku_replays_nothing(world, kept):
    client = world.client_for(world.agent)
    first = kept["mine"][0]

    unmapped = client.post(action_url(world, first, "replay-sku"), {"sku": "THEIR-MUG"}, follow=True)
    other = client.post(action_url(world, first, "replay-sku"), {"sku": "THEIR-CUP"}, follow=True)

    assert "Nothing was replayed: map that SKU first" in unescape(unmapped.content.decode())
    assert "Nothing was replayed" in unescape(other.content.decode())
    assert not ReplayRun.objects.exists()
    assert IntakeFailure.objects.filter(account=world.store, status=IntakeFailure.Status.REPLAYED).count() == 0


def test_a_viewer_may_not_replay(world, kept):
    response = world.client_for(world.viewer).post(action_url(world, kept["mine"][0], "replay-sku"), {"sku": "THEIR-MUG"})

    assert response.status_code == 403 and not ReplayRun.objects.exists()


def test_many_go_to_the_background_with_a_progress_page(world, kept, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(replay, "REPLAY_AT_ONCE", 2)
    client = world.client_for(world.agent)
    first = kept["mine"][0]
    client.post(action_url(world, first, "map"), {"external_sku": "THEIR-MUG", "sku": "MUG-1"})
    queued = []
    monkeypatch.setattr("intake.tasks.replay_run_task.delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(world, first, "replay-sku"), {"sku": "THEIR-MUG"})

    run = ReplayRun.objects.get(account=world.store)
    assert response.status_code == 302 and response["Location"] == reverse("intake_replay_run", args=[world.store.pk, run.pk])
    assert queued == [run.pk] and run.status == "queued"
    waiting = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "waiting for a worker" in waiting

    replay_run_execute(run_id=run.pk)
    replay_run_execute(run_id=run.pk)  # a second delivery does nothing

    fragment = unescape(client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode())
    assert "Replayed 3 of 3 failures with THEIR-MUG: 3 became orders, 0 still rejected." in fragment
    assert "hx-trigger" not in fragment
    assert Order.objects.filter(account=world.store).count() == 3
    assert client.get(response["Location"]).status_code == 200
    outsider = world.client_for(world.outsider).get(response["Location"])
    assert outsider.status_code == 404


def test_the_offers_count_each_mapped_sku_in_one_query_whatever_their_number(world, kept):
    """A failure with two unknown SKUs, both mapped: each offer counts its own failures, and the page costs no
    more queries than with one SKU mapped (no query per SKU)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intake.models import Source
    from intake.services import intake_submit
    from tests.intake.failure_helpers import sandbox_order

    mug(world.store, sku="CUP-1")
    both = intake_submit(
        account=world.store, payload=sandbox_order("SBX-2SKU", ("THEIR-MUG", 1, "9.50"), ("THEIR-CUP", 1, "9.50")),
        channel=kept["market"], source=Source.CHANNEL, payload_format="sandbox", retry=False,
    ).failure
    client = world.client_for(world.agent)
    page_url = reverse("intake_failure", args=[world.store.pk, both.pk])
    client.post(action_url(world, both, "map"), {"external_sku": "THEIR-MUG", "sku": "MUG-1"})
    client.get(page_url)  # warm caches (session, organization look-ups)
    with CaptureQueriesContext(connection) as one_sku:
        html = unescape(client.get(page_url).content.decode())
    assert "Replay every open failure with this SKU (4)" in html  # the three of the fixture and this one

    client.post(action_url(world, both, "map"), {"external_sku": "THEIR-CUP", "sku": "CUP-1"})
    client.get(page_url)
    with CaptureQueriesContext(connection) as two_skus:
        html = unescape(client.get(page_url).content.decode())

    assert "Replay every open failure with this SKU (4)" in html
    assert "Replay every open failure with this SKU (2)" in html  # SBX-X and this one
    assert len(two_skus) == len(one_sku)


def test_a_run_stopped_by_an_unexpected_error_says_so_in_words_and_keeps_what_was_replayed(world, kept, monkeypatch):
    first = kept["mine"][0]
    client = world.client_for(world.agent)
    client.post(action_url(world, first, "map"), {"external_sku": "THEIR-MUG", "sku": "MUG-1"})
    real = replay.intake_replay_many
    calls = []

    def breaks_on_the_second(*, failures, by=None):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("relation intake_intakefailure does not exist")
        return real(failures=failures, by=by)

    monkeypatch.setattr(replay, "intake_replay_many", breaks_on_the_second)
    run = replay.replay_run_request(
        account=world.store, external_sku="THEIR-MUG", channel=kept["market"], failures=kept["mine"], by=world.agent
    )

    assert (run.status, run.processed, run.replayed) == ("failed", 1, 1)
    page = unescape(client.get(reverse("intake_replay_run", args=[world.store.pk, run.pk])).content.decode())
    assert "An unexpected error stopped it" in page
    assert "RuntimeError" not in page and "intake_intakefailure" not in page
    assert IntakeFailure.objects.filter(pk__in=[f.pk for f in kept["mine"]], status="replayed").count() == 1
