"""Intake's writes: every payload that becomes an order or another document comes through here.

The parts, each depending only on the ones before it:

- `failures`: the bookkeeping of rejected payloads — the one writer of an IntakeFailure (`failure_record`,
  with the retry policy; `failure_record_unparsed` for a payload the API's schema refused), its resolution by an
  order (`failure_resolve`, `failures_resolve_earlier`, by external id or, without one, by fingerprint:
  `failure_orders_by_fingerprint`),
  `intake_discard`, each source's hourly health (`source_stats_add`) and `payload_storable`.
- `orders`: the sales-order flow (`intake_submit`, `intake_submit_batch`, `intake_submit_many`, `intake_submit_manual`): normalize,
  validate, de-duplicate (`order_existing`), create; uses failures.
- `documents`: purchase orders, shipments and receipts (`*_submit`, `DocumentResult`); uses failures and the
  order lookups of `orders`.
- `replay`: a stored failure run again through its own document's flow (`intake_replay`, `intake_replay_many`);
  uses orders and documents.
- `webhooks`: channel webhooks, verified and kept in an inbox (`webhook_receive`), drained by workers through
  the orders flow (`webhook_inbox_drain`, `webhook_inbox_drain_all`); uses orders and failures.
- `aliases` (`sku_alias_set`) and `idempotency` (`idempotency_keys_purge`) stand alone.

The names below are the package's public ones; import them from `intake.services`.
"""

from intake.services.aliases import sku_alias_set
from intake.services.documents import (
    DOCUMENT_SUBMIT, DocumentResult, purchase_order_submit, receipt_submit, shipment_submit,
)
from intake.services.failures import (
    RETRY_ATTEMPTS, RETRY_BASE_SECONDS, failure_orders_by_fingerprint, failure_record, failure_record_unparsed,
    failure_resolve, failures_resolve_earlier, intake_discard, payload_storable, retry_delay, source_stats_add,
)
from intake.services.idempotency import IDEMPOTENCY_KEY_HOURS, idempotency_keys_purge
from intake.services.orders import (
    ORDER_SOURCE, IntakeResult, intake_submit, intake_submit_batch, intake_submit_manual, intake_submit_many,
    order_existing,
)
from intake.services.replay import ReplayReport, intake_replay, intake_replay_many
from intake.services.webhooks import (
    WebhookAnswer, webhook_drain_trigger, webhook_inbox_drain, webhook_inbox_drain_all, webhook_inbox_pending,
    webhook_receive, webhook_signature, webhook_sweep_enqueue_all,
)

__all__ = [
    "DOCUMENT_SUBMIT", "IDEMPOTENCY_KEY_HOURS", "ORDER_SOURCE", "RETRY_ATTEMPTS", "RETRY_BASE_SECONDS",
    "DocumentResult", "IntakeResult", "ReplayReport",
    "failure_orders_by_fingerprint", "failure_record", "failure_record_unparsed", "failure_resolve", "failures_resolve_earlier", "idempotency_keys_purge", "intake_discard",
    "intake_replay", "intake_replay_many", "intake_submit", "intake_submit_batch", "intake_submit_manual", "intake_submit_many",
    "order_existing", "payload_storable", "purchase_order_submit", "receipt_submit", "retry_delay",
    "shipment_submit", "sku_alias_set", "source_stats_add",
    "WebhookAnswer", "webhook_drain_trigger", "webhook_inbox_drain", "webhook_inbox_drain_all",
    "webhook_inbox_pending", "webhook_receive", "webhook_signature", "webhook_sweep_enqueue_all",
]
