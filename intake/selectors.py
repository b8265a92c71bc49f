"""Reads of the intake page: health per source, failures by impact, one failure. Each is a fixed number of
queries whatever the number of failures, channels or hours of stats."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from channels.models import Channel
from intake.adapters import normalize
from intake.models import IntakeFailure, ReplayRun, SkuAlias, Source, SourceStats, WebhookDelivery
from intake.normalized import PayloadUnreadable
from intake.services import RETRY_ATTEMPTS
from orders.models import ShippingMethod, Variant

PAGE_SIZE = 50
OPEN = [IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD]
# Impact: the most valuable first, then the most lines, oldest first among equals.
IMPACT_ORDER = ["-value", "-line_count", "created_at", "id"]
STATUS_FILTERS = {
    "open": OPEN,
    "retrying": [IntakeFailure.Status.RETRYING],
    "dead": [IntakeFailure.Status.DEAD],
    "replayed": [IntakeFailure.Status.REPLAYED],
    "discarded": [IntakeFailure.Status.DISCARDED],
    "all": None,
}


# Health ------------------------------------------------------------------------------------------------------


@dataclass
class SourceHealth:
    source: str
    label: str
    channel: Channel | None = None
    last_success_at: dt.datetime | None = None
    last_failure_at: dt.datetime | None = None
    accepted_24h: int = 0
    rejected_24h: int = 0
    retrying: int = 0
    dead: int = 0
    webhook_last_at: dt.datetime | None = None  # a channel's last webhook delivery
    webhook_waiting: int = 0  # its deliveries not drained yet

    @property
    def received_24h(self) -> int:
        return self.accepted_24h + self.rejected_24h

    @property
    def error_rate(self) -> float | None:
        """Rejected share of the last 24 hours, in percent; None without traffic."""
        return 100 * self.rejected_24h / self.received_24h if self.received_24h else None

    @property
    def backlog(self) -> int:
        return self.retrying + self.dead

    @property
    def key(self) -> tuple[str, int | None]:
        return self.source, self.channel.pk if self.channel else None


def _with_webhook_inbox(channels: QuerySet[Channel]) -> QuerySet[Channel]:
    """Each channel with its last webhook delivery (`webhook_last_at`) and the deliveries not drained yet
    (`webhook_waiting`), as subqueries on the inbox's indexes."""
    deliveries = WebhookDelivery.objects.filter(channel=OuterRef("pk")).order_by()
    return channels.annotate(
        webhook_last_at=Subquery(deliveries.order_by("-received_at").values("received_at")[:1]),
        webhook_waiting=Subquery(
            deliveries.filter(processed_at__isnull=True).values("channel").annotate(n=Count("id")).values("n")
        ),
    )


def sales_channels(*, account) -> list[Channel]:
    """The account's sales channels, with their webhook inboxes (`_with_webhook_inbox`)."""
    return list(_with_webhook_inbox(Channel.objects.filter(account=account, kind=Channel.Kind.SALES)).order_by("name", "pk"))


def intake_health(*, account, channels: list[Channel] | None = None, now: dt.datetime | None = None) -> list[SourceHealth]:
    """One row per source: every sales channel (with its webhook inbox), then the API, CSV import and manual
    form. Three queries (two when `channels` from `sales_channels` is given): stats grouped by source, failures
    grouped by source and status."""
    now = now or timezone.now()
    since = (now - dt.timedelta(hours=24)).replace(minute=0, second=0, microsecond=0)
    channels = sales_channels(account=account) if channels is None else channels
    rows = [SourceHealth(Source.CHANNEL, c.name, channel=c) for c in channels]
    rows += [SourceHealth(s, s.label) for s in (Source.API, Source.CSV, Source.MANUAL)]
    by_key = {row.key: row for row in rows}

    def row_for(source: str, channel_id: int | None) -> SourceHealth | None:
        if source == Source.CHANNEL and channel_id not in {c.pk for c in channels}:
            return None  # a deleted channel's history
        return by_key.get((source, channel_id if source == Source.CHANNEL else None))

    stats = (
        SourceStats.objects.filter(account=account)
        .values("source", "channel_id")
        .annotate(
            last_success=Max("last_success_at"), last_failure=Max("last_failure_at"),
            accepted=Sum("accepted", filter=Q(hour__gte=since)), rejected=Sum("rejected", filter=Q(hour__gte=since)),
        )
        .order_by()
    )
    for stat in stats:
        row = row_for(stat["source"], stat["channel_id"])
        if row is None:
            continue
        row.last_success_at = max(filter(None, [row.last_success_at, stat["last_success"]]), default=None)
        row.last_failure_at = max(filter(None, [row.last_failure_at, stat["last_failure"]]), default=None)
        row.accepted_24h += stat["accepted"] or 0
        row.rejected_24h += stat["rejected"] or 0
    backlog = (
        IntakeFailure.objects.filter(account=account, status__in=OPEN)
        .values("source", "channel_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in backlog:
        row = row_for(item["source"], item["channel_id"])
        if row is not None:
            setattr(row, item["status"], getattr(row, item["status"]) + item["n"])
    for row in rows:
        if row.channel is not None:
            row.webhook_last_at = getattr(row.channel, "webhook_last_at", None)
            row.webhook_waiting = getattr(row.channel, "webhook_waiting", None) or 0
    return rows


@dataclass
class WebhookState:
    last_at: dt.datetime | None
    waiting: int


def webhook_state_for_channel(*, channel: Channel) -> WebhookState:
    """The channel's last webhook delivery and its inbox backlog (one query)."""
    found = _with_webhook_inbox(Channel.objects.filter(pk=channel.pk)).values_list("webhook_last_at", "webhook_waiting")
    last, waiting = found.first() or (None, 0)
    return WebhookState(last_at=last, waiting=waiting or 0)


# Failures ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailureCursor:
    """A position in the impact order, carried in links as '<value>_<lines>_<microseconds>_<id>'."""

    value: Decimal
    line_count: int
    created_at: dt.datetime
    id: int

    @classmethod
    def of(cls, failure: IntakeFailure) -> "FailureCursor":
        return cls(failure.value, failure.line_count, failure.created_at, failure.pk)

    def encode(self) -> str:
        delta = self.created_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{self.value}_{self.line_count}_{micros}_{self.id}"

    @classmethod
    def decode(cls, token: str | None) -> "FailureCursor | None":
        """None for anything that is not a cursor (a hand-edited link shows the first page)."""
        try:
            value, lines, micros, pk = (token or "").split("_")
            created_at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(micros))
            cursor = cls(Decimal(value), int(lines), created_at, int(pk))
        except (ValueError, OverflowError, InvalidOperation):
            return None
        return cursor if cursor.value.is_finite() else None

    def after(self) -> Q:
        same_value = Q(value=self.value)
        same_lines = same_value & Q(line_count=self.line_count)
        return (
            Q(value__lt=self.value)
            | (same_value & Q(line_count__lt=self.line_count))
            | (same_lines & Q(created_at__gt=self.created_at))
            | (same_lines & Q(created_at=self.created_at, id__gt=self.id))
        )


@dataclass
class FailurePage:
    failures: list[IntakeFailure]
    next: FailureCursor | None  # None on the last page


def failures_for_account(
    *, account, source: str = "", channel_id: int | None = None, status: str = "open"
) -> QuerySet[IntakeFailure]:
    """The account's failures, filtered, in impact order, with their channel and order."""
    failures = IntakeFailure.objects.filter(account=account).select_related("channel", "order")
    statuses = STATUS_FILTERS.get(status, OPEN)
    if statuses is not None:
        failures = failures.filter(status__in=statuses)
    if source:
        failures = failures.filter(source=source)
    if channel_id is not None:
        failures = failures.filter(source=Source.CHANNEL, channel_id=channel_id)
    return failures.order_by(*IMPACT_ORDER)


def failure_page(
    *, account, source: str = "", channel_id: int | None = None, status: str = "open",
    after: FailureCursor | None = None, limit: int = PAGE_SIZE,
) -> FailurePage:
    failures = failures_for_account(account=account, source=source, channel_id=channel_id, status=status)
    if after is not None:
        failures = failures.filter(after.after())
    rows = list(failures[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return FailurePage(failures=rows, next=FailureCursor.of(rows[-1]) if more and rows else None)


def failures_open_by_ids(*, account, ids) -> list[IntakeFailure]:
    """The account's open failures among `ids` (anything else is ignored), in impact order."""
    clean = [int(i) for i in ids if str(i).isdecimal()]
    return list(
        IntakeFailure.objects.filter(account=account, pk__in=clean, status__in=OPEN)
        .select_related("account", "channel")
        .order_by(*IMPACT_ORDER)
    )


def failures_dead(*, account, source: str = "", channel: Channel | None = None) -> QuerySet[IntakeFailure]:
    """Dead-lettered failures waiting for an operator, in impact order (oldest first within equal impact)."""
    failures = IntakeFailure.objects.filter(account=account, status=IntakeFailure.Status.DEAD)
    if source:
        failures = failures.filter(source=source)
    if channel is not None:
        failures = failures.filter(channel=channel)
    return failures.select_related("account", "channel").order_by(*IMPACT_ORDER)


def failure_get_for_account(*, account, failure_id) -> IntakeFailure:
    """The failure if it belongs to `account`; the same 404 for 'missing' and 'another account's'."""
    try:
        return IntakeFailure.objects.select_related("account", "channel", "order", "resolved_by").get(
            account=account, pk=int(failure_id)
        )
    except (IntakeFailure.DoesNotExist, ValueError, TypeError):
        raise Http404("No such failure.") from None


UNKNOWN_SKU = re.compile(r"SKU “(.+?)”")
LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.sku$")


def failure_unknown_skus(failure: IntakeFailure) -> list[str]:
    """The SKUs its reasons say are unknown, as the payload gives them (the ones an operator can map)."""
    try:
        lines = normalize(failure.payload_format, failure.payload).lines
    except PayloadUnreadable:
        lines = []
    skus: list[str] = []
    for reason in failure.reasons or []:
        if reason.get("code") != "unknown_sku":
            continue
        match = LINE_FIELD.match(reason.get("field") or "")
        sku = ""
        if match and int(match.group(1)) < len(lines):
            sku = lines[int(match.group(1))].sku
        if not sku:
            found = UNKNOWN_SKU.search(reason.get("message") or "")
            sku = found.group(1) if found else ""
        if sku and sku not in skus:
            skus.append(sku)
    return skus


def _open_failures_naming(*, account, skus: list[str], channel) -> QuerySet[IntakeFailure]:
    """The account's open failures (only `channel`'s when one is given) with an unknown-SKU reason whose reasons
    mention one of `skus` (whatever its case): the database's narrowing, before `failure_unknown_skus` reads each."""
    mentions = Q()
    for sku in skus:
        mentions |= Q(reasons__icontains=json.dumps(sku, ensure_ascii=False)[1:-1])
    failures = IntakeFailure.objects.filter(
        mentions, account=account, status__in=OPEN, reasons__contains=[{"code": "unknown_sku"}]
    )
    return failures.filter(channel=channel) if channel is not None else failures


def failures_open_with_unknown_sku(*, account, sku: str, channel=None) -> list[IntakeFailure]:
    """The account's open failures whose reasons name `sku` (whatever its case) as unknown, in impact order; only
    `channel`'s when one is given (a SKU mapped for one channel helps only its orders). The database narrows to
    failures whose reasons mention the SKU; each is then read as `failure_unknown_skus` reads it."""
    sku = " ".join((sku or "").split())
    if not sku:
        return []
    wanted = sku.lower()
    failures = _open_failures_naming(account=account, skus=[sku], channel=channel)
    return [
        failure for failure in failures.select_related("account", "channel").order_by(*IMPACT_ORDER)
        if wanted in {s.lower() for s in failure_unknown_skus(failure)}
    ]


def failures_open_count_by_unknown_sku(*, account, skus: list[str], channel=None) -> dict[str, int]:
    """For each of `skus` (lower-cased), how many open failures name it as unknown, as
    `failures_open_with_unknown_sku` counts them, in one query whatever the number of SKUs."""
    wanted = {" ".join(s.split()).lower() for s in skus} - {""}
    counts = dict.fromkeys(wanted, 0)
    if not wanted:
        return counts
    failures = _open_failures_naming(account=account, skus=sorted(wanted), channel=channel)
    for failure in failures.only("id", "payload", "payload_format", "reasons"):
        for sku in {s.lower() for s in failure_unknown_skus(failure)} & wanted:
            counts[sku] += 1
    return counts


def skus_mapped(*, account, channel, skus: list[str]) -> set[str]:
    """Those of `skus` (lower-cased) that now have an alias for `channel`'s orders (its own or account-wide)."""
    if not skus:
        return set()
    scope = Q(channel__isnull=True) | (Q(channel=channel) if channel is not None else Q())
    return set(
        SkuAlias.objects.filter(scope, account=account)
        .annotate(lowered=Lower("external_sku")).filter(lowered__in={s.lower() for s in skus})
        .values_list("lowered", flat=True)
    )


def replay_run_get_for_account(*, account, run_id) -> ReplayRun:
    """The replay run if it belongs to `account`; the same 404 for 'missing' and 'another account's'."""
    try:
        return ReplayRun.objects.select_related("channel", "requested_by").get(account=account, pk=int(run_id))
    except (ReplayRun.DoesNotExist, ValueError, TypeError):
        raise Http404("No such replay.") from None


def failure_history(failure: IntakeFailure) -> list[tuple[dt.datetime | None, str]]:
    """What happened to it, oldest first, from what the failure row keeps."""
    origin = failure.channel.name if failure.channel else failure.get_source_display()
    history: list[tuple[dt.datetime | None, str]] = [(failure.created_at, f"Received from {origin} and rejected.")]
    tries = "attempt" if failure.attempts == 1 else "attempts"
    if failure.status == IntakeFailure.Status.RETRYING:
        history.append((failure.updated_at, f"{failure.attempts} {tries} so far; tried again automatically "
                                             f"(at most {RETRY_ATTEMPTS})."))
        history.append((failure.next_attempt_at, "Next attempt."))
    elif failure.status == IntakeFailure.Status.DEAD:
        history.append((failure.updated_at, f"Rejected after {failure.attempts} {tries}; waiting for an operator."))
    elif failure.status == IntakeFailure.Status.REPLAYED:
        who = f" by {failure.resolved_by.email}" if failure.resolved_by else ""
        number = failure.order.number if failure.order else "an order (since deleted)"
        history.append((failure.resolved_at, f"Accepted after {failure.attempts} {tries}{who}: became {number}."))
    elif failure.status == IntakeFailure.Status.DISCARDED:
        who = f" by {failure.resolved_by.email}" if failure.resolved_by else ""
        history.append((failure.resolved_at, f"Discarded{who} after {failure.attempts} {tries}."))
    return history


# Lookups for the forms -------------------------------------------------------------------------------------------


def variant_by_sku(*, account, sku: str) -> Variant | None:
    """One of the account's SKUs, as typed (case-insensitive)."""
    sku = sku.strip()
    if not sku:
        return None
    return Variant.objects.filter(account=account, sku__iexact=sku).select_related("product").first()


def manual_order_choices(*, account) -> dict[str, list[tuple[str, str]]]:
    """Shipping methods and warehouses the manual order form offers (two queries)."""
    from accounts.models import Warehouse

    methods = ShippingMethod.objects.filter(account=account, is_active=True).order_by("name")
    warehouses = Warehouse.objects.filter(account=account, is_active=True).order_by("code")
    return {
        "shipping_methods": [(m.code, f"{m.name} ({m.code})") for m in methods],
        "warehouses": [(w.code, f"{w.code} · {w.name}") for w in warehouses],
    }
