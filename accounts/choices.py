"""Choices of account settings, and which units go together."""

import zoneinfo
from functools import cache

from django.db import models


class LicenseType(models.TextChoices):
    STANDARD = "standard", "Standard"
    PROFESSIONAL = "professional", "Professional"
    ENTERPRISE = "enterprise", "Enterprise"


class SizeUnit(models.TextChoices):
    MILLIMETER = "mm", "Millimeter"
    CENTIMETER = "cm", "Centimeter"
    METER = "m", "Meter"
    INCH = "in", "Inch"
    FOOT = "ft", "Foot"


class VolumeUnit(models.TextChoices):
    CUBIC_CENTIMETER = "cm3", "Cubic centimeter"
    LITER = "l", "Liter"
    CUBIC_METER = "m3", "Cubic meter"
    CUBIC_INCH = "in3", "Cubic inch"
    CUBIC_FOOT = "ft3", "Cubic foot"


class WeightUnit(models.TextChoices):
    GRAM = "g", "Gram"
    KILOGRAM = "kg", "Kilogram"
    OUNCE = "oz", "Ounce"
    POUND = "lb", "Pound"


# The allowed combinations: size, volume and weight all come from one system of measurement, so that
# dimensional weight and volume computed from sizes stay in the same system as the weights.
METRIC_UNITS = {"size": ("mm", "cm", "m"), "volume": ("cm3", "l", "m3"), "weight": ("g", "kg")}
IMPERIAL_UNITS = {"size": ("in", "ft"), "volume": ("in3", "ft3"), "weight": ("oz", "lb")}


def unit_system(*, size: str, volume: str, weight: str) -> str | None:
    """'metric' or 'imperial' when the three units belong to one system, else None."""
    for name, units in (("metric", METRIC_UNITS), ("imperial", IMPERIAL_UNITS)):
        if size in units["size"] and volume in units["volume"] and weight in units["weight"]:
            return name
    return None


class MasterProductSource(models.TextChoices):
    OMS = "oms", "This system"
    SALES_CHANNEL = "sales_channel", "Sales channel"
    FULFILLMENT_CHANNEL = "fulfillment_channel", "Fulfillment channel"


class ValidationLevel(models.TextChoices):
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


# (field prefix, label) of each document type the API validation rules cover.
VALIDATED_DOCUMENTS = [
    ("sales_order", "Sales orders"),
    ("shipment", "Shipments"),
    ("purchase_order", "Purchase orders"),
    ("receipt", "Receipts"),
]
VALIDATED_CODES = [("carrier", "Carrier code"), ("service", "Service code")]
API_RULE_FIELDS = [f"{doc}_{code}_rule" for doc, _ in VALIDATED_DOCUMENTS for code, _ in VALIDATED_CODES] + [
    "sales_order_total_rule",  # a channel's total that its parts do not add up to
]


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]
