"""Customers due for a re-order: a list with their usual basket and a link to a prefilled clone."""

from django.shortcuts import render

from accounts import roles
from accounts.access import account_view
from orders.reorders import habits_computed_at, reorders_due


@account_view()
def reorders_due_page(request, account, caps):
    customers = reorders_due(account=account)
    return render(
        request,
        "orders/reorders_due.html",
        {"account": account, "customers": customers, "can_clone": roles.WORK_ORDERS in caps,
         "computed_at": habits_computed_at(account=account)},
    )
