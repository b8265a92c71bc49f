"""Channel webhooks: a signed delivery is verified and kept in the inbox at once; workers drain the inbox.

- `webhook_receive`: the channel by its token, the HMAC-SHA256 of the raw body with the channel's webhook secret
  (base64, compared in constant time), then one INSERT ... ON CONFLICT (channel, webhook id) DO NOTHING: a
  redelivery adds nothing. After the insert commits, a drain is queued unless one is already queued
  (`webhook_drain_trigger`, one Redis SET NX).
- `webhook_inbox_drain`: claims up to WEBHOOK_DRAIN_BATCH waiting deliveries FOR UPDATE SKIP LOCKED, sends each
  channel's plain orders through `intake_submit_batch` and the rest through `intake_submit` one by one, and marks
  the rows done in the same transaction as their orders. A worker killed mid-drain rolls its batch back (rows and
  orders together), so the next drain takes them again; the external id of intake guards as well.
- The beat sweeper (`webhook_inbox_pending`) queues a drain where deliveries wait whose trigger was lost, and
  forgets drained deliveries older than WEBHOOK_KEEP_DAYS (`webhook_inbox_purge`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.tenancy.lookups import channel_for_webhook_token
from channels.models import Channel
from channels.secrets import SecretUnreadable, secret_decrypt
from intake.models import Source, WebhookDelivery
from intake.services.failures import payload_storable
from intake.services.orders import intake_submit_many
from oms.broker import broker_redis

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 20  # one task drains this long at most, then queues the next
TRIGGER_SECONDS = 30  # a queued drain that never started frees its slot after this long
MAX_WEBHOOK_ID = 255


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    code: str
    message: str


UNKNOWN = WebhookAnswer(404, "not_found", "No channel has this webhook address.")
UNSIGNED = WebhookAnswer(401, "invalid_signature", "The signature (X-Shopify-Hmac-Sha256) is missing or wrong.")


def webhook_signature(secret: str, body: bytes) -> str:
    """Shopify's signature of `body`: base64 of its HMAC-SHA256 with the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class _Hook:
    channel_id: int
    account_id: int
    secret: str  # "" when the channel has none (or it cannot be opened): every delivery is refused


def _hook(token: str) -> _Hook | None:
    channel = (
        Channel.objects.select_related("connection")
        .only("id", "account_id", "connection__id", "connection__webhook_secret_encrypted")
        .filter(webhook_token=token, is_active=True, kind=Channel.Kind.SALES, account__is_active=True)
        .first()
    )
    if channel is None:
        return None
    connection_row = getattr(channel, "connection", None)
    try:
        secret = secret_decrypt(connection_row.webhook_secret_encrypted) if connection_row is not None else ""
    except SecretUnreadable:
        secret = ""
    return _Hook(channel.pk, channel.account_id, secret)


def webhook_receive(
    *, token: str, body: bytes, signature: str, webhook_id: str, topic: str = "", version: bytes | None = None
) -> WebhookAnswer:
    """Verify and keep one delivery; writes nothing unless the signature is right. Never raises for bad input.
    `version`: the request's look-up cache version (accounts/tenancy/lookups.py), to take the channel from it."""
    if not token or len(token) > 64:
        return UNKNOWN
    hook = channel_for_webhook_token(connection.schema_name, token, version=version, load=_hook)
    if hook is None:
        return UNKNOWN
    secret = hook.secret
    given = (signature or "").strip().encode("utf-8", "replace")
    if not secret or not hmac.compare_digest(webhook_signature(secret, body).encode(), given):
        return UNSIGNED
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return WebhookAnswer(400, "unreadable_body", "The body is not UTF-8 text without NUL characters.")
    webhook_id = (webhook_id or "").strip() or f"sha256:{hashlib.sha256(body).hexdigest()}"
    if len(webhook_id) > MAX_WEBHOOK_ID or "\x00" in webhook_id:
        return WebhookAnswer(400, "invalid_webhook_id", f"The webhook id is longer than {MAX_WEBHOOK_ID} characters.")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WebhookDelivery._meta.db_table} (account_id, channel_id, webhook_id, topic, body, "
            "received_at, outcome) VALUES (%s, %s, %s, %s, %s, now(), '') "
            "ON CONFLICT (channel_id, webhook_id) DO NOTHING RETURNING id",
            [hook.account_id, hook.channel_id, webhook_id, (topic or "")[:100].replace("\x00", ""), text],
        )
        inserted = cursor.fetchone() is not None
    if not inserted:
        return WebhookAnswer(200, "duplicate", "This delivery was received before; nothing was added.")
    transaction.on_commit(webhook_drain_trigger)
    return WebhookAnswer(200, "received", "Received.")


# Draining ------------------------------------------------------------------------------------------------------


_redis = broker_redis  # the drain trigger lives next to the queue


def _trigger_key(schema: str) -> str:
    return f"oms:webhook-drain:{schema}"


def webhook_drain_trigger() -> None:
    """Queue a drain of this organization's inbox unless one is queued and not started yet. Never raises: a
    delivery whose drain could not be queued waits for the beat sweeper."""
    from intake.tasks import webhook_inbox_drain_task

    schema = connection.schema_name
    try:
        if _redis().set(_trigger_key(schema), "1", nx=True, ex=TRIGGER_SECONDS):
            webhook_inbox_drain_task.apply_async(headers={"_schema_name": schema})
    except Exception:
        logger.warning("Could not queue a webhook drain for %s; the sweeper will.", schema, exc_info=True)


def _payload(body: str):
    try:
        return json.loads(body)
    except ValueError:
        return body  # kept as text: intake refuses it as unreadable and keeps it with the reason


def _drain_channel(channel: Channel, rows: list[WebhookDelivery]) -> None:
    """Intake for one channel's claimed rows, inside the caller's transaction; fills each row's outcome."""
    payloads = [payload_storable(_payload(row.body)) for row in rows]
    results = intake_submit_many(
        account=channel.account, payloads=payloads, source=Source.CHANNEL, channel=channel, keep_faults=True
    )
    for row, result in zip(rows, results):
        if result.order is not None:
            row.outcome, row.order = WebhookDelivery.Outcome.CREATED, result.order
        elif result.duplicate_of is not None:
            row.outcome, row.order = WebhookDelivery.Outcome.DUPLICATE, result.duplicate_of
        else:
            row.outcome, row.failure = WebhookDelivery.Outcome.REJECTED, result.failure


def webhook_inbox_drain(*, limit: int | None = None) -> int:
    """Take one batch of waiting deliveries of this organization through intake; returns how many."""
    limit = limit or settings.WEBHOOK_DRAIN_BATCH
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True)
            .order_by("id")[:limit]
        )
        if not rows:
            return 0
        channels = {
            c.pk: c for c in Channel.objects.select_related("account").filter(pk__in={r.channel_id for r in rows})
        }
        by_channel: dict[int, list[WebhookDelivery]] = {}
        for row in rows:
            by_channel.setdefault(row.channel_id, []).append(row)
        for channel_id, chunk in by_channel.items():
            _drain_channel(channels[channel_id], chunk)
        _mark_done(rows)
    return len(rows)


def _mark_done(rows: list[WebhookDelivery]) -> None:
    """Every row's outcome in one UPDATE ... FROM unnest (Django's bulk_update builds a CASE per row and field,
    which took a third of a drain's time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {WebhookDelivery._meta.db_table} AS d SET processed_at = %s, outcome = r.outcome, "
            "order_id = r.order_id, failure_id = r.failure_id "
            "FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::bigint[]) AS r(id, outcome, order_id, failure_id) "
            "WHERE d.id = r.id",
            [timezone.now(), [r.pk for r in rows], [r.outcome for r in rows], [r.order_id for r in rows],
             [r.failure_id for r in rows]],
        )


def webhook_inbox_drain_all(*, seconds: float = DRAIN_SECONDS) -> int:
    """Drain this organization's inbox batch after batch for up to `seconds`; queue another drain if some are
    left. Returns the deliveries drained."""
    try:
        _redis().delete(_trigger_key(connection.schema_name))  # deliveries from now on queue another drain
    except Exception:
        logger.warning("Could not clear the webhook drain trigger", exc_info=True)
    drained, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        taken = webhook_inbox_drain()
        drained += taken
        if not taken:
            return drained
    webhook_drain_trigger()
    return drained


def webhook_inbox_pending() -> bool:
    """Whether deliveries wait in this organization's inbox (the beat sweeper asks before queueing)."""
    return WebhookDelivery.objects.filter(processed_at__isnull=True).exists()


PURGE_BATCH = 10_000


def webhook_inbox_purge(*, now=None) -> int:
    """Forget drained deliveries older than WEBHOOK_KEEP_DAYS (their orders and failures stay); a redelivery of one
    after that would be taken again and found a duplicate by its order's external id. At most PURGE_BATCH a call."""
    import datetime as dt

    before = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    old = WebhookDelivery.objects.filter(processed_at__lt=before).order_by().values("id")[:PURGE_BATCH]
    deleted, _ = WebhookDelivery.objects.filter(id__in=old).delete()
    return deleted


def webhook_sweep_enqueue_all() -> dict[str, int]:
    """The beat tick, in the public schema: queue a drain in every organization whose inbox has deliveries
    waiting. Returns {schema: 1} for the organizations queued."""
    from accounts.tenancy.fanout import for_each_organization

    def enqueue(_) -> int:
        webhook_inbox_purge()
        if webhook_inbox_pending():
            webhook_drain_trigger()
            return 1
        return 0

    report = for_each_organization(enqueue, label="Webhook inbox sweep")
    return {schema: queued for schema, queued in report.results.items() if queued}
