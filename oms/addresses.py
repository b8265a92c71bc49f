"""Postal addresses printed the way each country writes them.

US, Canada and Australia put the region and postal code after the city ("Boston, MA 02110"); the UK and a
few others give the postal code its own line; most of Europe and the rest put it before the city ("10115
Berlin"). The country is printed by name.
"""

from functools import cache

import pycountry

_CITY_REGION_CODE = {"US", "CA", "AU"}  # Boston, MA 02110
_CODE_OWN_LINE = {"GB", "IE", "IM", "JE", "GG"}  # London / SW1A 1AA
_CITY_CODE = {"BR", "JP", "KR", "IN"}  # City 00000 (close enough for these)


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=(code or "").strip().upper()) if code else None
    if country is None:
        return code or ""
    return getattr(country, "common_name", None) or country.name


def address_lines(address: dict) -> list[str]:
    """The lines of an address (keys name, line1, line2, city, region, postal_code, country), blanks left out."""
    get = lambda key: str(address.get(key) or "").strip()  # noqa: E731
    city, region, code, country = get("city"), get("region"), get("postal_code"), get("country").upper()
    if country in _CITY_REGION_CODE:
        place = [f"{city}, {region} {code}".strip() if city and region else " ".join(p for p in (city, region, code) if p)]
    elif country in _CODE_OWN_LINE:
        place = [city, region, code]
    elif country in _CITY_CODE:
        place = [" ".join(p for p in (city, code) if p), region]
    else:
        place = [" ".join(p for p in (code, city) if p), region]
    lines = [get("name"), get("line1"), get("line2"), *place, country_name(country)]
    return [line for line in lines if line]
