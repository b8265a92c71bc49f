"""The failures list is paged in the database: keyset pages over the impact order (value, lines, oldest first,
id) reach every open failure exactly once, in order, however many share a value, a line count or a time, at a
fixed number of queries per page."""

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from intake import selectors
from intake.models import IntakeFailure
from tests.factories import IntakeFailureFactory


def _many_ties(account, count: int = 40) -> list[IntakeFailure]:
    """Open failures with few distinct values, line counts and times (ties on every column but the id), and
    some closed ones that must not be listed."""
    now = timezone.now().replace(microsecond=0)
    made = [
        IntakeFailureFactory(
            account=account, value=Decimal(f"{(n * 7) % 3 * 10}.00"), line_count=1 + n % 2,
            created_at=now - dt.timedelta(seconds=(n * 5) % 3), status="retrying" if n % 4 == 0 else "dead",
        )
        for n in range(count)
    ]
    for n in range(6):
        IntakeFailureFactory(account=account, value=Decimal("999.00"), status="replayed" if n % 2 else "discarded")
    return made


def _impact_order(failures):
    return sorted(failures, key=lambda f: (-f.value, -f.line_count, f.created_at, f.pk))


def test_keyset_pages_reach_every_open_failure_once_in_impact_order(world, django_assert_num_queries):
    made = _many_ties(world.store)
    IntakeFailureFactory(account=world.outlet, value=Decimal("500.00"))  # another account's: never listed
    seen, after, pages = [], None, 0
    while True:
        with django_assert_num_queries(1):
            page = selectors.failure_page(account=world.store, after=after, limit=7)
        seen += page.failures
        pages += 1
        if page.next is None:
            break
        after = selectors.FailureCursor.decode(page.next.encode())  # as the link carries it
    assert [f.pk for f in seen] == [f.pk for f in _impact_order(made)]
    assert len({f.pk for f in seen}) == len(made) == 40 and pages == 6


def test_the_page_walks_the_list_through_its_links_at_a_fixed_number_of_queries(
    world, monkeypatch, django_assert_max_num_queries
):
    made = _many_ties(world.store, count=12)
    monkeypatch.setattr("intake.selectors.PAGE_SIZE", 5)
    client = world.client_for(world.agent)
    url = reverse("intake_page", args=[world.store.pk])
    client.get(url)  # session and caches warm
    seen, counts = [], []
    while url:
        with django_assert_max_num_queries(16) as captured:
            html = client.get(url).content.decode()
        counts.append(len(captured))
        seen += re.findall(r'<tr id="failure-(\d+)"', html)
        following = re.search(r'href="([^"]*after=[^"]*)" hx-get', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert seen == [str(f.pk) for f in _impact_order(made)]
    assert len(counts) == 3 and len(set(counts)) == 1, counts


def test_open_failures_are_read_through_the_impact_index(world):
    from django.db import connection

    _many_ties(world.store)
    query, params = selectors.failures_for_account(account=world.store)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the planner show the index it can use
        cursor.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "intake_failure_open_impact" in plan and "Sort" not in plan, plan
