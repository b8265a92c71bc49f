"""Deleting an account's shipping methods and tax jurisdictions: only those no order uses."""

from django.db import transaction

from accounts.services import activity_log
from oms.exceptions import DomainError
from orders.models import ShippingMethod, TaxJurisdiction
from orders.selectors import orders_using, used_by_orders


@transaction.atomic
def shipping_method_delete(*, method: ShippingMethod, by) -> None:
    count = orders_using(field="shipping_method", value=method.pk)
    if count:
        raise DomainError(used_by_orders(what=f"Shipping method {method.name}", count=count))
    ShippingMethod.objects.filter(pk=method.pk).delete()
    activity_log(account=method.account, by=by, action="shipping_method.deleted",
                 summary=f"Deleted shipping method {method.name}")


@transaction.atomic
def tax_jurisdiction_delete(*, jurisdiction: TaxJurisdiction, by) -> None:
    count = orders_using(field="tax_jurisdiction", value=jurisdiction.pk)
    if count:
        raise DomainError(used_by_orders(what=f"Tax jurisdiction {jurisdiction.name}", count=count))
    TaxJurisdiction.objects.filter(pk=jurisdiction.pk).delete()
    activity_log(account=jurisdiction.account, by=by, action="tax_jurisdiction.deleted",
                 summary=f"Deleted tax jurisdiction {jurisdiction.name}")
