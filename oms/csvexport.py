"""Streamed CSV downloads: every row, read in chunks, with cells a spreadsheet could run as a formula escaped."""

import csv
from collections.abc import Iterable

from django.db import connection
from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text cell starting like a formula gets a leading apostrophe (OWASP "CSV injection"); numbers stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Echo:
    """A file for csv.writer that hands back each row's text, to stream it."""

    def write(self, value):
        return value


def csv_response(*, filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """`rows` are read while the body is written, after the view returns: in the request's organization."""
    writer = csv.writer(Echo())
    tenant = connection.tenant

    def lines():
        connection.set_tenant(tenant)
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
