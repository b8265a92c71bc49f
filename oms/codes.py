"""Standard codes, checked in one place by every door: ISO 4217 currencies and ISO 3166-1 alpha-2 countries.

The lists are pycountry's (kept up to date with the ISO tables); a check reads them in memory and never
queries the database. Codes are compared in capitals, as the doors store them.
"""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError

# ISO 4217 codes that are not money an order can be paid in: "testing" and "no currency".
NOT_MONEY = {"XTS", "XXX"}


@cache
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - NOT_MONEY


def country_problem(value: str) -> str | None:
    """Why `value` is not an ISO 3166-1 alpha-2 country code, in operator words; None if it is one."""
    if str(value).strip().upper() in country_codes():
        return None
    return f"“{value}” is not a country code; use a two-letter ISO code such as US."


def currency_problem(value: str) -> str | None:
    """Why `value` is not an ISO 4217 currency code, in operator words; None if it is one."""
    if str(value).strip().upper() in currency_codes():
        return None
    return f"“{value}” is not a currency code; use a three-letter ISO 4217 code such as USD."


def currency_mismatch(*, currency: str, account) -> str | None:
    """Why an order in `currency` is refused by `account`: an account with a currency takes orders in it only."""
    if not account.currency or currency.upper() == account.currency:
        return None
    return (
        f"The order is in {currency.upper()}, but {account.name} takes orders in {account.currency} only; "
        f"send it in {account.currency} or clear the account's currency."
    )


def validate_country(value: str) -> None:
    """Model and form field validator (blank values are left to the field's `blank`)."""
    if value and (problem := country_problem(value)):
        raise ValidationError(problem, code="invalid_country")


def validate_currency(value: str) -> None:
    if value and (problem := currency_problem(value)):
        raise ValidationError(problem, code="invalid_currency")


@cache
def _subdivisions(country: str) -> dict[str, str]:
    """{"NY": "US-NY", "US-NY": "US-NY", "NEW YORK": "US-NY", ...} for one country (empty if it has none)."""
    names: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        names[sub.code.upper()] = sub.code
        names[sub.code.split("-", 1)[1].upper()] = sub.code
        names.setdefault(sub.name.upper(), sub.code)
    return names


def subdivision_code(country: str, region: str) -> str | None:
    """The ISO 3166-2 code of an address's region, given as its code ("NY", "US-NY") or its name ("New York");
    None when the region is blank or not one of the country's subdivisions."""
    country, region = str(country).strip().upper(), " ".join(str(region).split()).upper()
    if not country or not region or country not in country_codes():
        return None
    return _subdivisions(country).get(region)


@cache
def country_name(code: str) -> str:
    """The country's common name for a code ("US" → "United States"); the code itself when unknown."""
    country = pycountry.countries.get(alpha_2=(code or "").upper()) if code else None
    return getattr(country, "common_name", None) or getattr(country, "name", None) or code
