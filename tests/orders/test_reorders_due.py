"""Customers due for a re-order: the median of their last intervals has passed since their last order, with at
least three orders; the page, the command and a link that opens the clone form with the suggestions applied."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from orders.models import Customer, Order
from orders.reorders import reorders_due as read_due
from orders.services.reorders import reorder_habits_refresh
from tests.factories import make_order


def reorders_due(*, account):
    reorder_habits_refresh(account=account)
    return read_due(account=account)


def customer_orders(shop, name, days_ago, items=None, **fields):
    """Orders of a new customer `name`, one per entry of `days_ago`."""
    customer = Customer.objects.create(account=shop.account, name=name, email=f"{name.lower()}@example.com")
    made = []
    for days in days_ago:
        order = make_order(shop.account, items or [(shop.variants[0], 2), (shop.variants[2], 1)],
                           warehouse=shop.warehouse, customer=customer, customer_name=name, **fields)
        Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
        made.append(order)
    return customer, made


def test_a_customer_past_their_usual_interval_is_due_with_their_usual_basket(shop):
    customer, orders = customer_orders(shop, "Maya", [70, 40, 42])  # gaps 28 and 2: every 15 days
    customer_orders(shop, "Early", [30, 20, 10])  # every 10 days, last 10 days ago: due today
    customer_orders(shop, "Fresh", [21, 11, 1])  # every 10 days, last yesterday: not yet
    due = {c.name: c for c in reorders_due(account=shop.account)}
    assert set(due) == {"Maya", "Early"}
    maya = due["Maya"]
    assert maya.orders == 3 and round(maya.usual_days) == 15 and maya.last_number == orders[1].number
    assert maya.basket == [("TEE-0", 2), ("TEE-2", 1)]
    assert maya.overdue_days == 25
    assert list(due) == ["Maya", "Early"]  # the longest overdue first


def test_a_customer_with_fewer_than_three_orders_is_never_due(shop):
    customer_orders(shop, "Two", [400, 200])
    customer_orders(shop, "One", [900])
    assert reorders_due(account=shop.account) == []


def test_cancelled_orders_and_simulations_do_not_count(shop):
    _, orders = customer_orders(shop, "Maya", [90, 60, 30])
    Order.objects.filter(pk=orders[0].pk).update(status="cancelled")
    assert reorders_due(account=shop.account) == []


def test_the_basket_keeps_skus_on_half_the_orders_at_their_median_quantity(shop):
    customer, _ = customer_orders(shop, "Maya", [100, 70], items=[(shop.variants[0], 3)])
    order = make_order(shop.account, [(shop.variants[0], 5), (shop.variants[1], 1)], warehouse=shop.warehouse,
                       customer=customer, customer_name="Maya")
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    (maya,) = reorders_due(account=shop.account)
    assert maya.basket == [("TEE-0", 3)]  # TEE-1 is on one order of three


def test_the_page_links_to_the_clone_form_with_the_suggestions_applied(shop, world, other_world):
    _, orders = customer_orders(shop, "Maya", [100, 70, 40])
    client = world.client_for(world.agent)
    url = reverse("reorders_due", args=[shop.account.pk])
    assert "Not computed yet" in client.get(url).content.decode()
    reorder_habits_refresh(account=shop.account)
    html = client.get(url).content.decode()
    link = reverse("order_clone", args=[shop.account.pk, orders[2].number]) + "?apply=all"
    assert "Maya" in html and "every 30.0 days" in html and link in html and "2 × TEE-0, 1 × TEE-2" in html
    assert client.get(link).status_code == 200
    # A viewer sees the list without the link; another organization's agent gets 404.
    assert link not in world.client_for(world.viewer).get(url).content.decode()
    assert other_world.client_for(other_world.agent).get(url).status_code == 404


@pytest.mark.parametrize("customers", [1, 6])
def test_the_page_reads_a_fixed_number_of_queries(shop, world, customers, django_assert_max_num_queries):
    for i in range(customers):
        customer_orders(shop, f"C{i}", [100, 70, 40])
    assert len(reorders_due(account=shop.account)) == customers
    client = world.client_for(world.agent)
    client.get(reverse("reorders_due", args=[shop.account.pk]))
    with django_assert_max_num_queries(15):
        client.get(reverse("reorders_due", args=[shop.account.pk]))


def test_the_command_lists_them_as_text_and_json(shop, world):
    customer_orders(shop, "Maya", [100, 70, 40])
    out = StringIO()
    call_command("reorders_due", "--org", world.org.schema_name, "--account", shop.account.code, stdout=out)
    assert "No customer of ACME-STORE is due" in out.getvalue()  # not computed yet
    out = StringIO()
    call_command("reorders_due", "--org", world.org.schema_name, "--account", shop.account.code, "--refresh",
                 stdout=out)
    assert "Maya: last order" in out.getvalue() and "every 30.0 days" in out.getvalue()
    out = StringIO()
    call_command("reorders_due", "--org", world.org.schema_name, "--account", shop.account.code, "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["customer"] == "Maya" and row["basket"] == [{"sku": "TEE-0", "quantity": 2}, {"sku": "TEE-2", "quantity": 1}]


def test_the_command_refuses_an_unknown_account_in_one_line(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No account has the code"):
        call_command("reorders_due", "--org", world.org.schema_name, "--account", "NOPE", stdout=StringIO())


def test_a_customer_who_ordered_since_the_computation_is_not_due(shop):
    customer, _ = customer_orders(shop, "Maya", [100, 70, 40])
    assert [c.name for c in reorders_due(account=shop.account)] == ["Maya"]
    make_order(shop.account, [(shop.variants[0], 2)], warehouse=shop.warehouse, customer=customer)
    assert read_due(account=shop.account) == []


def test_the_recurring_job_computes_the_habits(shop):
    from accounts.jobs.runners import RunContext, runner_for
    from accounts.models import RecurringJob

    customer_orders(shop, "Maya", [100, 70, 40])
    customer_orders(shop, "Two", [100, 70])
    job = RecurringJob.objects.create(account=shop.account, job_type="reorder_habits", interval_minutes=60)
    ctx = RunContext(job=job, now=timezone.now(), renew=lambda _: True, lease_seconds=60)
    result = runner_for("reorder_habits")(ctx)
    assert result.message == "1 customer(s) with at least three orders."
    assert [c.name for c in read_due(account=shop.account)] == ["Maya"]
