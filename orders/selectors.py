"""Reads of orders. Every selector takes the account; ids from users go through `order_get_for_user`."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from accounts import roles
from accounts.selectors import account_capabilities
from orders.models import Order, OrderLine


def order_get_for_user(*, user, account, number: str, capability: str = roles.VIEW) -> Order:
    """The order `number` of `account` if the user may see it. The same 404 for missing and not yours;
    403 when the user sees the account but their role lacks `capability`."""
    from django.http import Http404

    caps = account_capabilities(user=user, account=account)
    if roles.VIEW not in caps:
        raise Http404("No such order.")
    order = (
        Order.objects.filter(account=account, number=number)
        .select_related("account", "warehouse", "shipping_method", "tax_jurisdiction", "customer", "cloned_from")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")))
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    if capability not in caps:
        raise PermissionDenied("Your role cannot do this with orders.")
    return order
