"""Types shared by the API's schemas: bounded text, addresses, money, opaque cursors.

Text fields carry the widths of the columns they end in, so an over-long value is a 422 naming the field, never a
database error. Query and path text is refused when it holds NUL characters (PostgreSQL cannot take them; JSON
bodies are checked while parsing, see api/core.py).
"""

import base64
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from api.errors import ApiError


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters")
    return value


def text(max_length: int):
    """A string of at most `max_length` characters, without NUL characters."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(_no_nul)]


_ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")


def _iso_text(value):
    """Only ISO 8601 text: pydantic would also take a number as seconds since 1970."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_START.match(value):
        raise ValueError("Use an ISO 8601 date and time, e.g. 2026-11-23T10:00:00Z")
    return value


def _reasonable_datetime(value: dt.datetime) -> dt.datetime:
    if not 1000 <= value.year <= 9998:
        raise ValueError("Use a date between the years 1000 and 9998")
    # In UTC: PostgreSQL takes offsets up to ±15:59 only, Python up to ±23:59.
    return value.astimezone(dt.UTC) if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


Str2, Str3, Str20, Str30, Str40, Str64, Str100, Str200, Str255, Str254 = (
    text(n) for n in (2, 3, 20, 30, 40, 64, 100, 200, 255, 254)
)
Notes = text(10_000)

# A timestamp for filters: ISO 8601 text; without an offset it is taken as UTC, a date alone as its midnight.
Timestamp = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_reasonable_datetime)]

# Amounts: JSON numbers or strings ("12.50"); bounded so no arithmetic on them can overflow.
Money = Annotated[Decimal, Field(ge=Decimal("-1000000000"), le=Decimal("1000000000"))]

# Amounts in answers: decimal strings with two decimals (every money column has two), never JSON numbers, so
# no client reads them through a float.
MONEY_PATTERN = r"^-?\d+\.\d{2}$"
MoneyText = Annotated[str, Field(pattern=MONEY_PATTERN, description="An amount as a decimal string", examples=["12.50"])]


def money_text(value: Decimal) -> str:
    """12.5 -> "12.50": fixed-point, two decimals, as `MoneyText` documents."""
    return f"{value:.2f}"


class In(BaseModel):
    """Request bodies: plain pydantic models, so an object is required where one is declared (ninja's Schema
    would read attributes off any value, taking "Ada" for an empty customer). Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


class AddressIn(In):
    name: Str200 | None = None
    line1: Str200 | None = None
    line2: Str200 | None = None
    city: Str100 | None = None
    region: Str100 | None = None
    postal_code: Str20 | None = None
    country: Str2 | None = Field(None, description="Two-letter ISO code, e.g. US")

    def as_dict(self) -> dict[str, str]:
        return {name: (value or "") for name, value in self.model_dump().items()}


class AddressOut(Schema):
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


def cursor_encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def cursor_decode(token: str) -> str:
    """The cursor's content; a token that is not one of ours is a 422 (never silently the first page)."""
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid_cursor", "This cursor is not one the API gave out.", field="cursor") from None
