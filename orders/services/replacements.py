"""Declaring the SKU an account sells instead of another (offered on the clone form when a line's SKU is
discontinued or out of stock)."""

from django.db import transaction

from oms.exceptions import DomainError
from orders.models import Variant


def variant_replacement_set(*, account, sku: str, replacement_sku: str | None, by=None) -> Variant:
    """Declare `replacement_sku` as the replacement of `sku` (None or "" clears it). Both must be the account's
    SKUs; a SKU is not its own replacement, and two SKUs do not replace each other."""
    sku, replacement_sku = (sku or "").strip(), (replacement_sku or "").strip()
    with transaction.atomic():
        variant = Variant.objects.select_for_update().filter(account=account, sku=sku).first()
        if variant is None:
            raise DomainError(f"This account has no SKU {sku or '(blank)'}.", field="sku")
        replacement = None
        if replacement_sku:
            replacement = Variant.objects.filter(account=account, sku=replacement_sku).first()
            if replacement is None:
                raise DomainError(f"This account has no SKU {replacement_sku}.", field="replacement")
            if replacement.pk == variant.pk:
                raise DomainError(f"{sku} cannot replace itself.", field="replacement")
            if replacement.replaced_by_id == variant.pk:
                raise DomainError(f"{replacement_sku} is already replaced by {sku}: they cannot replace each other.",
                                  field="replacement")
        variant.replaced_by = replacement
        variant.save(update_fields=["replaced_by"])
    return variant
