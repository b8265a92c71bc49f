"""Clone quality over a period: creation time, data accuracy and suggestions taken, per purpose and per agent.

Definitions (the metrics page shows them too):
- creation time: from opening the clone form to the order being created (clones made on the page only; the
  command and the API have no form);
- accurate: within ACCURACY_DAYS of its creation the clone was not cancelled, not corrected by a later correction
  clone (a correction whose source is the clone) and not edited in the fields the clone set (an order event of
  a kind in EDIT_EVENT_KINDS). A clone younger than ACCURACY_DAYS counts as accurate so far;
- suggestions: how many clones were offered each kind of suggestion, and how many took it.
Three queries whatever the number of clones (four with the agents' emails).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from orders.models import ORDER_EDIT_KINDS, CloneRecord, Order
from orders.suggestions import KINDS

ACCURACY_DAYS = 7
TARGET_SECONDS = 30
TARGET_ACCURACY = 98.5
INACCURATE_LIMIT = 100
# Order events that edit what a clone set (the order page's edit actions). One place, so names can be aligned.
EDIT_EVENT_KINDS = tuple(ORDER_EDIT_KINDS)

_FLAGS = """
WITH r AS (
    SELECT r.id, r.purpose, r.agent_id, r.seconds, r.created_at, r.order_id,
           (SELECT min(e.created_at) FROM orders_orderevent AS e
             WHERE e.order_id = r.order_id AND e.kind = 'status' AND e.data -> 'status' ->> 1 = 'cancelled'
               AND e.created_at <= r.created_at + %(window)s) AS cancelled_at,
           (SELECT min(c.number) FROM orders_order AS c
             WHERE c.cloned_from_id = r.order_id AND c.clone_purpose = 'correction'
               AND c.created_at <= r.created_at + %(window)s) AS corrected_by,
           (SELECT array_agg(DISTINCT e.kind ORDER BY e.kind) FROM orders_orderevent AS e
             WHERE e.order_id = r.order_id AND e.kind = ANY(%(edit_kinds)s)
               AND e.created_at <= r.created_at + %(window)s) AS edits
    FROM orders_clonerecord AS r
    WHERE r.account_id = %(account)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
)
"""

_GROUPS = _FLAGS + """
SELECT GROUPING(purpose) AS by_purpose, GROUPING(agent_id) AS by_agent, purpose, agent_id,
       count(*) AS clones,
       avg(seconds) AS average,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90,
       count(seconds) AS timed,
       count(*) FILTER (WHERE cancelled_at IS NULL AND corrected_by IS NULL AND edits IS NULL) AS accurate,
       count(*) FILTER (WHERE created_at > %(now)s - %(window)s) AS recent
FROM r
GROUP BY GROUPING SETS ((), (purpose), (agent_id))
"""

_INACCURATE = _FLAGS + """
SELECT id, cancelled_at, corrected_by, edits FROM r
WHERE cancelled_at IS NOT NULL OR corrected_by IS NOT NULL OR edits IS NOT NULL
ORDER BY created_at DESC, id DESC
LIMIT %(limit)s
"""

_SUGGESTIONS = """
SELECT s.which, s.kind, count(*)
FROM orders_clonerecord AS r
CROSS JOIN LATERAL (
    SELECT 'offered' AS which, x AS kind FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(r.suggestions -> 'offered') = 'array' THEN r.suggestions -> 'offered' ELSE '[]' END) AS x
    UNION ALL
    SELECT 'taken', x FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(r.suggestions -> 'taken') = 'array' THEN r.suggestions -> 'taken' ELSE '[]' END) AS x
) AS s
WHERE r.account_id = %(account)s AND r.created_at >= %(start)s AND r.created_at < %(end)s
GROUP BY s.which, s.kind
"""


@dataclass
class QualityRow:
    label: str
    clones: int
    average: float | None
    p90: float | None
    timed: int
    accurate: int
    recent: int

    @property
    def accuracy(self) -> float | None:
        return self.accurate / self.clones * 100 if self.clones else None

    @property
    def meets_time(self) -> bool:
        return self.average is not None and self.average < TARGET_SECONDS

    @property
    def meets_accuracy(self) -> bool:
        return self.accuracy is not None and self.accuracy >= TARGET_ACCURACY


@dataclass
class Inaccurate:
    record: CloneRecord
    reasons: list[str]


@dataclass
class SuggestionRow:
    kind: str
    label: str
    offered: int
    taken: int

    @property
    def share(self) -> float | None:
        return self.taken / self.offered * 100 if self.offered else None


@dataclass
class CloneQuality:
    start: dt.datetime
    end: dt.datetime
    overall: QualityRow
    by_purpose: list[QualityRow]
    by_agent: list[QualityRow]
    inaccurate: list[Inaccurate] = field(default_factory=list)
    suggestions: list[SuggestionRow] = field(default_factory=list)


def _row(label: str, values) -> QualityRow:
    clones, average, p90, timed, accurate, recent = values
    return QualityRow(label=label, clones=clones, average=float(average) if average is not None else None,
                      p90=float(p90) if p90 is not None else None, timed=timed, accurate=accurate, recent=recent)


def clone_quality(*, account, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> CloneQuality:
    """The account's clones made in [start, end): times, accuracy, the inaccurate ones and suggestions taken."""
    params = {"account": account.pk, "start": start, "end": end, "window": dt.timedelta(days=ACCURACY_DAYS),
              "edit_kinds": list(EDIT_EVENT_KINDS), "now": now or timezone.now(), "limit": INACCURATE_LIMIT}
    with connection.cursor() as cursor:
        cursor.execute(_GROUPS, params)
        groups = cursor.fetchall()
        cursor.execute(_INACCURATE, params)
        flagged = cursor.fetchall()
        cursor.execute(_SUGGESTIONS, params)
        offered_taken = cursor.fetchall()
    overall = _row("All clones", (0, None, None, 0, 0, 0))
    by_purpose, agents = [], []
    purposes = dict(Order.ClonePurpose.choices)
    for by_purpose_flag, by_agent_flag, purpose, agent_id, *values in groups:
        if by_purpose_flag and by_agent_flag:
            overall = _row("All clones", values)
        elif not by_purpose_flag:
            by_purpose.append(_row(purposes.get(purpose, purpose), values))
        else:
            agents.append((agent_id, values))
    emails = dict(get_user_model().objects.filter(pk__in=[a for a, _ in agents if a]).values_list("pk", "email")) \
        if agents else {}
    by_agent = sorted((_row(emails.get(a, "No agent (command or API)"), v) for a, v in agents), key=lambda r: r.label)
    by_purpose.sort(key=lambda r: r.label)

    records = {}
    if flagged:
        records = CloneRecord.objects.select_related("order", "source", "agent").in_bulk([row[0] for row in flagged])
    inaccurate = []
    for record_id, cancelled_at, corrected_by, edits in flagged:
        reasons = []
        if cancelled_at is not None:
            reasons.append(f"cancelled on {timezone.localtime(cancelled_at):%Y-%m-%d %H:%M}")
        if corrected_by:
            reasons.append(f"corrected by {corrected_by}")
        if edits:
            reasons.append("edited: " + ", ".join(ORDER_EDIT_KINDS.get(kind, kind) for kind in edits))
        inaccurate.append(Inaccurate(record=records[record_id], reasons=reasons))

    counts: dict[str, dict[str, int]] = {}
    for which, kind, count in offered_taken:
        counts.setdefault(kind, {})[which] = count
    suggestions = [
        SuggestionRow(kind=kind, label=label, offered=counts.get(kind, {}).get("offered", 0),
                      taken=counts.get(kind, {}).get("taken", 0))
        for kind, label in KINDS.items()
    ]
    return CloneQuality(start=start, end=end, overall=overall, by_purpose=by_purpose, by_agent=by_agent,
                        inaccurate=inaccurate, suggestions=suggestions)
