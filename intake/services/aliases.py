"""SKU aliases: another system's SKU mapped to one of the account's, used by later payloads and replays."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from intake.models import SkuAlias
from oms.exceptions import DomainError
from orders.models import Variant


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
