"""The one entry flow for new sales orders: normalize → validate → de-duplicate → create → rules → allocate.

Every door calls `intake_submit`: the public API, channel imports (intake/importing.py), the CSV import and the
manual order form. Rules and allocation happen inside `orders_insert` (rules only when the account's
automatic sales-order workflow is on). A rejected payload is kept as an IntakeFailure with every reason
(failures.py); `intake_replay` (replay.py) runs it through the same flow again after an operator fixed what
was wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import logging

from django.db import DatabaseError, DataError, IntegrityError, connection, transaction

from intake.adapters import normalize
from intake.models import IntakeFailure, Source
from intake.normalized import NormalizedOrder, PayloadUnreadable
from intake.services.failures import (
    failure_orders_by_fingerprint, failure_record, failure_resolve, failures_resolve_earlier, intake_discard,
    payload_storable, source_stats_add,
)
from intake.validation import ERROR, Checked, Prefetched, Problem, order_check
from inventory.services import StockShortage
from oms.exceptions import DomainError
from oms.rows import Sent, pipelined, select_list, send, send_instances
from orders.models import Customer, Order
from orders.pricing import promotions_on, promotions_send, promotions_with_scopes
from orders.services.create import OrderDraft, orders_insert

logger = logging.getLogger(__name__)

ORDER_SOURCE = {
    Source.CHANNEL: Order.Source.SALES_CHANNEL,
    Source.API: Order.Source.API,
    Source.CSV: Order.Source.IMPORT,
    Source.MANUAL: Order.Source.MANUAL,
}


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


def _source_of(channel) -> str:
    return Source.CHANNEL if channel is not None else Source.API


def _from_door(*, account, channel, source: str, kind: str = Order.Kind.SALES):
    """Orders of this kind whose external ids are this channel's (or, without one, this source's)."""
    orders = Order.objects.filter(account=account, kind=kind, is_simulation=False)
    if channel is not None:
        return orders.filter(channel=channel)
    return orders.filter(channel__isnull=True, source=ORDER_SOURCE[source])


def _taken_send(*, account, channel, source: str, external_ids: list[str]):
    """Which of `external_ids` orders from this door (`_from_door`'s sales orders) already took, sent now
    (hand-written: it runs once per batch); read with `{row[0] for row in sent.rows()}`."""
    if not external_ids:
        return Sent(None)
    door = "channel_id = %s" if channel is not None else "channel_id IS NULL AND source = %s"
    return send(
        f"SELECT external_id FROM {Order._meta.db_table} WHERE account_id = %s AND kind = %s AND NOT is_simulation "
        f"AND {door} AND external_id = ANY(%s)",
        [account.pk, Order.Kind.SALES, channel.pk if channel is not None else ORDER_SOURCE[source], external_ids],
    )


def order_existing(
    *, account, channel, source: str, external_id: str, kind: str = Order.Kind.SALES
) -> Order | None:
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
    return _live_customers_send(account=account, emails=emails)()


def _live_customers_send(*, account, emails: list[str]) -> Callable[[], dict[str, Customer]]:
    if not emails:
        return dict
    sent = send_instances(
        f"SELECT {select_list(Customer, 'c')} FROM {Customer._meta.db_table} c WHERE c.account_id = %s "
        "AND c.email = ANY(%s) AND c.redacted_at IS NULL ORDER BY c.id FOR SHARE",
        [account.pk, emails], Customer,
    )

    def read() -> dict[str, Customer]:
        found: dict[str, Customer] = {}
        for customer in sent.rows():
            found.setdefault(customer.email, customer)
        return found

    return read


def _customers(*, account, orders: list[NormalizedOrder], found: dict[str, Customer] | None = None) -> dict[str, Customer]:
    """Email -> the account's live customer for these orders; the ones not known yet are created.

    Parallel intakes for one new customer: the first creates it, the others (waiting on its advisory lock
    until its transaction ends) find it. Locks are taken in one order, so two batches never wait on each other.
    A profile being redacted meanwhile is never attached to: see `_live_customers`. `found`: the live profiles
    already read (of these orders' emails at least).
    """
    emails = sorted({o.customer_email for o in orders if o.customer_email})
    if not emails:
        return {}
    wanted = set(emails)
    found = {e: c for e, c in found.items() if e in wanted} if found is not None else (
        _live_customers(account=account, emails=emails)
    )
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
        currency=order.currency or account.currency or "USD",
        flags=[p.message for p in checked.warnings],
        charged=checked.charged,
        line_charged=checked.line_charged,
        fixed_shipping=checked.charged_shipping,
        fixed_shipping_tax=checked.charged_shipping_tax,
        created_at=checked.placed_at if source == Source.CHANNEL else None,
        event_message=f"Order received from {origin}",
        event_data={"external_id": order.external_id, "warnings": [p.as_dict() for p in checked.warnings]},
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
    payload = payload_storable(payload)
    fingerprint = ""

    def reject(problems: list[Problem], order: NormalizedOrder | None, *, again: bool) -> IntakeResult:
        stored = failure_record(
            account=account, source=source, channel=channel, payload=payload, payload_format=payload_format,
            problems=problems, failure=failure, retry=again, external_id=order.external_id if order else "",
            value=order.value_estimate() if order else Decimal(0), line_count=len(order.lines) if order else 0,
            fingerprint=fingerprint,
        )
        return IntakeResult(failure=stored, problems=problems)

    try:
        order = normalize(payload_format, payload)
    except PayloadUnreadable as unreadable:
        return reject([Problem("unreadable", unreadable.field, unreadable.message)], None, again=False)

    if order.external_id:
        existing = order_existing(account=account, channel=channel, source=source, external_id=order.external_id)
    else:  # without an external id, an earlier rejected copy that was replayed is what names the order
        received = failure.created_at.astimezone(account.zone).date() if failure is not None else account.today()
        fingerprint = order.fingerprint(received_on=received)
        existing = failure_orders_by_fingerprint(
            account=account, source=source, channel=channel, fingerprints=[fingerprint] if fingerprint else [],
        ).get(fingerprint)
    if failure is not None:  # kept with the failure when it is resolved (its payload may have been fixed)
        failure.fingerprint = fingerprint
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
            source_stats_add(account=account, source=source, channel=channel, accepted=1)
            if failure is not None:
                failure_resolve(failure, order=created, by=by)
            # Earlier rejected copies of this order (a client resent it fixed) are resolved by it.
            failures_resolve_earlier(
                account=account, source=source, channel=channel, by=by,
                orders={order.external_id: created} if order.external_id else {},
                fingerprints={fingerprint: created} if fingerprint else {},
            )
    except IntegrityError:
        # The same external id committed by a parallel intake between our check and our insert.
        existing = order_existing(account=account, channel=channel, source=source, external_id=order.external_id)
        if existing is None:
            raise
        if failure is not None:
            failure_resolve(failure, order=existing, by=by)
        return IntakeResult(duplicate_of=existing)
    except DomainError as error:  # e.g. an unknown discount code found while pricing
        return reject([*checked.problems, Problem(error.code, error.field or "", error.message)], order, again=retry)
    except DataError as error:  # a value validation let through that a column cannot hold: refused, kept
        message = f"A value does not fit the order: {str(error).splitlines()[0]}."
        return reject([*checked.problems, Problem("out_of_range", "", message)], order, again=False)
    return IntakeResult(order=created, problems=checked.problems)


def intake_submit_batch(
    *, account, payloads: list, source: str = Source.API, channel=None, by=None,
    only: Callable[[], set[int]] | None = None, with_lines: bool = False,
) -> list[IntakeResult | None]:
    """Group commit: create the orders of many payloads (one account and door) with a fixed number of queries.

    Only the plain case is taken here: a payload that is unreadable, rejected, already known, or whose external
    id comes twice in the batch gets None, and the caller sends it through `intake_submit` on its own, which
    gives the same answer it would have had alone. Must run inside the caller's transaction; raises (and the
    caller rolls back and takes every payload alone) when the orders cannot all be written together: stock
    short for one of them, an external id taken meanwhile, a discount code refused, a value too large.
    Pipeline-safe (reads no row count): callers run it in `pipelined()`. `with_lines`: the orders come back with
    their lines (`orders_insert`), for answers that show them.
    `only`, called once the reads are sent: the indexes of the payloads to go on with (the others get None), so
    what decides it (e.g. idempotency keys claimed) goes to PostgreSQL with the reads.
    """
    payload_format = channel.order_format if channel is not None else "oms"
    results: list[IntakeResult | None] = [None] * len(payloads)
    orders: dict[int, NormalizedOrder] = {}
    seen: set[str] = set()
    for index, payload in enumerate(payloads):
        try:
            order = normalize(payload_format, payload_storable(payload))
        except PayloadUnreadable:
            continue
        if order.external_id and order.external_id in seen:
            continue
        seen.add(order.external_id)
        orders[index] = order
    if not orders:
        return results
    # What the checks need, sent at once: one round trip in a pipeline (api/group_commit.py opens one).
    today = account.today()
    taken = _taken_send(account=account, channel=channel, source=source,
                        external_ids=[o.external_id for o in orders.values() if o.external_id])
    prefetched = Prefetched.send(account=account, orders=list(orders.values()), channel=channel)
    live = _live_customers_send(account=account, emails=sorted({o.customer_email for o in orders.values() if o.customer_email}))
    promotions = {today: promotions_send(account=account, on=today)}
    kept = only() if only is not None else None
    taken = {row[0] for row in taken.rows()}
    prefetched, live = prefetched(), live()
    promotions = {on: promotions_with_scopes(sent.rows()) for on, sent in promotions.items()}
    orders = {i: o for i, o in orders.items() if o.external_id not in taken and (kept is None or i in kept)}
    # Without an external id: one whose rejected copy was replayed already is a duplicate, answered alone.
    fingerprints = {i: o.fingerprint(received_on=today) for i, o in orders.items() if not o.external_id}
    replayed = failure_orders_by_fingerprint(
        account=account, source=source, channel=channel, fingerprints=sorted({f for f in fingerprints.values() if f}),
    )
    orders = {i: o for i, o in orders.items() if fingerprints.get(i, "") not in replayed}
    checks = {
        i: order_check(account=account, order=o, channel=channel, source=source, prefetched=prefetched)
        for i, o in orders.items()
    }
    orders = {i: o for i, o in orders.items() if not checks[i].errors}
    if not orders:
        return results
    customers = _customers(account=account, orders=list(orders.values()), found=live)
    drafts = {}
    for index, order in orders.items():
        checked = checks[index]
        draft = _draft(account=account, order=order, checked=checked, channel=channel, source=source,
                       customer=customers.get(order.customer_email))
        if checked.order_date not in promotions:
            promotions[checked.order_date] = promotions_on(account=account, on=checked.order_date)
        draft.promotions = promotions[checked.order_date]
        drafts[index] = draft
    created = orders_insert(account=account, drafts=list(drafts.values()), by=by, with_lines=with_lines)
    source_stats_add(account=account, source=source, channel=channel, accepted=len(created))
    failures_resolve_earlier(
        account=account, source=source, channel=channel, by=by,
        orders={orders[i].external_id: order for i, order in zip(drafts, created) if orders[i].external_id},
        fingerprints={fingerprints[i]: order for i, order in zip(drafts, created) if fingerprints.get(i)},
    )
    for index, order in zip(drafts, created):
        results[index] = IntakeResult(order=order, problems=checks[index].problems)
    return results


def intake_submit_many(
    *, account, payloads: list, source: str = Source.API, channel=None, by=None, keep_faults: bool = False
) -> list[IntakeResult]:
    """Many payloads of one account and door, each answered as it would be alone: the plain ones written together
    (`intake_submit_batch`, a fixed number of queries), the rest (rejected, duplicate, or all of them when they
    cannot be written together) through `intake_submit` one by one. Must run inside the caller's transaction.

    With `keep_faults`, a payload that breaks intake (a bug or an outage, not a bad payload) is kept as a failure to
    retry instead of raising (the webhook inbox: one such payload must not block the others)."""
    results: list[IntakeResult | None] = [None] * len(payloads)
    try:
        with transaction.atomic(), pipelined():
            results = intake_submit_batch(account=account, payloads=payloads, source=source, channel=channel, by=by)
    except (DomainError, DatabaseError) as refused:  # e.g. stock short for one of them: each is taken alone
        logger.info("%d orders not written together (%s); each is taken alone", len(payloads), refused)
    except Exception:
        if not keep_faults:
            raise
        logger.exception("%d orders not written together; each is taken alone", len(payloads))
    for index, payload in enumerate(payloads):
        if results[index] is not None:
            continue
        try:
            with transaction.atomic():
                results[index] = intake_submit(account=account, payload=payload, source=source, channel=channel, by=by)
        except Exception:
            if not keep_faults:
                raise
            logger.exception("Intake of one of %d orders failed; kept to retry", len(payloads))
            results[index] = IntakeResult(failure=failure_record(
                account=account, source=source, channel=channel, payload=payload_storable(payload),
                payload_format=channel.order_format if channel is not None else "oms", retry=True,
                problems=[Problem("server_error", "", "It could not be processed because of an unexpected error "
                                  "(the details are in the server log); it will be tried again.")],
            ))
    return results


def intake_submit_manual(*, account, payload, by) -> IntakeResult:
    """The manual order form's door: the person sees the problems on the form at once, so a rejected order is
    kept for the record but discarded, not left for an operator in the failures list."""
    result = intake_submit(account=account, payload=payload, source=Source.MANUAL, payload_format="oms", by=by)
    if result.failure is not None:
        result.failure = intake_discard(failure=result.failure, by=by)
    return result
