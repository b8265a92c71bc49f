"""Clone quality on the metrics page: creation time (average and 90th percentile), data accuracy (cancelled,
corrected or edited within 7 days is inaccurate, with the reason listed), suggestions offered and taken, per
purpose and per agent, over a chosen period."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from orders.models import CloneRecord, OrderEvent
from orders.quality import clone_quality
from orders.services.actions import order_edit_address
from orders.services.clone import order_clone
from orders.services.create import order_transition


def clone(shop, by, **kwargs):
    return order_clone(source=shop.order, by=by, **kwargs)[0]


def period(shop):
    now = timezone.now()
    return {"start": now - dt.timedelta(days=30), "end": now + dt.timedelta(minutes=1)}


def test_a_cancelled_a_corrected_and_an_edited_clone_are_inaccurate(shop, world):
    cancelled, corrected, edited, fine = (clone(shop, world.agent) for _ in range(4))
    order_transition(order=cancelled, to="cancelled", by=world.agent)
    correction = order_clone(source=corrected, by=world.supervisor, purpose="correction")[0]
    order_edit_address(order=edited, by=world.agent, address={"city": "Springfield"})
    quality = clone_quality(account=shop.account, **period(shop))
    assert (quality.overall.clones, quality.overall.accurate) == (5, 2)
    assert quality.overall.accuracy == 40.0
    reasons = {i.record.order.number: i.reasons for i in quality.inaccurate}
    assert set(reasons) == {cancelled.number, corrected.number, edited.number}
    assert reasons[corrected.number] == [f"corrected by {correction.number}"]
    assert reasons[edited.number] == ["edited: shipping address changed"]
    assert reasons[cancelled.number][0].startswith("cancelled on ")
    by_agent = {r.label: (r.clones, r.accurate) for r in quality.by_agent}
    assert by_agent == {world.agent.email: (4, 1), world.supervisor.email: (1, 1)}
    by_purpose = {r.label: (r.clones, r.accurate) for r in quality.by_purpose}
    assert by_purpose == {"Re-order": (4, 1), "Correction": (1, 1)}


def test_what_happens_after_seven_days_does_not_count(shop, world):
    late = clone(shop, world.agent)
    event = order_transition(order=late, to="cancelled", by=world.agent)
    OrderEvent.objects.filter(order=event, kind="status").update(created_at=timezone.now() + dt.timedelta(days=8))
    quality = clone_quality(account=shop.account, start=timezone.now() - dt.timedelta(days=1),
                            end=timezone.now() + dt.timedelta(days=9))
    assert (quality.overall.clones, quality.overall.accurate, quality.inaccurate) == (1, 1, [])


def test_creation_time_average_and_90th_percentile_per_purpose(shop, world):
    for seconds in (10, 20, 30, 40):
        made = clone(shop, world.agent)
        CloneRecord.objects.filter(order=made).update(seconds=seconds)
    clone(shop, world.agent, purpose="simulation")  # from the command: not timed
    quality = clone_quality(account=shop.account, **period(shop))
    reorder = next(r for r in quality.by_purpose if r.label == "Re-order")
    assert (reorder.average, reorder.p90, reorder.timed) == (25.0, 37.0, 4)
    assert next(r for r in quality.by_purpose if r.label == "Simulation").average is None
    assert quality.overall.meets_time and quality.overall.timed == 4


def test_clones_outside_the_period_are_left_out(shop, world):
    old = clone(shop, world.agent)
    CloneRecord.objects.filter(order=old).update(created_at=timezone.now() - dt.timedelta(days=60))
    clone(shop, world.agent)
    assert clone_quality(account=shop.account, **period(shop)).overall.clones == 1


def test_suggestions_offered_and_taken_are_counted(shop, world):
    clone(shop, world.agent, suggestions={"offered": ["address", "quantities"], "taken": ["quantities"]})
    clone(shop, world.agent, suggestions={"offered": ["address"], "taken": []})
    rows = {s.kind: (s.offered, s.taken) for s in clone_quality(account=shop.account, **period(shop)).suggestions}
    assert rows["address"] == (2, 0) and rows["quantities"] == (1, 1) and rows["promotion"] == (0, 0)


def test_the_page_shows_the_definitions_the_figures_and_the_inaccurate_clones(shop, world, django_assert_max_num_queries):
    made = clone(shop, world.agent)
    order_transition(order=made, to="cancelled", by=world.agent)
    clone(shop, world.agent)
    client = world.client_for(world.supervisor)
    url = reverse("clone_metrics", args=[shop.account.pk])
    client.get(url)
    with django_assert_max_num_queries(18):
        html = client.get(url).content.decode()
    assert "not cancelled, not corrected by a later correction clone, and not edited" in html
    assert 'id="quality-accuracy">50.0 %' in html and made.number in html and "cancelled on" in html
    today = shop.account.today()
    other = client.get(url, {"created_from": f"{today - dt.timedelta(days=3)}", "created_to": f"{today - dt.timedelta(days=1)}"})
    assert 'id="quality-clones">0<' in other.content.decode()
    bad = client.get(url, {"created_from": "2026-13-01", "created_to": "x"})
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()
    backwards = client.get(url, {"created_from": f"{today}", "created_to": f"{today - dt.timedelta(days=1)}"})
    assert "The period ends before it starts" in backwards.content.decode()
