"""Real-time inventory push: outbox rows (written with the ledger entry) -> coalesced push tasks -> channel.

* After commit, `inventory_push_enqueue` queues one `inventory_push_task(channel, variant)` per pair, unless
  one is already waiting for that pair (a Redis key, SET NX with a short TTL), and no sooner than
  INVENTORY_PUSH_MIN_INTERVAL_SECONDS (0.75) after the pair's last push: a burst of changes to one SKU leads to
  at most ~1.3 pushes a second, and a change reaches the channel within about that interval plus the send.
* The task clears that key, notes the pair's pending outbox rows, reads the CURRENT available quantity (summed
  over the channel's mapped warehouses), sends it, and marks the rows it noted delivered. A change committed
  after the note keeps its row pending and queues its own push, so the channel never ends on a stale value.
* Losing the message is harmless: if Redis or the worker is down at commit time, or the worker dies mid-push
  (late acknowledgement), the outbox row stays pending and the beat-driven sweeper re-queues it.
* A failed send is retried with backoff and jitter (INVENTORY_PUSH_MAX_RETRIES) and counts on the channel's
  push circuit (inventory/circuit.py): once that opens, the changes wait for the channel to answer again and
  are then sent by its recovery. A failure never makes a dead letter; only a SKU the channel refuses does, and
  the sweeper sends that again after INVENTORY_DEAD_LETTER_RETRY_SECONDS.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from channels.connectors import ConnectorError, connector_push_inventory
from channels.models import Channel
from inventory.models import InventoryPush, PushCircuit
from inventory.selectors import stock_available_for_channel
from oms.broker import broker_redis
from oms.text import count_of

log = logging.getLogger(__name__)

_redis = broker_redis  # the dedupe keys live next to the queue


def _key(schema: str, channel_id: int, variant_id: int) -> str:
    return f"oms:invpush:{schema}:{channel_id}:{variant_id}"


def inventory_push_enqueue(*, schema: str, pairs, force: bool = False) -> int:
    """Queue a push per (channel id, variant id) unless one is already waiting. Never raises: a pair that
    could not be queued stays pending in the outbox for the sweeper."""
    from inventory.tasks import inventory_push_task

    queued = 0
    try:
        client = _redis()
        coalesce = settings.INVENTORY_PUSH_COALESCE_SECONDS
        ttl_ms = int(max(coalesce, 0.05) * 1000) + 5000  # a lost task frees the slot after a few seconds
        now = time.time()
        for channel_id, variant_id in pairs:
            key = _key(schema, channel_id, variant_id)
            if not force and not client.set(key, "1", nx=True, px=ttl_ms):
                continue
            last_sent = float(client.get(key + ":sent") or 0)
            countdown = max(coalesce, last_sent + settings.INVENTORY_PUSH_MIN_INTERVAL_SECONDS - now)
            inventory_push_task.apply_async(
                args=[channel_id, variant_id], countdown=countdown, headers={"_schema_name": schema}
            )
            queued += 1
    except Exception:
        log.warning("Could not queue inventory pushes for %s; the sweeper will.", schema, exc_info=True)
    return queued


def _circuit_of(channel: Channel) -> PushCircuit | None:
    try:
        return channel.push_circuit
    except PushCircuit.DoesNotExist:
        return None


def _send_items(channel: Channel, items: list[dict]) -> list[tuple[dict, str]]:
    """Send the items; where the channel refuses the request, halve it until the refused SKUs are found.
    Returns the refused (item, error) pairs. Raises ConnectorError when the channel itself fails."""
    try:
        connector_push_inventory(channel, items)
        return []
    except ConnectorError as exc:
        if not exc.refused:
            raise
        if len(items) <= 1:
            return [(item, exc.message) for item in items]
    half = len(items) // 2
    return _send_items(channel, items[:half]) + _send_items(channel, items[half:])


def inventory_push_deliver(*, channel: Channel, variant_ids: list[int]) -> dict[int, int]:
    """Send the current level of these variants to `channel` in one request (split only around refused SKUs).
    Marks the outbox rows noted before reading the levels delivered, dead-letters the refused SKUs' rows and
    returns {variant id: quantity sent}. Raises ConnectorError when the channel itself fails (rows stay pending)."""
    from orders.models import Variant

    rows = list(
        InventoryPush.objects.filter(
            channel_id=channel.pk, variant_id__in=list(variant_ids), status=InventoryPush.Status.PENDING
        ).values_list("id", "variant_id")
    )
    if not rows:
        return {}
    variant_ids = sorted({variant_id for _, variant_id in rows})
    skus = dict(Variant.objects.filter(pk__in=variant_ids).values_list("id", "sku"))
    quantities = stock_available_for_channel(channel=channel, variant_ids=variant_ids)
    items = [{"sku": skus[v], "quantity": quantities[v]} for v in variant_ids]
    try:
        refused = _send_items(channel, items)
    except ConnectorError as exc:
        InventoryPush.objects.filter(id__in=[i for i, _ in rows], status=InventoryPush.Status.PENDING).update(
            last_error=exc.message[:2000]
        )
        raise
    refused_skus = {item["sku"]: error for item, error in refused}
    sent = {v: quantities[v] for v in variant_ids if skus[v] not in refused_skus}
    now = timezone.now()
    again = settings.INVENTORY_DEAD_LETTER_RETRY_SECONDS
    with transaction.atomic():
        dead = {v: refused_skus[skus[v]][:2000] for v in variant_ids if skus[v] in refused_skus}
        if dead:  # one statement, each SKU with its own error
            InventoryPush.objects.filter(
                id__in=[i for i, v in rows if v in dead], status=InventoryPush.Status.PENDING
            ).update(
                status=InventoryPush.Status.DEAD,
                last_error=Case(*(When(variant_id=v, then=Value(error)) for v, error in dead.items())),
                next_attempt_at=now + timedelta(seconds=again) if again > 0 else None,
            )
        if sent:
            quantity = Case(*(When(variant_id=v, then=Value(q)) for v, q in sent.items()))
            InventoryPush.objects.filter(
                id__in=[i for i, v in rows if v in sent], status=InventoryPush.Status.PENDING
            ).update(status=InventoryPush.Status.DELIVERED, delivered_at=now, sent_quantity=quantity, last_error="")
            # The value now on the channel settles older failures of these SKUs.
            InventoryPush.objects.filter(
                channel_id=channel.pk, variant_id__in=list(sent), status=InventoryPush.Status.DEAD
            ).update(
                status=InventoryPush.Status.DELIVERED, delivered_at=now, sent_quantity=quantity, next_attempt_at=None
            )
    return sent


def inventory_push_send(*, channel_id: int, variant_id: int) -> int | None:
    """Send the current available quantity of one variant to one channel; mark the outbox rows it covers
    delivered. Returns the quantity sent (None if nothing was sent: nothing pending, the channel's circuit is
    open, or the channel refused the SKU). Raises ConnectorError when the channel itself fails."""
    key = _key(connection.schema_name, channel_id, variant_id)
    try:
        client = _redis()
        client.delete(key)
        client.set(key + ":sent", str(time.time()), ex=60)
    except Exception:
        log.debug("Could not clear the push key %s", key, exc_info=True)
    channel = Channel.objects.select_related("connection", "push_circuit").filter(pk=channel_id).first()
    if channel is None:
        return None  # deleted meanwhile, with its outbox rows
    circuit = _circuit_of(channel)
    if circuit is not None and circuit.state != PushCircuit.State.CLOSED:
        return None  # the change waits for the channel to answer again (push_circuit_probe)
    sent = inventory_push_deliver(channel=channel, variant_ids=[variant_id])
    if sent and circuit is not None and circuit.failures:
        PushCircuit.objects.filter(pk=circuit.pk, state=PushCircuit.State.CLOSED).update(failures=0)
    return sent.get(variant_id)


def inventory_push_probe_enqueue(*, schema: str, channel_id: int, countdown: float) -> None:
    """Queue a probe; never raises (the sweeper queues one when it is due anyway)."""
    from inventory.tasks import inventory_push_probe_task

    try:
        inventory_push_probe_task.apply_async(
            args=[channel_id], countdown=countdown, headers={"_schema_name": schema}
        )
    except Exception:
        log.warning("Could not queue a probe of channel %s; the sweeper will.", channel_id, exc_info=True)


def inventory_push_retry(*, account, push_id: int) -> InventoryPush:
    """The Retry button: the dead letter's pair becomes pending again and is pushed now."""
    from django.http import Http404

    push = InventoryPush.objects.filter(account=account, pk=push_id, status=InventoryPush.Status.DEAD).first()
    if push is None:
        raise Http404("No such failed push.")
    with transaction.atomic():
        InventoryPush.objects.filter(
            channel_id=push.channel_id, variant_id=push.variant_id, status=InventoryPush.Status.DEAD
        ).update(status=InventoryPush.Status.PENDING, attempts=0, next_attempt_at=None)
        schema = connection.schema_name
        pair = [(push.channel_id, push.variant_id)]
        transaction.on_commit(lambda: inventory_push_enqueue(schema=schema, pairs=pair, force=True))
    return push


def inventory_push_sweep() -> int:
    """In the active organization: re-queue pairs with outbox rows still pending after INVENTORY_SWEEP_AGE_SECONDS and
    dead letters due for another try (on channels whose circuit is closed), and queue a probe of every open
    circuit whose next attempt is due. Returns how many pushes and probes it queued."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.INVENTORY_SWEEP_AGE_SECONDS)
    waiting = [PushCircuit.State.OPEN, PushCircuit.State.HALF_OPEN]
    pairs = list(
        InventoryPush.objects.filter(status=InventoryPush.Status.PENDING, created_at__lte=cutoff)
        .exclude(channel__push_circuit__state__in=waiting)
        .values_list("channel_id", "variant_id")
        .distinct()
    )
    with transaction.atomic():  # dead letters due for another try (a refused SKU may be listed by now)
        due_dead = InventoryPush.objects.filter(status=InventoryPush.Status.DEAD, next_attempt_at__lte=now).exclude(
            channel__push_circuit__state__in=waiting
        )
        again = set(due_dead.values_list("channel_id", "variant_id").distinct())
        due_dead.update(status=InventoryPush.Status.PENDING, attempts=F("attempts") + 1, next_attempt_at=None)
    pairs = sorted(set(pairs) | again)
    schema = connection.schema_name
    if pairs:
        inventory_push_enqueue(schema=schema, pairs=pairs, force=True)
    due = list(
        PushCircuit.objects.filter(state__in=waiting, next_attempt_at__lte=now).values_list("channel_id", flat=True)
    )
    for channel_id in due:
        inventory_push_probe_enqueue(schema=schema, channel_id=channel_id, countdown=0)
    InventoryPush.objects.filter(  # delivered rows are kept a day, for looking into a complaint
        status=InventoryPush.Status.DELIVERED, created_at__lt=now - timedelta(days=1)
    ).delete()
    if pairs or due:  # one line for the lot; each push's own lines are DEBUG (oms/logs.py)
        log.info(
            "Inventory push sweep in %s: re-queued %s on %s, %s.", schema, count_of(len(pairs), "SKU push", "SKU pushes"),
            count_of(len({channel_id for channel_id, _ in pairs}), "channel"), count_of(len(due), "probe"),
        )
    for channel_id, variant_id in pairs:
        log.debug("Inventory push sweep in %s: re-queued channel %s, variant %s.", schema, channel_id, variant_id)
    return len(pairs) + len(due)
