"""Group commit for POST /orders: requests for one account that arrive together are written in one transaction.

One order alone costs a transaction of about twenty statements, and most of them are the same for one order or
thirty: the account's SKUs, codes and warehouse, the customers, the order numbers, the stock rows, the source's
health counts, the commit. So requests queue per organization and account; while a batch is being written the
next requests wait, and when it commits the oldest of them writes everything that queued meanwhile (at most
MAX_BATCH) in one go. There is no timer: a request that finds nobody writing is written at once, so a quiet
API waits for nothing.

No extra thread: the thread of the oldest waiting request writes the batch on its own database connection
(its request already chose the organization's schema); the other requests' threads wait for their answers.
The batch runs in a pipeline (oms/rows.py `atomic_pipelined`): its statements go out without waiting for each
answer. The key claims go with intake's reads (SKUs, codes, warehouse, customers, promotions, external ids), the
numbers and new ids with the locked stock rows, and every write with the COMMIT: three round trips besides
BEGIN for any batch of plain orders, not one per statement.

The answers are those each request would have had alone. Idempotency keys are claimed in the batch's
transaction and their answers stored before it commits, as `idempotent` does for one request. Whatever is not
plain goes back to its own thread, which takes it alone through `idempotent` and `intake_submit`: a key that is
already taken (or given twice in the batch), a rejected or duplicate order, and, by rolling the batch back,
anything that stops the orders being written together (stock short for one of them, any error).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DataError, IntegrityError, connection
from ninja.responses import Status

from api.idempotency import (
    HEADER,
    claim_many_send,
    key_valid,
    release_many,
    request_hash,
    store_many,
)
from intake.services import IntakeResult, intake_submit_batch
from oms.exceptions import DomainError
from oms.rows import atomic_pipelined

logger = logging.getLogger(__name__)
MAX_BATCH = 50
# Batches of one account written at once. Two or three (one waiting on PostgreSQL while another uses the CPU)
# measured no faster than one, and with a worse p95: they queue on the same rows (numbers, stock, health).
MAX_WRITERS = 1


@dataclass(eq=False)
class _Pending:
    payload: object
    key: str | None
    hashed: str | None
    ready: threading.Event = field(default_factory=threading.Event)
    answer: Status | None = None  # None when written: take it alone
    lead: bool = False  # woken to write the next batch


@dataclass(eq=False)
class _Queue:
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: list[_Pending] = field(default_factory=list)
    writers: int = 0  # threads writing a batch now


_queues: dict[tuple[str, int], _Queue] = {}
_queues_lock = threading.Lock()


def _queue(key: tuple[str, int]) -> _Queue:
    with _queues_lock:
        return _queues.setdefault(key, _Queue())


def enabled() -> bool:
    return settings.API_GROUP_COMMIT


def order_create_grouped(request, answer: Callable[[IntakeResult], Status]) -> Status | None:
    """This request's answer, its order written together with the others queued now; None: take it alone.

    `answer` turns an accepted intake result into the 201 the endpoint sends.
    """
    key = request.headers.get(HEADER)
    if key is not None and not key_valid(key):
        return None
    account = request.auth
    mine = _Pending(payload=request.json_body, key=key, hashed=request_hash(request) if key is not None else None)
    queue = _queue((connection.schema_name, account.pk))
    with queue.lock:
        leading = queue.writers < MAX_WRITERS  # then nobody is waiting: the queue fills only when all are busy
        if leading:
            queue.writers += 1
        else:
            queue.waiting.append(mine)
    if not leading:
        mine.ready.wait()
        if not mine.lead:
            return mine.answer
    with queue.lock:
        batch = [mine, *queue.waiting[: MAX_BATCH - 1]]
        del queue.waiting[: MAX_BATCH - 1]
    try:
        _write(account=account, batch=batch, answer=answer)
    finally:
        with queue.lock:
            if queue.waiting:  # the oldest waiting request writes the next batch
                successor = queue.waiting.pop(0)
                successor.lead = True
                successor.ready.set()
            else:
                queue.writers -= 1
        for pending in batch[1:]:
            pending.ready.set()
    return mine.answer


def _write(*, account, batch: list[_Pending], answer: Callable[[IntakeResult], Status]) -> None:
    try:
        with atomic_pipelined():
            owners: dict[str, _Pending] = {}
            for pending in batch:
                if pending.key is not None:
                    owners.setdefault(pending.key, pending)
            # The claims go out now and are read once, in the round trip of intake's reads.
            claimed = functools.cache(claim_many_send(account_id=account.pk, keys={k: p.hashed for k, p in owners.items()}))
            todo = [p for p in batch if p.key is None or owners[p.key] is p]

            def only() -> set[int]:
                return {i for i, p in enumerate(todo) if p.key is None or p.key in claimed()}

            results = intake_submit_batch(
                account=account, payloads=[p.payload for p in todo], only=only, with_lines=True,
            )
            keyed: dict[str, Status] = {}
            for pending, result in zip(todo, results):  # orders come with their lines
                if result is None:
                    continue
                pending.answer = answer(result)
                if pending.key is not None:
                    keyed[pending.key] = pending.answer
            release_many(account_id=account.pk, keys=[k for k in claimed() if k not in keyed])
            for key, stored in store_many(account_id=account.pk, answers=keyed).items():
                owners[key].answer = stored
    except (DomainError, IntegrityError, DataError) as refused:  # e.g. stock short for one: expected, no fault
        logger.info("Group commit of %d orders rolled back (%s); each is taken alone", len(batch), refused)
        for pending in batch:
            pending.answer = None
    except Exception:
        logger.warning("Group commit of %d orders failed; each is taken alone", len(batch), exc_info=True)
        for pending in batch:
            pending.answer = None
