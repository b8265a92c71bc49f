"""Real-time inventory push: outbox rows (written with the ledger entry) -> coalesced push tasks -> channel.

* After commit, `inventory_push_enqueue` queues one `inventory_push_task(channel, variant)` per pair, unless
  one is already waiting for that pair (a Redis key, SET NX with a short TTL), and no sooner than
  INVENTORY_PUSH_MIN_INTERVAL_SECONDS (0.75) after the pair's last push: a burst of changes to one SKU leads to
  at most ~1.3 pushes a second, and a change reaches the channel within about that interval plus the send.
* The task clears that key, notes the newest pending outbox row of the pair, reads the CURRENT available
  quantity (summed over the channel's mapped warehouses), sends it, and marks every pending row up to the
  noted one delivered. A change committed after the read queues its own push, so the channel never ends on a
  stale value; the last value wins.
* Losing the message is harmless: if Redis or the worker is down at commit time, or the worker dies mid-push
  (late acknowledgement), the outbox row stays pending and the beat-driven sweeper re-queues it.
* Failures retry with exponential backoff and jitter; after the last retry the pending rows become dead
  letters (shown on the inventory page with a Retry button).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from channels.connectors import ConnectorError, connector_push_inventory
from channels.models import Channel
from inventory.models import InventoryPush
from inventory.selectors import stock_available_for_channel
from oms.env import env_int, env_str

log = logging.getLogger(__name__)

COALESCE_SECONDS = float(env_str("INVENTORY_PUSH_COALESCE_SECONDS", "0.2"))
# At most one push per (channel, SKU) in this many seconds: a hot SKU gets a few pushes a second, whatever the rate.
MIN_INTERVAL_SECONDS = float(env_str("INVENTORY_PUSH_MIN_INTERVAL_SECONDS", "0.75"))
SWEEP_AGE_SECONDS = env_int("INVENTORY_SWEEP_AGE_SECONDS", 30)
MAX_RETRIES = env_int("INVENTORY_PUSH_MAX_RETRIES", 5)
RETRY_BACKOFF = env_int("INVENTORY_PUSH_BACKOFF_SECONDS", 2)


_clients: dict[str, object] = {}


def _redis():
    """One client (connection pool) per broker URL, for the dedupe keys."""
    import redis

    from oms.celery import app

    url = app.conf.broker_url or settings.CELERY_BROKER_URL
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _clients[url]


def _key(schema: str, channel_id: int, variant_id: int) -> str:
    return f"oms:invpush:{schema}:{channel_id}:{variant_id}"


def inventory_push_enqueue(*, schema: str, pairs, force: bool = False) -> int:
    """Queue a push per (channel id, variant id) unless one is already waiting. Never raises: a pair that
    could not be queued stays pending in the outbox for the sweeper."""
    from inventory.tasks import inventory_push_task

    queued = 0
    try:
        client = _redis()
        ttl_ms = int(max(COALESCE_SECONDS, 0.05) * 1000) + 5000  # a lost task frees the slot after a few seconds
        now = time.time()
        for channel_id, variant_id in pairs:
            key = _key(schema, channel_id, variant_id)
            if not force and not client.set(key, "1", nx=True, px=ttl_ms):
                continue
            last_sent = float(client.get(key + ":sent") or 0)
            countdown = max(COALESCE_SECONDS, last_sent + MIN_INTERVAL_SECONDS - now)
            inventory_push_task.apply_async(
                args=[channel_id, variant_id], countdown=countdown, headers={"_schema_name": schema}
            )
            queued += 1
    except Exception:
        log.warning("Could not queue inventory pushes for %s; the sweeper will.", schema, exc_info=True)
    return queued


def inventory_push_send(*, channel_id: int, variant_id: int) -> int | None:
    """Send the current available quantity of one variant to one channel; mark the outbox rows it covers
    delivered. Returns the quantity sent (None if nothing was pending). Raises ConnectorError."""
    key = _key(connection.schema_name, channel_id, variant_id)
    try:
        client = _redis()
        client.delete(key)
        client.set(key + ":sent", str(time.time()), ex=60)
    except Exception:
        log.debug("Could not clear the push key %s", key, exc_info=True)
    pending = InventoryPush.objects.filter(
        channel_id=channel_id, variant_id=variant_id, status=InventoryPush.Status.PENDING
    )
    upto = pending.order_by("-id").values_list("id", flat=True).first()
    if upto is None:
        return None
    channel = Channel.objects.select_related("connection").get(pk=channel_id)
    from orders.models import Variant

    sku = Variant.objects.filter(pk=variant_id).values_list("sku", flat=True).get()
    quantity = stock_available_for_channel(channel=channel, variant_ids=[variant_id])[variant_id]
    try:
        connector_push_inventory(channel, [{"sku": sku, "quantity": quantity}])
    except ConnectorError as exc:
        pending.filter(id__lte=upto).update(last_error=exc.message[:2000])
        raise
    pending.filter(id__lte=upto).update(
        status=InventoryPush.Status.DELIVERED, delivered_at=timezone.now(), sent_quantity=quantity, last_error=""
    )
    return quantity


def inventory_push_dead_letter(*, channel_id: int, variant_id: int, error: str) -> int:
    """After the last retry: the pair's pending rows become dead letters, with the error."""
    return InventoryPush.objects.filter(
        channel_id=channel_id, variant_id=variant_id, status=InventoryPush.Status.PENDING
    ).update(status=InventoryPush.Status.DEAD, last_error=error[:2000])


def inventory_push_retry(*, account, push_id: int) -> InventoryPush:
    """The Retry button: the dead letter's pair becomes pending again and is pushed now."""
    from django.http import Http404

    push = InventoryPush.objects.filter(account=account, pk=push_id, status=InventoryPush.Status.DEAD).first()
    if push is None:
        raise Http404("No such failed push.")
    with transaction.atomic():
        InventoryPush.objects.filter(
            channel_id=push.channel_id, variant_id=push.variant_id, status=InventoryPush.Status.DEAD
        ).update(status=InventoryPush.Status.PENDING, attempts=0)
        schema = connection.schema_name
        pair = [(push.channel_id, push.variant_id)]
        transaction.on_commit(lambda: inventory_push_enqueue(schema=schema, pairs=pair, force=True))
    return push


def inventory_push_sweep() -> int:
    """Re-queue pairs with outbox rows still pending after SWEEP_AGE_SECONDS (in the active organization)."""
    cutoff = timezone.now() - timedelta(seconds=SWEEP_AGE_SECONDS)
    pairs = list(
        InventoryPush.objects.filter(status=InventoryPush.Status.PENDING, created_at__lte=cutoff)
        .values_list("channel_id", "variant_id")
        .distinct()
    )
    if pairs:
        inventory_push_enqueue(schema=connection.schema_name, pairs=pairs, force=True)
    InventoryPush.objects.filter(  # delivered rows are kept a day, for looking into a complaint
        status=InventoryPush.Status.DELIVERED, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return len(pairs)
