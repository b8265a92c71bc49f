"""Celery doors of the inventory push (inventory/push.py explains the design) and the snapshot sync."""

import random

from django.conf import settings
from django.db import OperationalError

from channels.connectors import ConnectorError
from oms.celery import app


@app.task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def inventory_push_task(self, channel_id: int, variant_id: int):
    """Runs in the organization's schema. Safe to run twice: it sends the current value. A failure of the
    channel counts on its circuit; once that is open, or after the last retry, the change stays pending for the
    channel's recovery or the sweeper (never a dead letter: only a SKU the channel refuses becomes one)."""
    from inventory.circuit import push_circuit_failure
    from inventory.push import inventory_push_send

    try:
        return inventory_push_send(channel_id=channel_id, variant_id=variant_id)
    except (ConnectorError, OperationalError) as exc:
        if isinstance(exc, ConnectorError) and push_circuit_failure(channel_id=channel_id, error=exc.message):
            return None
        if self.request.retries >= settings.INVENTORY_PUSH_MAX_RETRIES:
            return None
        delay = settings.INVENTORY_PUSH_BACKOFF_SECONDS * (2 ** self.request.retries)
        raise self.retry(exc=exc, countdown=delay * (0.5 + random.random() / 2))  # exponential, with jitter


@app.task(acks_late=True)
def inventory_push_probe_task(channel_id: int):
    """Runs in the organization's schema: probe a failing channel when due (inventory/circuit.py)."""
    from inventory.circuit import push_circuit_probe

    return push_circuit_probe(channel_id=channel_id)


@app.task(acks_late=True)
def inventory_push_sweep_all_task() -> int:
    """Beat, in public: in every organization, re-queue undelivered outbox rows and probe failing channels."""
    from accounts.tenancy.fanout import for_each_organization
    from inventory.push import inventory_push_sweep

    return sum(for_each_organization(lambda _: inventory_push_sweep(), label="Inventory push sweep").results.values())


@app.task(acks_late=True)
def inventory_sync_all_task() -> int:
    """Beat, in public: a full snapshot per channel for accounts with real-time updates off."""
    from accounts.tenancy.fanout import for_each_organization
    from inventory.sync import inventory_sync_all

    return sum(for_each_organization(lambda _: inventory_sync_all(), label="Inventory sync").results.values())
