"""Customers due for a re-order: a list with their usual basket and a link to a prefilled clone."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

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


@account_view(roles.WORK_ORDERS)
@require_POST
def reorders_due_refresh(request, account, caps):
    from orders.tasks import reorder_habits_refresh_task

    transaction.on_commit(lambda: reorder_habits_refresh_task.delay(account.pk))
    messages.success(request, "The usual intervals are being computed again; reload this page in a minute to see them.")
    return redirect("reorders_due", account_id=account.pk)
