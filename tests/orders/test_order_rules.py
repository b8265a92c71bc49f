"""Order rules: they run in order on new sales orders, skip (and say so) when a reference is gone, never
break an order, and are managed on the account's Order rules tab."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import account_update
from channels.models import Channel
from oms.exceptions import DomainError
from orders.models import Order, OrderEvent, OrderRule
from orders.services.clone import order_clone
from orders.services.rules import order_rule_save, order_rule_set_active
from tests.factories import ADDRESS, ChannelFactory, WarehouseFactory, make_order, stock


@pytest.fixture
def ruled(shop, world):
    account_update(account=shop.account, changes={"auto_sales_order_workflow": True}, by=world.admin)
    shop.account.refresh_from_db()
    for v in shop.variants:
        stock(v, shop.other_warehouse, 50)
    return shop


def rule(account, name, conditions, actions, by=None):
    return order_rule_save(account=account, by=by, name=name, conditions=conditions, actions=actions)


def new_order(shop, **fields):
    fields.setdefault("shipping", dict(ADDRESS, country="US", region="NY"))
    return make_order(shop.account, [(shop.variants[0], 2)], warehouse=shop.warehouse, **fields)


def test_rules_run_in_order_and_later_rules_see_earlier_actions(ruled, world):
    rule(ruled.account, "US ships from East", [{"type": "country", "value": "us"}],
         [{"type": "assign_warehouse", "id": ruled.other_warehouse.pk}, {"type": "add_tag", "value": "domestic"}])
    rule(ruled.account, "Domestic express", [{"type": "tag", "value": "domestic"}],
         [{"type": "set_shipping_method", "id": ruled.express.pk}, {"type": "assign_user", "id": world.agent.pk}])
    rule(ruled.account, "Big orders on hold", [{"type": "total", "min": "1000"}], [{"type": "hold"}])
    order = new_order(ruled)
    assert order.warehouse == ruled.other_warehouse and order.tags == ["domestic"]
    assert order.shipping_method == ruled.express and order.shipping_total == Decimal("25.00")
    assert (order.carrier_code, order.service_code) == ("FEDEX", "2DAY")
    assert order.assigned_to == world.agent and order.status == Order.Status.ALLOCATED
    assert ruled.other_warehouse.stock_levels.get(variant=ruled.variants[0]).allocated == 2
    notes = OrderEvent.objects.get(order=order, kind="created").data["rules"]
    assert notes[0].startswith("Rule “US ships from East”") and len(notes) == 2


def test_conditions_that_do_not_hold_leave_the_order_alone(ruled):
    rule(ruled.account, "Canada only", [{"type": "country", "value": "CA"}], [{"type": "hold"}])
    rule(ruled.account, "Needs TEE-3", [{"type": "variant", "id": ruled.variants[3].pk}], [{"type": "hold"}])
    order = new_order(ruled)
    assert order.status == Order.Status.ALLOCATED and order.tags == []


def test_rules_do_not_run_when_the_workflow_is_off(ruled, world):
    account_update(account=ruled.account, changes={"auto_sales_order_workflow": False}, by=world.admin)
    rule(ruled.account, "Hold all", [], [{"type": "hold"}])
    ruled.account.refresh_from_db()
    assert new_order(ruled).status == Order.Status.ALLOCATED


def test_a_rule_whose_reference_is_gone_is_skipped_logged_and_never_breaks_the_order(ruled, world):
    channel = ChannelFactory(account=ruled.account, kind=Channel.Kind.FULFILLMENT)
    doomed = rule(ruled.account, "Ship with 3PL", [], [{"type": "assign_fulfillment_channel", "id": channel.pk}])
    rule(ruled.account, "Tag all", [], [{"type": "add_tag", "value": "seen"}])
    channel.delete()
    order = new_order(ruled)
    assert order.tags == ["seen"] and order.fulfillment_channel is None
    event = OrderEvent.objects.get(order=order, kind="created")
    assert "no longer exists" in event.data["rules_skipped"][0]
    doomed.refresh_from_db()
    assert "fulfillment channel" in doomed.last_skipped_reason


def test_clones_do_not_run_rules(ruled, world):
    rule(ruled.account, "Hold all", [], [{"type": "hold"}])
    [clone] = order_clone(source=ruled.order, by=world.agent)
    assert clone.status == Order.Status.ALLOCATED


@pytest.mark.parametrize(
    "conditions,actions,message",
    [
        ([], [], "at least one action"),
        ([{"type": "country", "value": "USA"}], [{"type": "hold"}], "two-letter"),
        ([{"type": "country", "value": "XX"}], [{"type": "hold"}], "“XX” is not a country code"),
        ([{"type": "total", "min": "50", "max": "10"}], [{"type": "hold"}], "minimum is above"),
        ([{"type": "weather", "value": "rain"}], [{"type": "hold"}], "Unknown conditions"),
    ],
)
def test_bad_rules_are_refused(ruled, conditions, actions, message):
    with pytest.raises(DomainError, match=message):
        rule(ruled.account, "Bad", conditions, actions)
    assert not OrderRule.objects.filter(account=ruled.account).exists()


def test_references_must_belong_to_the_account(ruled, world):
    foreign = WarehouseFactory(account=world.outlet)
    with pytest.raises(DomainError, match="not available in this account"):
        rule(ruled.account, "Foreign", [], [{"type": "assign_warehouse", "id": foreign.pk}])
    with pytest.raises(DomainError, match="not available in this account"):
        rule(ruled.account, "Viewer", [], [{"type": "assign_user", "id": world.viewer.pk}])


def test_a_rule_needing_review_cannot_be_enabled_until_saved(ruled, world):
    copied = OrderRule.objects.create(account=ruled.account, position=1, name="Copied", is_active=False,
                                      needs_review=True, actions=[{"type": "assign_user", "id": world.agent.pk}])
    with pytest.raises(DomainError, match="needs review"):
        order_rule_set_active(rule=copied, active=True, by=world.admin)
    client = world.client_for(world.account_admin)
    page = client.get(reverse("order_rule_edit", args=[ruled.account.pk, copied.pk]))
    assert "needs review" in page.content.decode()
    response = client.post(reverse("order_rule_edit", args=[ruled.account.pk, copied.pk]),
                           {"name": "Copied", "is_active": "on", "act_user": world.agent.pk})
    assert response.status_code == 302
    copied.refresh_from_db()
    assert (copied.needs_review, copied.is_active) == (False, True)


def test_rules_tab_creates_reorders_and_disables(ruled, world):
    client = world.client_for(world.account_admin)
    for name, tag in (("First", "a"), ("Second", "b")):
        response = client.post(reverse("order_rule_new", args=[ruled.account.pk]),
                               {"name": name, "is_active": "on", "cond_country": "us", "act_tag": tag})
        assert response.status_code == 302
    second = OrderRule.objects.get(name="Second")
    client.post(reverse("order_rule_action", args=[ruled.account.pk, second.pk, "up"]))
    assert list(OrderRule.objects.order_by("position").values_list("name", flat=True)) == ["Second", "First"]
    client.post(reverse("order_rule_action", args=[ruled.account.pk, second.pk, "disable"]))
    second.refresh_from_db()
    assert not second.is_active
    html = client.get(reverse("account_settings", args=[ruled.account.pk, "order-rules"])).content.decode()
    assert "Destination country is US" in html and "Add tag a" in html


def test_unknown_sku_in_the_rule_form_is_a_field_error(ruled, world):
    client = world.client_for(world.admin)
    response = client.post(reverse("order_rule_new", args=[ruled.account.pk]),
                           {"name": "Ghost", "cond_sku": "NOPE", "act_hold": "on"})
    assert response.status_code == 422 and "has no SKU NOPE" in response.content.decode()


def test_agents_cannot_manage_rules_and_other_accounts_get_404(ruled, world):
    made = rule(ruled.account, "Hold all", [], [{"type": "hold"}])
    agent = world.client_for(world.agent)
    assert agent.get(reverse("order_rule_new", args=[ruled.account.pk])).status_code == 403
    assert agent.post(reverse("order_rule_action", args=[ruled.account.pk, made.pk, "delete"])).status_code == 403
    other = world.client_for(world.admin)
    assert other.get(reverse("order_rule_edit", args=[world.outlet.pk, made.pk])).status_code == 404
