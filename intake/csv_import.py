"""CSV order import: one row per order line, rows with the same external_id make one order.

Each order becomes an "oms"-format payload (intake/adapters/oms.py) and goes through the one entry flow with
source CSV: good orders are created, bad ones kept as failures with every reason (replayable from the intake
page), orders already imported are skipped. A file whose header is wrong is refused as a whole.

An upload is checked at once (header, size, readable CSV) and stored as a CsvImport; a Celery task
(intake/tasks.py) imports its orders in the background and reports progress on it for the status page.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from intake.models import CsvImport, IntakeFailure, Source
from intake.services import intake_submit
from oms.exceptions import DomainError
from orders.models import Order
from oms.text import count_of

COLUMNS = [
    "external_id", "order_date", "customer_name", "customer_email", "customer_phone", "ship_name", "ship_line1",
    "ship_line2", "ship_city", "ship_region", "ship_postal_code", "ship_country", "sku", "quantity", "unit_price",
    "carrier_code", "service_code",
]
# Optional: what a channel charged. Per row (line): its discount and tax; per order (its first row): the
# shipping price and tax, the channel's total, and "yes" in taxes_included when prices include tax.
CHARGED_COLUMNS = ["line_discount", "line_tax", "shipping_price", "shipping_tax", "order_total", "taxes_included"]
MAX_ROWS = 10_000


@dataclass
class CsvRejected:
    external_id: str
    rows: list[int]  # row numbers in the file (the header is row 1)
    failure: IntakeFailure

    @property
    def reasons(self) -> list[str]:
        return [r["message"] for r in self.failure.reasons]


@dataclass
class CsvImportResult:
    created: list[Order] = field(default_factory=list)
    rejected: list[CsvRejected] = field(default_factory=list)
    duplicates: list[Order] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"{count_of(len(self.created), 'order')} created, {len(self.rejected)} rejected, "
            f"{len(self.duplicates)} already imported."
        )


def _header(reader: csv.reader) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise DomainError("The file is empty: it needs a header row and one row per order line.", field="file") from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS and c not in CHARGED_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) != 1 else ''} {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column{'s' if len(unknown) != 1 else ''} {', '.join(c or '(blank)' for c in unknown)}")
    if repeated:
        problems.append(f"repeated column{'s' if len(repeated) != 1 else ''} {', '.join(repeated)}")
    if problems:
        raise DomainError(
            f"Nothing was imported: the header has {'; '.join(problems)}. The columns are: {', '.join(COLUMNS)} "
            f"(and, optional, {', '.join(CHARGED_COLUMNS)}).",
            field="file",
        )
    return header


def _groups(text: str) -> list[tuple[list[int], list[dict[str, str]]]]:
    """Rows grouped into orders by external_id, in the file's order; a row without one is an order alone."""
    try:
        return _read(text)
    except csv.Error as error:
        raise DomainError(f"Nothing was imported: the file is not readable CSV ({error}).", field="file") from None


def _read(text: str) -> list[tuple[list[int], list[dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text))
    header = _header(reader)
    groups: dict[str, tuple[list[int], list[dict[str, str]]]] = {}
    alone = 0
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines
        number = reader.line_num
        if len(row) > len(header):
            raise DomainError(f"Nothing was imported: row {number} has more fields than the header.", field="file")
        if number > MAX_ROWS + 1:
            raise DomainError(f"Nothing was imported: at most {MAX_ROWS:,} rows a file.", field="file")
        values = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        key = values["external_id"]
        if not key:
            alone += 1
            key = f"\0{alone}"
        numbers, rows = groups.setdefault(key, ([], []))
        numbers.append(number)
        rows.append(values)
    if not groups:
        raise DomainError("The file has a header but no rows.", field="file")
    return list(groups.values())


def _charged_line(row: dict[str, str]) -> dict:
    line = {}
    if row.get("line_discount"):
        line["discounts"] = [{"title": "Discount", "amount": row["line_discount"]}]
    if row.get("line_tax"):
        line["taxes"] = [{"title": "Tax", "amount": row["line_tax"]}]
    return line


def _charged_order(first: dict[str, str]) -> dict:
    order = {}
    if first.get("shipping_price") or first.get("shipping_tax"):
        taxes = [{"title": "Shipping tax", "amount": first["shipping_tax"]}] if first.get("shipping_tax") else []
        order["shipping_lines"] = [{"title": "Shipping", "price": first.get("shipping_price") or "0", "taxes": taxes}]
    if first.get("order_total"):
        order["total"] = first["order_total"]
    if first.get("taxes_included"):
        order["taxes_included"] = first["taxes_included"].lower()
    return order


def csv_payload(rows: list[dict[str, str]]) -> dict:
    """One order in the OMS's own format; order fields come from its first row."""
    first = rows[0]
    return {
        "external_id": first["external_id"],
        "order_date": first["order_date"] or None,
        "customer": {"name": first["customer_name"], "email": first["customer_email"], "phone": first["customer_phone"]},
        "shipping_address": {
            "name": first["ship_name"], "line1": first["ship_line1"], "line2": first["ship_line2"],
            "city": first["ship_city"], "region": first["ship_region"], "postal_code": first["ship_postal_code"],
            "country": first["ship_country"],
        },
        "lines": [
            {"sku": row["sku"], "quantity": row["quantity"], "unit_price": row["unit_price"] or None,
             **_charged_line(row)} for row in rows
        ],
        "carrier_code": first["carrier_code"],
        "service_code": first["service_code"],
        **_charged_order(first),
    }


Progress = Callable[[CsvImportResult], None]


def orders_import_csv(
    *, account, text: str, by=None, skip: int = 0, progress: Progress | None = None
) -> CsvImportResult:
    """Import the orders of a CSV file, after the first `skip` (already done by an earlier run); `progress` is
    called with the result so far after each order. Raises DomainError (nothing imported) when the file itself
    is wrong."""
    result = CsvImportResult()
    for numbers, rows in _groups(text)[skip:]:
        outcome = intake_submit(
            account=account, payload=csv_payload(rows), source=Source.CSV, payload_format="oms", by=by
        )
        if outcome.order is not None:
            result.created.append(outcome.order)
        elif outcome.duplicate_of is not None:
            result.duplicates.append(outcome.duplicate_of)
        else:
            result.rejected.append(CsvRejected(rows[0]["external_id"], numbers, outcome.failure))
        if progress is not None:
            progress(result)
    return result


def csv_decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("Nothing was imported: the file is not UTF-8 text.", field="file") from None


# In the background: the upload is stored, a worker imports it and reports progress -------------------------

STALE_RUN = timedelta(minutes=15)  # a run without progress for this long lost its worker: it may be taken over
PROGRESS_EVERY = 25  # orders, or
PROGRESS_SECONDS = 1.0  # seconds, whichever comes first


def csv_import_request(*, account, text: str, filename: str, by) -> CsvImport:
    """Check the file now (a wrong one raises DomainError and nothing is stored), store it and queue its import
    after commit."""
    from intake.tasks import csv_import_task

    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL; intake drops it from payloads anyway
    total = len(_groups(text))
    csv_import = CsvImport.objects.create(
        account=account, uploaded_by=by if getattr(by, "pk", None) else None, filename=filename[:255],
        content=text, total=total,
    )
    transaction.on_commit(lambda: csv_import_task.delay(csv_import.pk))
    return csv_import


def _as_json(result: CsvImportResult) -> dict:
    return {
        "created": [order.number for order in result.created],
        "rejected": [
            {"external_id": r.external_id, "rows": r.rows, "failure_id": r.failure.pk, "reasons": r.reasons}
            for r in result.rejected
        ],
        "duplicates": [order.number for order in result.duplicates],
    }


def _merged(earlier: dict, result: CsvImportResult) -> dict:
    now = _as_json(result)
    return {key: [*earlier.get(key, []), *now[key]] for key in ("created", "rejected", "duplicates")}


def _counts(result: dict) -> dict[str, int]:
    return {key: len(result[key]) for key in ("created", "rejected", "duplicates")}


def csv_import_run(*, import_id: int) -> CsvImport:
    """Import a queued upload once: a second call (a redelivered task) finds it claimed and does nothing.

    Progress and the outcomes so far are stored every PROGRESS_EVERY orders or PROGRESS_SECONDS, so a run left
    "running" by a worker that died is taken over after STALE_RUN without progress and goes on after the last
    stored order (the few orders after it are submitted again: those with an external id come back as
    already imported)."""
    Status = CsvImport.Status
    now = timezone.now()
    claimed = (
        CsvImport.objects.filter(pk=import_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, updated_at__lt=now - STALE_RUN))
        .update(status=Status.RUNNING, started_at=now, updated_at=now)
    )
    csv_import = CsvImport.objects.select_related("account", "uploaded_by").get(pk=import_id)
    if not claimed:
        return csv_import

    earlier, skip = csv_import.result or {}, csv_import.processed
    state = {"result": CsvImportResult(), "saved": 0, "at": time.monotonic()}

    def save(**fields) -> None:
        result = state["result"]
        merged = _merged(earlier, result)
        done = len(result.created) + len(result.rejected) + len(result.duplicates)
        CsvImport.objects.filter(pk=import_id).update(
            processed=skip + done, result=merged, updated_at=timezone.now(), **_counts(merged), **fields
        )
        state.update(saved=done, at=time.monotonic())

    def progress(result: CsvImportResult) -> None:
        state["result"] = result
        done = len(result.created) + len(result.rejected) + len(result.duplicates)
        if done - state["saved"] >= PROGRESS_EVERY or time.monotonic() - state["at"] >= PROGRESS_SECONDS:
            save()

    try:
        orders_import_csv(
            account=csv_import.account, text=csv_import.content, by=csv_import.uploaded_by, skip=skip,
            progress=progress,
        )
    except Exception as error:  # noqa: BLE001  (kept on the import for its page; the orders imported stay)
        message = error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
        save(status=Status.FAILED, error=message[:2000], finished_at=timezone.now())
    else:
        save(status=Status.DONE, finished_at=timezone.now())
    csv_import.refresh_from_db()
    return csv_import


def csv_import_get_for_account(*, account, import_id) -> CsvImport:
    """The import if it belongs to `account`; the same 404 for 'missing' and 'another account's'."""
    try:
        return CsvImport.objects.select_related("uploaded_by").defer("content").get(account=account, pk=int(import_id))
    except (CsvImport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such CSV import.") from None


def csv_imports_recent(*, account, limit: int = 5):
    """The account's last uploads, newest first (without their content)."""
    return CsvImport.objects.filter(account=account).select_related("uploaded_by").defer("content", "result")[:limit]
