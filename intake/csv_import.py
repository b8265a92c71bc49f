"""CSV order import: one row per order line, rows with the same external_id make one order.

Each order becomes an "oms"-format payload (intake/adapters/oms.py) and goes through the one entry flow with
source CSV: good orders are created, bad ones kept as failures with every reason (replayable from the intake
page), orders already imported are skipped. A file whose header is wrong is refused as a whole.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from intake.models import IntakeFailure, Source
from intake.services import intake_submit
from oms.exceptions import DomainError
from orders.models import Order

COLUMNS = [
    "external_id", "order_date", "customer_name", "customer_email", "customer_phone", "ship_name", "ship_line1",
    "ship_line2", "ship_city", "ship_region", "ship_postal_code", "ship_country", "sku", "quantity", "unit_price",
    "carrier_code", "service_code",
]
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
            f"{len(self.created)} order(s) created, {len(self.rejected)} rejected, "
            f"{len(self.duplicates)} already imported."
        )


def _header(reader: csv.reader) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise DomainError("The file is empty: it needs a header row and one row per order line.", field="file") from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(c or '(blank)' for c in unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise DomainError(
            f"Nothing was imported: the header has {'; '.join(problems)}. The columns are: {', '.join(COLUMNS)}.",
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
            {"sku": row["sku"], "quantity": row["quantity"], "unit_price": row["unit_price"] or None} for row in rows
        ],
        "carrier_code": first["carrier_code"],
        "service_code": first["service_code"],
    }


def orders_import_csv(*, account, text: str, by=None) -> CsvImportResult:
    """Import the orders of a CSV file. Raises DomainError (nothing imported) when the file itself is wrong."""
    result = CsvImportResult()
    for numbers, rows in _groups(text):
        outcome = intake_submit(
            account=account, payload=csv_payload(rows), source=Source.CSV, payload_format="oms", by=by
        )
        if outcome.order is not None:
            result.created.append(outcome.order)
        elif outcome.duplicate_of is not None:
            result.duplicates.append(outcome.duplicate_of)
        else:
            result.rejected.append(CsvRejected(rows[0]["external_id"], numbers, outcome.failure))
    return result


def csv_decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("Nothing was imported: the file is not UTF-8 text.", field="file") from None
