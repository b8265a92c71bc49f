"""The intake page: health per source, failures by impact (filters, pages, a fixed number of queries), one
failure's page with map / replay / discard, replay many; who may do what."""

import datetime as dt
import re
from html import unescape
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import IntakeFailure, SkuAlias, Source, SourceStats
from intake.selectors import intake_health
from orders.models import Order
from tests.intake.failure_helpers import failure, mug, sales_channel

HOUR = dt.timedelta(hours=1)


def page_url(world, **query):
    url = reverse("intake_page", args=[world.store.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(world, kept):
    return reverse("intake_failure", args=[world.store.pk, kept.pk])


def action_url(world, kept, action):
    return reverse("intake_failure_action", args=[world.store.pk, kept.pk, action])


def rows(html: str) -> list[str]:
    """The failures' ids in the order the page lists them."""
    return re.findall(r'<tr id="failure-(\d+)"', html)


def stats(account, source, channel=None, *, ago, accepted=0, rejected=0):
    hour = (timezone.now() - ago).replace(minute=0, second=0, microsecond=0)
    return SourceStats.objects.create(
        account=account, source=source, channel=channel, hour=hour, accepted=accepted, rejected=rejected,
        last_success_at=hour + dt.timedelta(minutes=5) if accepted else None,
        last_failure_at=hour + dt.timedelta(minutes=6) if rejected else None,
    )


# Health ---------------------------------------------------------------------------------------------------


def test_health_per_source_last_success_error_rate_and_backlog(world):
    store = world.store
    market = sales_channel(store, name="Market")
    quiet = sales_channel(store, name="Quiet")
    failure(store, channel=market, external_id="M-1", dead=False)
    failure(store, channel=market, external_id="M-2")
    failure(store, channel=market, external_id="M-3")
    failure(store, external_id="A-1")
    replayed = failure(store, external_id="A-2")
    IntakeFailure.objects.filter(pk=replayed.pk).update(status=IntakeFailure.Status.REPLAYED)
    SourceStats.objects.all().delete()  # the rows the failures counted: the numbers below are the test's own
    stats(store, Source.CHANNEL, market, ago=2 * HOUR, accepted=30, rejected=10)
    stats(store, Source.CHANNEL, market, ago=30 * HOUR, accepted=0, rejected=50)  # older than 24 h: not in the rate
    latest = stats(store, Source.API, ago=HOUR, accepted=9, rejected=1)
    stats(world.outlet, Source.API, ago=HOUR, accepted=0, rejected=7)  # another account

    health = {(row.source, row.channel): row for row in intake_health(account=store)}

    assert list(health) == [(Source.CHANNEL, market), (Source.CHANNEL, quiet), (Source.API, None),
                            (Source.CSV, None), (Source.MANUAL, None)]
    row = health[(Source.CHANNEL, market)]
    assert (row.accepted_24h, row.rejected_24h, row.error_rate) == (30, 10, 25.0)
    assert (row.retrying, row.dead, row.backlog) == (1, 2, 3)
    assert row.last_success_at == (timezone.now() - 2 * HOUR).replace(minute=5, second=0, microsecond=0)
    api = health[(Source.API, None)]
    assert (api.error_rate, api.backlog, api.last_success_at) == (10.0, 1, latest.last_success_at)
    assert health[(Source.CHANNEL, quiet)].error_rate is None and health[(Source.CSV, None)].last_success_at is None


def test_the_page_shows_health_in_the_accounts_timezone(world):
    world.store.timezone = "Asia/Tokyo"
    world.store.save()
    stats(world.store, Source.API, ago=HOUR, accepted=3, rejected=1)
    success = SourceStats.objects.get(account=world.store).last_success_at

    html = world.client_for(world.viewer).get(page_url(world)).content.decode()

    tokyo = timezone.localtime(success, dt.timezone(dt.timedelta(hours=9)))
    assert f'{tokyo:%Y-%m-%d %H:%M}' in html and "Asia/Tokyo" in html
    assert re.search(r'data-source="api">.*?25\.0 %', html, re.S)


# Failures list ------------------------------------------------------------------------------------------------


def test_failures_are_listed_by_value_then_lines_then_oldest_first(world):
    store = world.store
    cheap = failure(store, external_id="CHEAP", qty=1, price="5.00")
    big_old = failure(store, external_id="BIG-OLD", qty=2, price="50.00")
    big_new = failure(store, external_id="BIG-NEW", qty=2, price="50.00")
    many_lines = failure(store, external_id="MANY-LINES", qty=1, price="100.00")
    IntakeFailure.objects.filter(pk=many_lines.pk).update(line_count=3)
    IntakeFailure.objects.filter(pk=big_old.pk).update(created_at=timezone.now() - HOUR)
    richest = failure(store, external_id="RICH", qty=1, price="500.00")
    done = failure(store, external_id="DONE", qty=1, price="900.00")
    IntakeFailure.objects.filter(pk=done.pk).update(status=IntakeFailure.Status.DISCARDED)
    failure(world.outlet, external_id="OTHER", qty=1, price="999.00")

    html = world.client_for(world.viewer).get(page_url(world)).content.decode()

    expected = [richest, many_lines, big_old, big_new, cheap]
    assert rows(html) == [str(f.pk) for f in expected]
    assert "OTHER" not in html and "DONE" not in html
    assert rows(world.client_for(world.viewer).get(page_url(world, status="discarded")).content.decode()) == [str(done.pk)]


def test_filters_by_source_and_channel_and_pages_with_a_cursor(world, monkeypatch):
    store = world.store
    market = sales_channel(store, name="Market")
    other = sales_channel(store, name="Other")
    from_market = [failure(store, channel=market, external_id=f"M-{i}", price=f"{10 + i}.00") for i in range(5)]
    failure(store, channel=other, external_id="O-1")
    failure(store, external_id="API-1")
    failure(store, source=Source.CSV, external_id="CSV-1")
    monkeypatch.setattr("intake.selectors.PAGE_SIZE", 2)
    client = world.client_for(world.viewer)

    first = client.get(page_url(world, source="channel", channel=market.pk)).content.decode()
    ids = rows(first)
    after = re.search(r'href="([^"]*after=[^"]*)" hx-get', first).group(1).replace("&amp;", "&")
    second = client.get(after).content.decode()
    ids += rows(second)
    after = re.search(r'href="([^"]*after=[^"]*)" hx-get', second).group(1).replace("&amp;", "&")
    third = client.get(after).content.decode()
    ids += rows(third)

    assert ids == [str(f.pk) for f in reversed(from_market)]
    assert 'rel="next"' not in third and 'rel="first"' in third
    csv_only = client.get(page_url(world, source="csv")).content.decode()
    assert len(rows(csv_only)) == 1 and "CSV-1" in csv_only
    fragment = client.get(page_url(world, source="api"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="failure-results">') and "API-1" in fragment and "<html" not in fragment


def test_the_page_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    store = world.store
    channels = [sales_channel(store, name=f"Channel {i}") for i in range(3)]
    client = world.client_for(world.agent)
    client.get(page_url(world))  # session and caches warm

    def load(count):
        for i in range(count):
            failure(store, channel=channels[i % 3], external_id=f"F-{count}-{i}", dead=bool(i % 2))
        with django_assert_max_num_queries(16) as captured:
            response = client.get(page_url(world, status="all"))
        assert response.status_code == 200
        return len(captured)

    assert load(3) == load(30)


# One failure -----------------------------------------------------------------------------------------------


def test_the_failure_page_shows_payload_reasons_and_history(world):
    channel = sales_channel(world.store, name="Market")
    kept = failure(world.store, channel=channel, external_id="SBX-7", sku="THEIR-MUG", dead=False)

    response = world.client_for(world.viewer).get(detail_url(world, kept))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 1: SKU “THEIR-MUG” is not a product of Acme Corporation Store" in html
    assert "&quot;id&quot;: &quot;SBX-7&quot;" in html and '\n  "items": [' not in html  # pretty, escaped
    assert re.search(r'<pre id="payload">\{\n  &quot;id&quot;', html)
    assert "Received from Market and rejected." in html and "1 attempt so far" in html and "Next attempt." in html
    assert 'id="replay"' not in html and 'id="map-sku"' not in html  # a viewer: no actions


def test_an_agent_maps_the_unknown_sku_and_replays_into_an_order(world):
    variant = mug(world.store)
    channel = sales_channel(world.store, name="Market")
    kept = failure(world.store, channel=channel, external_id="SBX-8", sku="THEIR-MUG", qty=2)
    client = world.client_for(world.agent)
    page = client.get(detail_url(world, kept)).content.decode()
    assert 'id="map-sku"' in page and '<option value="THEIR-MUG"' in page

    wrong = client.post(action_url(world, kept, "map"), {"external_sku": "THEIR-MUG", "sku": "NOPE"})
    assert wrong.status_code == 400
    assert "“NOPE” is not one of Acme Corporation Store's SKUs." in unescape(wrong.content.decode())
    mapped = client.post(action_url(world, kept, "map"), {"external_sku": "THEIR-MUG", "sku": "mug-1"}, follow=True)
    assert "THEIR-MUG now means MUG-1 for Market." in mapped.content.decode()
    alias = SkuAlias.objects.get(account=world.store)
    assert (alias.external_sku, alias.variant, alias.channel, alias.created_by) == ("THEIR-MUG", variant, channel, world.agent)

    replayed = client.post(action_url(world, kept, "replay"), follow=True)

    order = Order.objects.get(account=world.store)
    html = replayed.content.decode()
    link = reverse("order_detail", args=[world.store.pk, order.number])
    assert f'SBX-8 became order <a href="{link}">{order.number}</a>.' in html
    kept.refresh_from_db()
    assert kept.status == IntakeFailure.Status.REPLAYED and kept.order == order
    client.post(action_url(world, kept, "replay"))
    assert Order.objects.filter(account=world.store).count() == 1


def test_a_replay_that_still_fails_says_why_and_discard_takes_it_off_the_list(world):
    kept = failure(world.store, external_id="API-9", sku="NOBODY")
    client = world.client_for(world.account_admin)

    again = client.post(action_url(world, kept, "replay"), follow=True).content.decode()
    assert "API-9 was rejected again: Line 1: SKU “NOBODY” is not a product" in again
    client.post(action_url(world, kept, "discard"), {"confirmed": "yes"})

    kept.refresh_from_db()
    assert (kept.status, kept.resolved_by, kept.attempts) == (IntakeFailure.Status.DISCARDED, world.account_admin, 2)
    assert rows(client.get(page_url(world)).content.decode()) == []


def test_replay_selected_and_replay_all_shown(world):
    variant = mug(world.store)
    from intake.services import sku_alias_set

    a = failure(world.store, external_id="A", sku="THEIR-MUG", price="30.00")
    b = failure(world.store, external_id="B", sku="THEIR-MUG", price="20.00")
    c = failure(world.store, external_id="C", sku="NOBODY", price="10.00")
    sku_alias_set(account=world.store, external_sku="THEIR-MUG", variant=variant)
    client = world.client_for(world.supervisor)

    selected = client.post(reverse("intake_replay_many", args=[world.store.pk]),
                           {"scope": "selected", "ids": [b.pk]}, follow=True).content.decode()
    assert Order.objects.filter(account=world.store).count() == 1
    assert "Replayed 1 into orders: SO-" in selected

    shown = client.post(reverse("intake_replay_many", args=[world.store.pk]),
                        {"scope": "all", "shown": [a.pk, c.pk], "ids": []}, follow=True).content.decode()
    assert sorted(Order.objects.filter(account=world.store).values_list("external_id", flat=True)) == ["A", "B"]
    assert "Replayed 1 into orders" in shown and "1 still rejected. C: Line 1: SKU “NOBODY”" in shown
    statuses = dict(IntakeFailure.objects.filter(account=world.store).values_list("external_id", "status"))
    assert statuses == {"A": "replayed", "B": "replayed", "C": "dead"}


# Who may do what ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "agent", "account_admin", "supervisor", "admin"])
def test_everyone_with_the_account_sees_the_pages(world, role):
    kept = failure(world.store, external_id="SEEN")
    client = world.client_for(world.by_role(role))

    assert client.get(page_url(world)).status_code == 200
    assert client.get(detail_url(world, kept)).status_code == 200
    can_work = role != "viewer"
    assert ('id="replay-selected"' in client.get(page_url(world)).content.decode()) is can_work


@pytest.mark.parametrize("action", ["replay", "map", "discard"])
def test_a_viewer_cannot_change_failures(world, action):
    variant = mug(world.store)
    kept = failure(world.store, external_id="LOCKED")
    client = world.client_for(world.viewer)

    response = client.post(action_url(world, kept, action), {"external_sku": "THEIR-MUG", "sku": variant.sku})

    assert response.status_code == 403
    assert client.post(reverse("intake_replay_many", args=[world.store.pk]), {"ids": [kept.pk]}).status_code == 403
    kept.refresh_from_db()
    assert kept.status == IntakeFailure.Status.DEAD and not SkuAlias.objects.exists()


def test_another_accounts_user_and_another_accounts_failure_get_404(world):
    mine = failure(world.store, external_id="MINE")
    theirs = failure(world.outlet, external_id="THEIRS")
    outsider = world.client_for(world.outsider)
    assert outsider.get(page_url(world)).status_code == 404
    assert outsider.get(detail_url(world, mine)).status_code == 404
    assert outsider.post(action_url(world, mine, "replay")).status_code == 404

    agent = world.client_for(world.agent)  # an agent of the store, asking for the outlet's failure by id
    assert agent.get(reverse("intake_failure", args=[world.store.pk, theirs.pk])).status_code == 404
    assert agent.post(reverse("intake_failure_action", args=[world.store.pk, theirs.pk, "discard"])).status_code == 404
    assert agent.get(reverse("intake_failure", args=[world.outlet.pk, theirs.pk])).status_code == 404
    response = agent.post(reverse("intake_replay_many", args=[world.store.pk]), {"ids": [theirs.pk]}, follow=True)
    assert "Nothing to replay" in response.content.decode()
    discard = agent.post(reverse("intake_discard_many", args=[world.store.pk]),
                         {"scope": "selected", "ids": [theirs.pk], "confirmed": "yes"}, follow=True)
    assert "Nothing to discard" in discard.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == IntakeFailure.Status.DEAD


def test_discard_selected_returns_to_the_filtered_list_it_came_from(world):
    kept = failure(world.store, external_id="GO")
    client = world.client_for(world.agent)

    response = client.post(reverse("intake_discard_many", args=[world.store.pk]),
                           {"scope": "selected", "ids": [kept.pk], "back": "source=api", "confirmed": "yes"})
    forged = client.post(reverse("intake_discard_many", args=[world.store.pk]),
                         {"ids": [kept.pk], "back": "a\nb", "confirmed": "yes"})

    assert response.status_code == 302 and response["Location"] == page_url(world) + "?source=api"
    assert forged["Location"] == page_url(world)
    kept.refresh_from_db()
    assert kept.status == IntakeFailure.Status.DISCARDED


def test_actions_need_csrf(world):
    from django.test import Client

    kept = failure(world.store, external_id="CSRF")
    client = Client(HTTP_HOST=f"{world.org.schema_name}.localhost", enforce_csrf_checks=True)
    client.force_login(world.agent)

    assert client.post(action_url(world, kept, "discard")).status_code == 403
    kept.refresh_from_db()
    assert kept.status == IntakeFailure.Status.DEAD
    assert Decimal(kept.value) == Decimal("9.50")
