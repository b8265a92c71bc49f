"""Bulk actions from the order list: each order goes through the per-order service in its own transaction, so a
mixed selection ends with some done and the rest refused with their reasons, and one order failing leaves the
others as they were. The selection is ids or the list's filter; the bar is for those who work orders; cancelling
in bulk asks first naming the count; the service's queries grow by a fixed number per order."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import StockLevel
from oms.exceptions import DomainError
from orders.models import BulkAction, Order
from orders.selectors import OrderFilters
from orders.services import actions as action_services
from orders.services.bulk import orders_bulk_apply
from tests.conftest import in_tenant
from tests.factories import ProductFactory, VariantFactory, make_order, stock


@pytest.fixture
def five(world, desk):
    """desk.order plus four more allocated orders of 1 lamp each (7 of 10 allocated)."""
    return [desk.order] + [make_order(desk.account, [(desk.variant, 1)], warehouse=desk.main) for _ in range(4)]


def statuses(orders) -> list[str]:
    found = dict(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("pk", "status"))
    return [found[o.pk] for o in orders]


def test_a_mixed_selection_is_done_where_it_can_be_and_refused_with_reasons(world, desk, five):
    Order.objects.filter(pk=five[1].pk).update(status=Order.Status.SHIPPED)
    action_services.order_hold(order=five[2], by=world.agent, reason="earlier")

    summary = orders_bulk_apply(account=desk.account, by=world.agent, action="hold", params={"reason": "stock count"},
                                order_ids=[o.pk for o in five])

    assert summary.done == 3
    assert sorted(summary.refused, key=lambda r: r["number"]) == [
        {"number": five[1].number, "reason": f"{five[1].number} has shipped: it can no longer be put on hold."},
        {"number": five[2].number, "reason": f"{five[2].number} is on hold: it is already held."},
    ]
    assert statuses(five) == ["on_hold", "shipped", "on_hold", "on_hold", "on_hold"]


def test_one_order_failing_half_way_leaves_it_and_the_others_as_they_were(world, desk, five, monkeypatch):
    real_event = action_services._event
    victim = five[3]

    def failing_event(order, **kwargs):
        if order.pk == victim.pk:
            raise RuntimeError("disk full")  # after the tags were saved: the transaction must undo them
        return real_event(order, **kwargs)

    monkeypatch.setattr(action_services, "_event", failing_event)

    summary = orders_bulk_apply(account=desk.account, by=world.agent, action="add_tag", params={"tag": "audit"},
                                order_ids=[o.pk for o in five])

    assert summary.done == 4
    assert [r["number"] for r in summary.refused] == [victim.number]
    assert "nothing was changed on it" in summary.refused[0]["reason"]
    tags = dict(Order.objects.filter(pk__in=[o.pk for o in five]).values_list("pk", "tags"))
    assert [tags[o.pk] for o in five] == [["audit"], ["audit"], ["audit"], [], ["audit"]]


def test_a_filter_selects_every_matching_order_of_the_account_only(world, desk, five):
    for order in five[:3]:
        action_services.order_hold(order=order, by=world.agent, reason="check")
    make_order(world.outlet, [(desk.variant, 1)])  # another account's: never touched

    summary = orders_bulk_apply(account=desk.account, by=world.agent, action="release", params={"reason": "ok"},
                                filter=OrderFilters(status="on_hold"))

    assert (summary.done, summary.refused) == (3, [])
    assert statuses(five) == ["allocated"] * 5


def test_bad_parameters_or_a_viewer_touch_nothing(world, desk, five):
    ids = [o.pk for o in five]
    for by, action, params, message in [
        (world.agent, "hold", {"reason": " "}, "Give a reason"),
        (world.agent, "explode", {}, "Choose an action"),
        (world.agent, "assign_warehouse", {"warehouse": str(world.outlet.default_warehouse_id)}, "active warehouses"),
        (world.agent, "assign_agent", {"user": str(world.viewer.pk)}, "can work orders"),
        (world.viewer, "hold", {"reason": "x"}, "Your role cannot change orders"),
    ]:
        with pytest.raises(DomainError, match=message):
            orders_bulk_apply(account=desk.account, by=by, action=action, params=params, order_ids=ids)
    assert statuses(five) == ["allocated"] * 5


def test_assign_warehouse_and_agent_in_bulk(world, desk, five):
    moved = orders_bulk_apply(account=desk.account, by=world.agent, action="assign_warehouse",
                              params={"warehouse": str(desk.east.pk)}, order_ids=[o.pk for o in five])
    assert moved.done == 4  # newest first: the four orders of 1 lamp; East has 4 lamps
    assert [r["number"] for r in moved.refused] == [five[0].number]  # 3 lamps: none left
    assert "Not enough stock in East" in moved.refused[0]["reason"]

    assigned = orders_bulk_apply(account=desk.account, by=world.agent, action="assign_agent",
                                 params={"user": str(world.account_admin.pk)}, order_ids=[o.pk for o in five])
    assert assigned.done == 5
    assert set(Order.objects.filter(pk__in=[o.pk for o in five]).values_list("assigned_to", flat=True)) == {
        world.account_admin.pk
    }


def test_the_bulk_service_costs_a_fixed_number_of_queries_per_order(world, desk, django_assert_max_num_queries):
    orders = [make_order(desk.account, [(desk.variant, 1)], warehouse=desk.main) for _ in range(6)]

    def cost(selection) -> int:
        with CaptureQueriesContext(connection) as queries:
            summary = orders_bulk_apply(account=desk.account, by=world.agent, action="add_tag",
                                        params={"tag": f"t{len(selection)}"}, order_ids=[o.pk for o in selection])
        assert summary.done == len(selection)
        return len(queries)

    cost(orders[:1])  # the user's role is read once, then known
    two, six = cost(orders[:2]), cost(orders)
    assert six - two == 4 * 5  # per order: savepoint, lock, update, event, release
    with django_assert_max_num_queries(2 + 5 * 6):  # the selection and one read per 100 orders, then 5 per order
        orders_bulk_apply(account=desk.account, by=world.agent, action="add_tag", params={"tag": "pinned"},
                          order_ids=[o.pk for o in orders])


# The list's bar and the bulk pages


def list_page(world, user, **query):
    response = world.client_for(user).get(reverse("order_list", args=[world.store.pk]), query)
    in_tenant(world.org)
    return response.content.decode()


def test_the_bar_and_checkboxes_are_for_those_who_work_orders(world, desk, five):
    agent_page = list_page(world, world.agent, status="allocated")
    assert 'id="bulk-form"' in agent_page
    assert len(re.findall(r'name="orders" value="\d+" form="bulk-form"', agent_page)) == 5
    assert "Select all 5 orders matching this filter" in " ".join(agent_page.split())
    viewer_page = list_page(world, world.viewer)
    assert 'id="bulk-form"' not in viewer_page and 'name="orders"' not in viewer_page


def test_bulk_pages_role_matrix(world, other_world, desk, five):
    bulk_url = reverse("order_bulk", args=[desk.account.pk])
    data = {"action": "hold", "reason": "x", "orders": [str(o.pk) for o in five]}

    assert world.client_for(world.viewer).post(bulk_url, data).status_code == 403
    assert world.client_for(world.outsider).post(bulk_url, data).status_code == 404
    foreign = world.client_for(other_world.admin)
    assert foreign.post(bulk_url, data).status_code == 404
    in_tenant(world.org)
    assert statuses(five) == ["allocated"] * 5

    response = world.client_for(world.agent).post(bulk_url, data)
    in_tenant(world.org)
    bulk = BulkAction.objects.get(account=desk.account)
    assert response.status_code == 302
    assert response["Location"] == reverse("order_bulk_status", args=[desk.account.pk, bulk.pk])
    assert (bulk.status, bulk.done, bulk.requested_by) == ("done", 5, world.agent)
    status_url = response["Location"]
    page = world.client_for(world.agent).get(status_url)
    assert page.status_code == 200 and "Put on hold: 5 orders done." in page.content.decode()
    in_tenant(world.org)
    assert world.client_for(world.viewer).get(status_url).status_code == 403
    outlet_status = reverse("order_bulk_status", args=[world.outlet.pk, bulk.pk])
    assert world.client_for(world.admin).get(outlet_status).status_code == 404  # another account's bulk id
    assert world.client_for(other_world.admin).get(status_url).status_code == 404


def test_cancelling_in_bulk_asks_first_naming_the_count(world, desk, five):
    client = world.client_for(world.agent)
    bulk_url = reverse("order_bulk", args=[desk.account.pk])
    data = {"action": "cancel", "reason": "duplicates", "all_matching": "yes", "filter": "status=allocated"}

    asked = client.post(bulk_url, data)
    assert asked.status_code == 200
    assert "5 orders will be cancelled" in asked.content.decode()
    in_tenant(world.org)
    assert statuses(five) == ["allocated"] * 5

    done = client.post(bulk_url, {**data, "confirmed": "yes"})
    assert done.status_code == 302
    in_tenant(world.org)
    assert statuses(five) == ["cancelled"] * 5
    assert StockLevel.objects.get(variant=desk.variant, warehouse=desk.main).allocated == 0


def test_a_filter_matching_more_than_the_bulk_limit_is_refused_not_cut_short(world, desk, five, monkeypatch):
    from orders.services import bulk as bulk_services

    monkeypatch.setattr(bulk_services, "BULK_MAX", 3)
    client = world.client_for(world.agent)
    response = client.post(
        reverse("order_bulk", args=[desk.account.pk]),
        {"action": "hold", "reason": "count", "all_matching": "yes", "filter": "status=allocated"}, follow=True,
    )

    assert "More than 3 orders match: narrow the filter" in response.content.decode()
    in_tenant(world.org)
    assert statuses(five) == ["allocated"] * 5  # not the newest three of the five
    assert not BulkAction.objects.exists()


def test_select_all_matching_a_search_takes_the_name_and_sku_matches_of_the_account_only(world, desk, five):
    from orders.selectors import order_ids_matching

    other = VariantFactory(product=ProductFactory(account=desk.account, name="Desk"), sku="DESK-9", name="Desk")
    stock(other, desk.main, 5)
    by_sku = make_order(desk.account, [(other, 1)], warehouse=desk.main, customer_name="Grace Hopper")
    by_name = make_order(desk.account, [(desk.variant, 1)], warehouse=desk.main, customer_name="Desk-9 Supplies")
    make_order(world.outlet, [(desk.variant, 1)], customer_name="Desk Elsewhere")  # another account's

    def matching(q, limit=100):
        return order_ids_matching(account=desk.account, filters=OrderFilters(q=q), limit=limit)

    assert matching("desk-9") == [by_name.pk, by_sku.pk]  # the name and the SKU, once each, newest first
    assert matching("desk-9", limit=1) == [by_name.pk]
    assert matching("desk") == [by_name.pk]  # a SKU is matched whole, a name in part
    assert matching("Grace") == [by_sku.pk]
    assert order_ids_matching(account=desk.account, filters=OrderFilters(), limit=2) == [by_name.pk, by_sku.pk]
