"""Deleting an account's shipping methods and tax jurisdictions: only those no order uses."""

from django.db import transaction

from accounts.services import activity_log
from oms.exceptions import DomainError
from orders.models import ShippingMethod, TaxJurisdiction
from orders.selectors import orders_using, used_by_orders


def _delete_unused(obj, *, field: str, what: str, by) -> None:
    """Delete `obj` (referenced from orders by `field`, called `what` in messages) unless an order uses it."""
    count = orders_using(field=field, value=obj.pk)
    if count:
        raise DomainError(used_by_orders(what=f"{what.capitalize()} {obj.name}", count=count))
    type(obj).objects.filter(pk=obj.pk).delete()
    activity_log(account=obj.account, by=by, action=f"{field}.deleted", summary=f"Deleted {what} {obj.name}")


@transaction.atomic
def shipping_method_delete(*, method: ShippingMethod, by) -> None:
    _delete_unused(method, field="shipping_method", what="shipping method", by=by)


@transaction.atomic
def tax_jurisdiction_delete(*, jurisdiction: TaxJurisdiction, by) -> None:
    _delete_unused(jurisdiction, field="tax_jurisdiction", what="tax jurisdiction", by=by)
