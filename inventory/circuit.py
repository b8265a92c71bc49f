"""Per-channel circuit for stock pushes (the outbox and the pushes themselves are in inventory/push.py).

A stock level is a value, not an event, so a failing channel is not retried SKU by SKU until dead letters:

* Each channel has a push circuit (`PushCircuit`). Failures of the channel itself (no answer, 5xx, 401/403/429)
  are counted; INVENTORY_CIRCUIT_FAILURES in a row open it. While it is open nothing is sent to the channel and
  its pending rows simply wait: they are neither retried nor dead-lettered.
* The sweeper queues a probe when the circuit's next attempt is due; the probe task claims the circuit
  (SKIP LOCKED, then "half open" with a lease), so two workers never probe one channel together. The probe is
  the first batch of waiting SKUs (an empty update when none wait). If it fails, the next attempt comes after
  INVENTORY_CIRCUIT_PROBE_SECONDS doubled per failed probe, with jitter, at most
  INVENTORY_CIRCUIT_PROBE_MAX_SECONDS. If the channel answers, the circuit closes and every SKU still waiting is
  sent at its CURRENT level, INVENTORY_PUSH_BATCH_SIZE per request, without anyone pressing Retry.
* A refusal about what was sent (HTTP 400/409/410/422) means the channel is up: a refused batch is halved until
  the refused SKUs are found, and only their rows become dead letters (the inventory page, with a Retry
  button); the circuit stays closed. A later successful push of a SKU settles its older dead letters.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.timesince import timesince

from channels.connectors import ConnectorError, connector_push_inventory
from channels.models import Channel
from inventory.models import InventoryPush, PushCircuit
from inventory.push import inventory_push_deliver, inventory_push_probe_enqueue


def _circuit_delay(probes: int) -> float:
    """Seconds to the next probe after `probes` failed ones: doubling from INVENTORY_CIRCUIT_PROBE_SECONDS up
    to INVENTORY_CIRCUIT_PROBE_MAX_SECONDS, jittered down to half so channels that failed together spread out."""
    base = min(
        settings.INVENTORY_CIRCUIT_PROBE_MAX_SECONDS, settings.INVENTORY_CIRCUIT_PROBE_SECONDS * 2 ** min(probes, 30)
    )
    return max(0.1, base * random.uniform(0.5, 1.0))


def _circuit_locked(channel_id: int) -> PushCircuit:
    PushCircuit.objects.get_or_create(channel_id=channel_id)
    # Only the circuit row: locking the channel or account rows too would hold up stock changes (their FKs).
    return (
        PushCircuit.objects.select_for_update(of=("self",)).select_related("channel__account").get(channel_id=channel_id)
    )


def push_circuit_failure(*, channel_id: int, error: str) -> bool:
    """Count a failure of the channel itself; INVENTORY_CIRCUIT_FAILURES in a row open its circuit (logged in
    the account's activity). Returns whether pushes to it must now wait (the circuit is not closed)."""
    from accounts.services import activity_log

    now = timezone.now()
    with transaction.atomic():
        circuit = _circuit_locked(channel_id)
        if circuit.state != PushCircuit.State.CLOSED:
            return True
        circuit.failures += 1
        circuit.last_error = error[:2000]
        opened = circuit.failures >= settings.INVENTORY_CIRCUIT_FAILURES
        if opened:
            delay = _circuit_delay(0)
            circuit.state, circuit.probes, circuit.failing_since = PushCircuit.State.OPEN, 0, now
            circuit.next_attempt_at = now + timedelta(seconds=delay)
            channel = circuit.channel
            activity_log(
                account=channel.account, by=None, action="channel.stock_pushes_paused",
                summary=f"Stock pushes to {channel.name} paused after {circuit.failures} failures: {error}",
            )
            schema = connection.schema_name
            transaction.on_commit(
                lambda: inventory_push_probe_enqueue(schema=schema, channel_id=channel_id, countdown=delay)
            )
        circuit.save()
    return opened


def _waiting_variants(*, channel_id: int, after: int, limit: int) -> list[int]:
    return list(
        InventoryPush.objects.filter(channel_id=channel_id, status=InventoryPush.Status.PENDING, variant_id__gt=after)
        .order_by("variant_id")
        .values_list("variant_id", flat=True)
        .distinct()[:limit]
    )


def push_circuit_probe(*, channel_id: int) -> str | None:
    """If the channel's circuit is open and its next attempt due, and no other worker is probing it: try the
    channel with the first batch of waiting SKUs. Failure: open again, next attempt later. Success: close the
    circuit and send every waiting SKU at its current level. Returns the circuit's state, or None if there was
    nothing to do."""
    from accounts.services import activity_log

    now = timezone.now()
    with transaction.atomic():
        circuit = (
            PushCircuit.objects.select_for_update(skip_locked=True)
            .filter(
                channel_id=channel_id, state__in=[PushCircuit.State.OPEN, PushCircuit.State.HALF_OPEN],
                next_attempt_at__lte=now,
            )
            .first()
        )
        if circuit is None:
            return None
        channel = Channel.objects.select_related("connection", "account").get(pk=channel_id)
        # A lease: if this worker dies mid-probe, another may probe once it has passed.
        lease = 3 * (channel.connection.timeout_seconds if hasattr(channel, "connection") else 5) + 30
        circuit.state, circuit.next_attempt_at = PushCircuit.State.HALF_OPEN, now + timedelta(seconds=lease)
        circuit.save(update_fields=["state", "next_attempt_at", "updated_at"])
    batch_size = max(1, settings.INVENTORY_PUSH_BATCH_SIZE)
    first = _waiting_variants(channel_id=channel_id, after=0, limit=batch_size)
    try:
        if first:
            inventory_push_deliver(channel=channel, variant_ids=first)
        else:
            connector_push_inventory(channel, [])  # nothing waits: an empty update is the cheapest real call
    except ConnectorError as exc:
        if not exc.refused:
            return _circuit_reopen(channel_id=channel_id, error=exc.message)
    with transaction.atomic():
        circuit = PushCircuit.objects.select_for_update().get(channel_id=channel_id)
        if circuit.state != PushCircuit.State.CLOSED:
            down = timesince(circuit.failing_since, timezone.now()) if circuit.failing_since else "a while"
            activity_log(
                account=channel.account, by=None, action="channel.stock_pushes_resumed",
                summary=f"Stock pushes to {channel.name} resumed after {down}; waiting stock changes sent",
            )
        circuit.state, circuit.failures, circuit.probes = PushCircuit.State.CLOSED, 0, 0
        circuit.failing_since = circuit.next_attempt_at = None
        circuit.save()
    # From the start again: a SKU of the first batch that changed during the probe was skipped by its own push.
    _drain(channel=channel, batch_size=batch_size)
    return PushCircuit.State.CLOSED


def _circuit_reopen(*, channel_id: int, error: str) -> str:
    with transaction.atomic():
        circuit = PushCircuit.objects.select_for_update().get(channel_id=channel_id)
        if circuit.state != PushCircuit.State.HALF_OPEN:
            return circuit.state  # another worker has settled it meanwhile
        delay = _circuit_delay(circuit.probes + 1)
        circuit.state, circuit.probes, circuit.last_error = PushCircuit.State.OPEN, circuit.probes + 1, error[:2000]
        circuit.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        circuit.save()
        schema = connection.schema_name
        transaction.on_commit(
            lambda: inventory_push_probe_enqueue(schema=schema, channel_id=channel_id, countdown=delay)
        )
    return PushCircuit.State.OPEN


def _drain(*, channel: Channel, batch_size: int) -> int:
    """Send every SKU still waiting for `channel`, a batch per request, in variant id order (once each, however
    fast new changes come). If the channel fails again, count it on the circuit and stop: the rest stays pending."""
    sent = after = 0
    while batch := _waiting_variants(channel_id=channel.pk, after=after, limit=batch_size):
        try:
            sent += len(inventory_push_deliver(channel=channel, variant_ids=batch))
        except ConnectorError as exc:
            push_circuit_failure(channel_id=channel.pk, error=exc.message)
            break
        after = batch[-1]
    return sent
