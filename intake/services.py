"""The one entry flow for new sales orders: normalize → validate → de-duplicate → create → rules → allocate.

Every door calls `intake_submit`: the public API, channel imports (intake/tasks.py), the CSV import and the
manual order form. Rules and allocation happen inside `orders_insert` (rules only when the account's
automatic sales-order workflow is on). A rejected payload is kept as an IntakeFailure with every reason;
`intake_replay` runs it through the same flow again after an operator fixed what was wrong.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone

from intake.adapters import normalize
from intake.models import Document, IdempotencyKey, IntakeFailure, SkuAlias, Source
from intake.normalized import NormalizedOrder, PayloadUnreadable
from intake.validation import ERROR, Checked, Prefetched, Problem, order_check
from inventory.services import StockShortage
from oms.exceptions import DomainError
from orders.models import Customer, Order, Variant
from orders.pricing import promotions_on
from orders.services.create import OrderDraft, orders_insert

ORDER_SOURCE = {
    Source.CHANNEL: Order.Source.SALES_CHANNEL,
    Source.API: Order.Source.API,
    Source.CSV: Order.Source.IMPORT,
    Source.MANUAL: Order.Source.MANUAL,
}
# Channel imports: a rejected payload is tried again (a missing product may arrive with the next product
# import) after 1, 2, 4, 8 minutes, each with up to 50 % jitter, and then waits for an operator.
RETRY_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60


@dataclass
class IntakeResult:
    order: Order | None = None
    failure: IntakeFailure | None = None
    duplicate_of: Order | None = None  # an order with this external id already exists; nothing was created
    problems: list[Problem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.order is not None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: exponential with jitter, so retries of many payloads spread out."""
    base = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return base + random.uniform(0, base / 2)


def _source_of(channel) -> str:
    return Source.CHANNEL if channel is not None else Source.API


def _from_door(*, account, channel, source: str, kind: str = Order.Kind.SALES):
    """Orders of this kind whose external ids are this channel's (or, without one, this source's)."""
    orders = Order.objects.filter(account=account, kind=kind, is_simulation=False)
    if channel is not None:
        return orders.filter(channel=channel)
    return orders.filter(channel__isnull=True, source=ORDER_SOURCE[source])


def _existing(*, account, channel, source: str, external_id: str, kind: str = Order.Kind.SALES) -> Order | None:
    """The order of this kind that already took `external_id` from this channel (or, without one, this source)."""
    if not external_id:
        return None
    orders = _from_door(account=account, channel=channel, source=source, kind=kind)
    return orders.filter(external_id=external_id).only("id", "number", "status", "account_id").first()


def _live_customers(*, account, emails: list[str]) -> dict[str, Customer]:
    """Email -> the oldest live profile with it, every one read locked FOR SHARE until the transaction ends.

    The lock is what redaction (privacy/services.py) takes FOR NO KEY UPDATE: it skips a profile an order is
    being attached to, and a profile it redacts while we wait for the lock no longer matches when we get it
    (PostgreSQL re-checks `redacted_at IS NULL` on the row as it is then), so its email counts as new."""
    found: dict[str, Customer] = {}
    for customer in Customer.objects.raw(
        f"SELECT * FROM {Customer._meta.db_table} WHERE account_id = %s AND email = ANY(%s) "
        "AND redacted_at IS NULL ORDER BY id FOR SHARE",
        [account.pk, emails],
    ):
        found.setdefault(customer.email, customer)
    return found


def _customers(*, account, orders: list[NormalizedOrder]) -> dict[str, Customer]:
    """Email -> the account's live customer for these orders; the ones not known yet are created.

    Parallel intakes for one new customer: the first creates it, the others (waiting on its advisory lock
    until its transaction ends) find it. Locks are taken in one order, so two batches never wait on each other.
    A profile being redacted meanwhile is never attached to: see `_live_customers`.
    """
    emails = sorted({o.customer_email for o in orders if o.customer_email})
    if not emails:
        return {}
    found = _live_customers(account=account, emails=emails)
    missing = [e for e in emails if e not in found]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT hashtextextended(k, 0) AS h "
                "FROM unnest(%s::text[]) AS k ORDER BY k) AS locks",
                [[f"customer:{connection.schema_name}:{account.pk}:{e}" for e in missing]],
            )
        found.update(_live_customers(account=account, emails=missing))
        first = {}
        for order in orders:
            if order.customer_email and order.customer_email not in found:
                first.setdefault(order.customer_email, order)
        found.update({c.email: c for c in Customer.objects.bulk_create([
            Customer(
                account=account, name=o.customer_name or o.shipping.get("name", ""), email=e, phone=o.customer_phone,
            )
            for e, o in first.items()
        ])})
    return found


def _draft(
    *, account, order: NormalizedOrder, checked: Checked, channel, source: str, customer: Customer | None
) -> OrderDraft:
    billing = order.billing if order.billing is not None else order.shipping
    origin = channel.name if channel is not None else Source(source).label
    return OrderDraft(
        account=account,
        lines=checked.lines,
        order_date=checked.order_date,
        source=ORDER_SOURCE[source],
        channel=channel,
        external_id=order.external_id,
        customer=customer,
        customer_name=order.customer_name or order.shipping.get("name", ""),
        customer_email=order.customer_email,
        customer_phone=order.customer_phone,
        billing=billing,
        shipping=order.shipping,
        discount_codes=order.discount_codes,
        shipping_method=checked.shipping_method,
        carrier_code=order.carrier_code,
        service_code=order.service_code,
        warehouse=checked.warehouse,
        notes=order.notes,
        currency=order.currency or "USD",
        flags=[p.message for p in checked.warnings],
        created_at=checked.placed_at if source == Source.CHANNEL else None,
        event_message=f"Order received from {origin}",
        event_data={"external_id": order.external_id, "warnings": [p.as_dict() for p in checked.warnings]},
    )


def _stats(*, account, source: str, channel, accepted: int = 0, rejected: int = 0) -> None:
    """Count the outcome in this hour's row for the source (one upsert)."""
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO intake_sourcestats (account_id, source, channel_id, hour, accepted, rejected,
                                            last_success_at, last_failure_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (account_id, source, channel_id, hour) DO UPDATE SET
                accepted = intake_sourcestats.accepted + EXCLUDED.accepted,
                rejected = intake_sourcestats.rejected + EXCLUDED.rejected,
                last_success_at = COALESCE(EXCLUDED.last_success_at, intake_sourcestats.last_success_at),
                last_failure_at = COALESCE(EXCLUDED.last_failure_at, intake_sourcestats.last_failure_at)
            """,
            [
                account.pk, source, getattr(channel, "pk", None), hour, accepted, rejected,
                now if accepted else None, now if rejected else None,
            ],
        )


def _create(*, account, draft: OrderDraft, by) -> Order:
    """Insert the order; when its stock is short it is still taken, unallocated and flagged (never lost)."""
    try:
        with transaction.atomic():
            return orders_insert(account=account, drafts=[draft], by=by)[0]
    except StockShortage as shortage:
        # Open and unallocated, even when a rule put it on hold (on hold holds stock); the rules already ran
        # on the draft, so they are not run again.
        draft.status = Order.Status.OPEN
        draft.run_rules = False
        draft.flags = [*draft.flags, _shortage_flag(draft, shortage)]
        draft.priced = None
        with transaction.atomic():
            return orders_insert(account=account, drafts=[draft], by=by)[0]


def _shortage_flag(draft: OrderDraft, shortage: StockShortage) -> str:
    skus = {line.variant.pk: line.variant.sku for line in draft.lines}
    where = f" in {draft.warehouse.code}" if draft.warehouse is not None else ""
    short = ", ".join(
        f"{skus.get(variant_id, variant_id)} ({wanted} wanted, {available} available)"
        for variant_id, (wanted, available) in sorted(shortage.shortages.items())
    )
    return f"Not allocated: not enough stock{where} of {short}."


def _record_failure(
    *, account, source: str, channel, payload, payload_format: str, order: NormalizedOrder | None,
    problems: list[Problem], failure: IntakeFailure | None, retry: bool,
) -> IntakeFailure:
    reasons = [p.as_dict() for p in problems if p.severity == ERROR]
    now = timezone.now()
    if failure is None:
        failure = IntakeFailure(
            account=account, source=source, channel=channel, payload=payload, payload_format=payload_format,
            attempts=0,
        )
    failure.attempts += 1
    failure.reasons = reasons
    failure.external_id = (order.external_id if order else "")[:100]
    failure.value = order.value_estimate() if order else 0
    failure.line_count = len(order.lines) if order else 0
    if retry and failure.attempts < RETRY_ATTEMPTS:
        failure.status = IntakeFailure.Status.RETRYING
        failure.next_attempt_at = now + dt.timedelta(seconds=retry_delay(failure.attempts))
    else:
        failure.status = IntakeFailure.Status.DEAD
        failure.next_attempt_at = None
    failure.save()
    return failure


def _storable(value):
    """The payload as PostgreSQL's jsonb can keep it: NUL characters and unpaired surrogates dropped."""
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def intake_submit(
    *,
    account,
    payload,
    source: str | None = None,
    channel=None,
    payload_format: str | None = None,
    by=None,
    failure: IntakeFailure | None = None,
    retry: bool | None = None,
) -> IntakeResult:
    """Take one sales-order payload through the whole flow; never raises for a bad payload.

    The result holds the new order, or the existing one with the same external id (nothing created), or the
    stored failure with every reason. `failure` is the stored failure being retried or replayed. A rejected
    channel payload is retried with backoff (`retry` None); an operator's replay passes retry=False.
    """
    source = source or _source_of(channel)
    payload_format = payload_format or (channel.order_format if channel is not None else "oms")
    retry = source == Source.CHANNEL if retry is None else retry
    payload = _storable(payload)

    def reject(problems: list[Problem], order: NormalizedOrder | None, *, again: bool) -> IntakeResult:
        with transaction.atomic():
            stored = _record_failure(
                account=account, source=source, channel=channel, payload=payload, payload_format=payload_format,
                order=order, problems=problems, failure=failure, retry=again,
            )
            if failure is None:  # a payload counts once in the source's health, not once per retry
                _stats(account=account, source=source, channel=channel, rejected=1)
        return IntakeResult(failure=stored, problems=problems)

    try:
        order = normalize(payload_format, payload)
    except PayloadUnreadable as unreadable:
        return reject([Problem("unreadable", unreadable.field, unreadable.message)], None, again=False)

    existing = _existing(account=account, channel=channel, source=source, external_id=order.external_id)
    if existing is not None:
        return IntakeResult(duplicate_of=existing)

    checked = order_check(account=account, order=order, channel=channel, source=source)
    if checked.errors:
        return reject(checked.problems, order, again=retry)

    try:
        with transaction.atomic():
            created = _create(
                account=account, by=by, draft=_draft(
                    account=account, order=order, checked=checked, channel=channel, source=source,
                    customer=_customers(account=account, orders=[order]).get(order.customer_email),
                ),
            )
            _stats(account=account, source=source, channel=channel, accepted=1)
            if failure is not None:
                _resolve(failure, order=created, by=by)
            _resolve_earlier(account=account, source=source, channel=channel, external_id=order.external_id,
                             order=created, by=by)
    except IntegrityError:
        # The same external id committed by a parallel intake between our check and our insert.
        existing = _existing(account=account, channel=channel, source=source, external_id=order.external_id)
        if existing is None:
            raise
        if failure is not None:
            _resolve(failure, order=existing, by=by)
        return IntakeResult(duplicate_of=existing)
    except DomainError as error:  # e.g. an unknown discount code found while pricing
        return reject([*checked.problems, Problem(error.code, error.field or "", error.message)], order, again=retry)
    except DataError as error:  # a value validation let through that a column cannot hold: refused, kept
        message = f"A value does not fit the order: {str(error).splitlines()[0]}."
        return reject([*checked.problems, Problem("out_of_range", "", message)], order, again=False)
    return IntakeResult(order=created, problems=checked.problems)


def intake_submit_batch(
    *, account, payloads: list, source: str = Source.API, channel=None, by=None
) -> list[IntakeResult | None]:
    """Group commit: create the orders of many payloads (one account and door) with a fixed number of queries.

    Only the plain case is taken here: a payload that is unreadable, rejected, already known, or whose external
    id comes twice in the batch gets None, and the caller sends it through `intake_submit` on its own, which
    gives the same answer it would have had alone. Must run inside the caller's transaction; raises (and the
    caller rolls back and takes every payload alone) when the orders cannot all be written together: stock
    short for one of them, an external id taken meanwhile, a discount code refused, a value too large.
    """
    payload_format = channel.order_format if channel is not None else "oms"
    results: list[IntakeResult | None] = [None] * len(payloads)
    orders: dict[int, NormalizedOrder] = {}
    seen: set[str] = set()
    for index, payload in enumerate(payloads):
        try:
            order = normalize(payload_format, _storable(payload))
        except PayloadUnreadable:
            continue
        if order.external_id and order.external_id in seen:
            continue
        seen.add(order.external_id)
        orders[index] = order
    taken = set(
        _from_door(account=account, channel=channel, source=source)
        .filter(external_id__in=[o.external_id for o in orders.values() if o.external_id])
        .values_list("external_id", flat=True)
    )
    orders = {i: o for i, o in orders.items() if o.external_id not in taken}
    prefetched = Prefetched.read(account=account, orders=list(orders.values()), channel=channel)
    checks = {
        i: order_check(account=account, order=o, channel=channel, source=source, prefetched=prefetched)
        for i, o in orders.items()
    }
    orders = {i: o for i, o in orders.items() if not checks[i].errors}
    if not orders:
        return results
    customers = _customers(account=account, orders=list(orders.values()))
    promotions: dict[dt.date, list] = {}
    drafts = {}
    for index, order in orders.items():
        checked = checks[index]
        draft = _draft(account=account, order=order, checked=checked, channel=channel, source=source,
                       customer=customers.get(order.customer_email))
        if checked.order_date not in promotions:
            promotions[checked.order_date] = promotions_on(account=account, on=checked.order_date)
        draft.promotions = promotions[checked.order_date]
        drafts[index] = draft
    created = orders_insert(account=account, drafts=list(drafts.values()), by=by)
    _stats(account=account, source=source, channel=channel, accepted=len(created))
    _resolve_earlier_many(
        account=account, source=source, channel=channel, by=by,
        orders={orders[i].external_id: order for i, order in zip(drafts, created) if orders[i].external_id},
    )
    for index, order in zip(drafts, created):
        results[index] = IntakeResult(order=order, problems=checks[index].problems)
    return results


def intake_submit_manual(*, account, payload, by) -> IntakeResult:
    """The manual order form's door: the person sees the problems on the form at once, so a rejected order is
    kept for the record but discarded, not left for an operator in the failures list."""
    result = intake_submit(account=account, payload=payload, source=Source.MANUAL, payload_format="oms", by=by)
    if result.failure is not None:
        result.failure = intake_discard(failure=result.failure, by=by)
    return result


def _resolve_earlier(*, account, source: str, channel, external_id: str, order: Order, by) -> None:
    """Earlier rejected copies of an order that has now come in (a client resent it fixed) are resolved by it,
    so replaying one of them later cannot create it again."""
    if external_id:
        _resolve_earlier_many(account=account, source=source, channel=channel, orders={external_id: order}, by=by)


def _resolve_earlier_many(*, account, source: str, channel, orders: dict[str, Order], by) -> None:
    """`_resolve_earlier` for many orders (external id -> order), in one statement."""
    if not orders:
        return
    now = timezone.now()
    IntakeFailure.objects.filter(
        account=account, source=source, channel=channel, external_id__in=list(orders), document=Document.SALES_ORDER,
        status__in=[IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD],
    ).update(
        status=IntakeFailure.Status.REPLAYED, next_attempt_at=None, resolved_at=now, updated_at=now,
        order_id=Case(*(When(external_id=e, then=Value(o.pk)) for e, o in orders.items()), output_field=BigIntegerField()),
        resolved_by=by if getattr(by, "pk", None) else None,
    )


def _resolve(failure: IntakeFailure, *, order: Order, by) -> None:
    failure.status = IntakeFailure.Status.REPLAYED
    failure.order = order
    failure.next_attempt_at = None
    failure.resolved_at = timezone.now()
    failure.resolved_by = by if getattr(by, "pk", None) else None
    failure.save(update_fields=["status", "order", "next_attempt_at", "resolved_at", "resolved_by", "updated_at"])


def intake_replay(*, failure: IntakeFailure, by=None) -> IntakeResult:
    """Run a stored failure through the flow again; at most one order ever comes of it.

    The failure row is locked for the replay, so two operators (or an operator and the retry task) replaying
    the same failure at once create one order: the second finds it resolved.
    """
    with transaction.atomic():
        locked = IntakeFailure.objects.select_for_update(of=("self",)).select_related("channel").get(pk=failure.pk, account=failure.account)
        if locked.status in (IntakeFailure.Status.REPLAYED, IntakeFailure.Status.DISCARDED):
            return IntakeResult(order=locked.order, failure=locked)
        if locked.document != Document.SALES_ORDER:
            return _replay_document(locked, by=by)
        result = intake_submit(
            account=failure.account, payload=locked.payload, source=locked.source, channel=locked.channel,
            payload_format=locked.payload_format, by=by, failure=locked, retry=False,
        )
        if result.duplicate_of is not None and locked.status != IntakeFailure.Status.REPLAYED:
            _resolve(locked, order=result.duplicate_of, by=by)
        return result


@dataclass
class ReplayReport:
    orders: list[Order] = field(default_factory=list)  # what the replayed failures became (or already were)
    still: list[tuple[IntakeFailure, str]] = field(default_factory=list)  # rejected again, with the first reason


def intake_replay_many(*, failures, by=None, progress=None) -> ReplayReport:
    """Replay each failure in turn (each in its own transaction, so one bad payload keeps the others)."""
    report = ReplayReport()
    for failure in failures:
        result = intake_replay(failure=failure, by=by)
        order = result.order or result.duplicate_of
        if order is not None:
            report.orders.append(order)
        else:
            reasons = result.failure.reasons if result.failure else []
            report.still.append((failure, reasons[0]["message"] if reasons else "no reason kept"))
        if progress is not None:
            progress()
    return report


def _replay_document(failure: IntakeFailure, *, by) -> IntakeResult:
    """A purchase order, shipment or receipt replayed through its own flow; `order` is the order it concerns."""
    from intake.documents import DOCUMENT_SUBMIT

    result = DOCUMENT_SUBMIT[failure.document](
        account=failure.account, payload=failure.payload, by=by, source=failure.source, failure=failure
    )
    concerned = result.obj or result.duplicate_of
    order = getattr(concerned, "purchase_order", None) or getattr(concerned, "order", None) or concerned
    if result.duplicate_of is not None and failure.status != IntakeFailure.Status.REPLAYED:
        _resolve(failure, order=order, by=by)
    return IntakeResult(
        order=order if result.accepted else None, failure=result.failure or failure,
        duplicate_of=order if result.duplicate_of is not None else None, problems=result.problems,
    )


def intake_discard(*, failure: IntakeFailure, by) -> IntakeFailure:
    """Give up on a failure that is still open; one being replayed at this moment is waited for, and a
    failure that has become an order stays replayed."""
    with transaction.atomic():
        locked = IntakeFailure.objects.select_for_update().get(pk=failure.pk, account=failure.account)
        if locked.status not in (IntakeFailure.Status.RETRYING, IntakeFailure.Status.DEAD):
            return locked
        locked.status = IntakeFailure.Status.DISCARDED
        locked.next_attempt_at = None
        locked.resolved_at = timezone.now()
        locked.resolved_by = by if getattr(by, "pk", None) else None
        locked.save(update_fields=["status", "next_attempt_at", "resolved_at", "resolved_by", "updated_at"])
    return locked


def sku_alias_set(*, account, external_sku: str, variant: Variant, channel=None, by=None) -> SkuAlias:
    """Map another system's SKU to one of the account's; later payloads (and replays) use it."""
    external_sku = " ".join(external_sku.split())
    if not external_sku:
        raise DomainError("Give the SKU to map.", field="external_sku")
    if variant.account_id != account.pk or (channel is not None and channel.account_id != account.pk):
        raise DomainError("That SKU or channel belongs to another account.", field="variant")
    if Variant.objects.filter(account=account, sku=external_sku).exists():
        raise DomainError(f"{external_sku} is already one of the account's own SKUs.", field="external_sku")
    actor = by if getattr(by, "pk", None) else None
    for _ in range(2):  # a parallel mapping of the same SKU wins the insert: then update it
        alias = SkuAlias.objects.filter(account=account, channel=channel, external_sku__iexact=external_sku).first()
        if alias is not None:
            alias.variant, alias.created_by = variant, actor
            alias.save(update_fields=["variant", "created_by"])
            return alias
        try:
            with transaction.atomic():
                return SkuAlias.objects.create(
                    account=account, channel=channel, external_sku=external_sku, variant=variant, created_by=actor
                )
        except IntegrityError:
            continue
    raise DomainError(f"{external_sku} is being mapped by someone else; try again.", field="external_sku")


IDEMPOTENCY_KEY_HOURS = 24  # how long a retry with the same Idempotency-Key gets the first answer back


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete API idempotency keys older than IDEMPOTENCY_KEY_HOURS (in the current schema)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
