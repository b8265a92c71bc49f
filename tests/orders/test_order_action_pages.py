"""The order page's actions panel and its forms: every action's role matrix (agents and administrators act;
viewers get 403; another account's or organization's order is 404), only the actions the state allows are
offered, cancelling asks first naming what will happen, every action ends with a message, and the page's
query count is pinned with the panel, shipments and clones on it."""

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from orders.models import Order, OrderEvent, Shipment, ShipmentLine
from orders.services import actions
from tests.conftest import in_tenant
from tests.factories import VariantFactory, make_orders, order_draft, stock


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def url(name, account, number) -> str:
    return reverse(name, args=[account.pk, number])


def prepare_on_hold(world, desk):
    actions.order_hold(order=desk.order, by=world.agent, reason="payment review")


# action -> (set-up, POST data, what the order looks like afterwards)
ACTIONS = {
    "order_cancel": (None, {"reason": "customer changed their mind", "confirmed": "yes"},
                     lambda o: o.status == Order.Status.CANCELLED),
    "order_hold": (None, {"reason": "payment review"}, lambda o: o.status == Order.Status.ON_HOLD),
    "order_release": (prepare_on_hold, {"reason": "paid"}, lambda o: o.status == Order.Status.ALLOCATED),
    "order_address": (None, {"shipping_name": "Ada", "shipping_line1": "1 Elm St", "shipping_city": "Springfield",
                             "shipping_postal_code": "12345", "shipping_country": "US"},
                      lambda o: (o.shipping_city, o.shipping_country) == ("Springfield", "US")),
    "order_contact": (None, {"customer_name": "Ada King", "customer_email": "ada@king.example", "customer_phone": ""},
                      lambda o: o.customer_name == "Ada King"),
    "order_notes": (None, {"notes": "Ring twice"}, lambda o: o.notes == "Ring twice"),
    "order_reallocate": ("east", None, lambda o: o.warehouse.code == "EAST"),
    "order_note": (None, {"text": "Called"}, lambda o: OrderEvent.objects.filter(order=o, kind="note").exists()),
    "order_tags": (None, {"add": "vip"}, lambda o: o.tags == ["vip"]),
    "order_assign": ("agent", None, lambda o: o.assigned_to_id is not None),
}


def post_data(world, desk, name):
    setup, data, _ = ACTIONS[name]
    if setup == "east":
        return {"warehouse": str(desk.east.pk)}
    if setup == "agent":
        return {"user": str(world.agent.pk)}
    if setup is not None:
        setup(world, desk)
    return data


@pytest.mark.parametrize("name", list(ACTIONS))
@pytest.mark.parametrize("role", ["admin", "account_admin", "agent"])
def test_those_who_work_orders_act_and_get_a_message(world, desk, name, role):
    data = post_data(world, desk, name)
    client = world.client_for(world.by_role(role))

    response = client.post(url(name, desk.account, desk.order.number), data)

    assert response.status_code == 302
    assert response["Location"] == url("order_detail", desk.account, desk.order.number)
    in_tenant(world.org)
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert [level for level, _ in shown] == ["success"], shown
    order = Order.objects.select_related("warehouse").get(pk=desk.order.pk)
    assert ACTIONS[name][2](order)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_viewer_403_other_account_and_other_organization_404(world, other_world, desk, name):
    data = post_data(world, desk, name)
    before = list(OrderEvent.objects.filter(order=desk.order).values_list("id", flat=True))
    outlet_variant = VariantFactory(account=world.outlet)
    [outlet_order] = make_orders(world.outlet, [order_draft(world.outlet, [(outlet_variant, 1)]) for _ in range(5)])[-1:]
    assert not Order.objects.filter(account=desk.account, number=outlet_order.number).exists()
    in_tenant(world.org)

    assert world.client_for(world.viewer).post(url(name, desk.account, desk.order.number), data).status_code == 403
    assert world.client_for(world.outsider).post(url(name, desk.account, desk.order.number), data).status_code == 404
    agent = world.client_for(world.agent)
    assert agent.post(url(name, world.outlet, outlet_order.number), data).status_code == 404  # not their account
    assert agent.post(url(name, desk.account, "SO-9999999"), data).status_code == 404
    admin = world.client_for(world.admin)
    assert admin.post(url(name, desk.account, outlet_order.number), data).status_code == 404  # wrong account in URL
    foreign = world.client_for(other_world.admin)
    assert foreign.post(url(name, desk.account, desk.order.number), data).status_code == 404
    in_tenant(world.org)
    assert list(OrderEvent.objects.filter(order=desk.order).values_list("id", flat=True)) == before
    assert agent.get(url(name, desk.account, desk.order.number)).status_code == 405  # only POST changes anything


def test_cancel_asks_first_naming_what_will_happen(world, desk):
    client = world.client_for(world.agent)
    asked = client.post(url("order_cancel", desk.account, desk.order.number), {"reason": "duplicate order"})

    assert asked.status_code == 200
    text = page_text(asked)
    assert f"{desk.order.number} will be cancelled and its 3 allocated units released; this cannot be undone." in text
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    in_tenant(world.org)
    desk.order.refresh_from_db()
    assert desk.order.status == Order.Status.ALLOCATED

    done = client.post(url("order_cancel", desk.account, desk.order.number),
                       {"reason": "duplicate order", "confirmed": "yes"}, follow=True)
    assert f"{desk.order.number} was cancelled." in page_text(done)
    assert f"Cancelled by {world.agent.get_full_name()}: duplicate order. 3 allocated units released." in page_text(done)


def test_a_refusal_is_an_error_message_and_changes_nothing(world, desk):
    Order.objects.filter(pk=desk.order.pk).update(status=Order.Status.SHIPPED)
    client = world.client_for(world.agent)

    response = client.post(url("order_address", desk.account, desk.order.number), {"shipping_city": "Springfield"},
                           follow=True)

    assert f"{desk.order.number} has shipped: its address can no longer be changed." in page_text(response)
    assert 'class="msg-error"' in response.content.decode()
    in_tenant(world.org)
    assert Order.objects.get(pk=desk.order.pk).shipping_city == "London"


def panel_ids(response) -> set[str]:
    return set(re.findall(r'id="action-(\w+)"', response.content.decode()))


def test_the_panel_offers_only_what_the_role_and_state_allow(world, desk):
    detail = url("order_detail", desk.account, desk.order.number)
    assert panel_ids(world.client_for(world.viewer).get(detail)) == set()
    in_tenant(world.org)
    assert panel_ids(world.client_for(world.agent).get(detail)) == {
        "hold", "reallocate", "assign", "tags", "note", "address", "contact", "notes", "cancel"
    }
    in_tenant(world.org)
    actions.order_hold(order=desk.order, by=world.agent, reason="check")
    assert panel_ids(world.client_for(world.agent).get(detail)) == {
        "release", "assign", "tags", "note", "address", "contact", "notes", "cancel"
    }
    in_tenant(world.org)
    Order.objects.filter(pk=desk.order.pk).update(status=Order.Status.SHIPPED)
    assert panel_ids(world.client_for(world.agent).get(detail)) == {"assign", "tags", "note"}


def test_shipments_with_tracking_and_clone_links_are_shown(world, desk):
    line = desk.order.lines.first()
    shipment = Shipment.objects.create(account=desk.account, order=desk.order, carrier_code="UPS", service_code="GROUND",
                                       tracking_number="1Z999AA10123456784")
    ShipmentLine.objects.create(account=desk.account, shipment=shipment, order_line=line, quantity=2)
    [clone] = make_orders(desk.account, [order_draft(desk.account, [(desk.variant, 1)], cloned_from=desk.order,
                                                     clone_purpose=Order.ClonePurpose.STANDARD)])
    client = world.client_for(world.viewer)

    text = page_text(client.get(url("order_detail", desk.account, desk.order.number)))
    assert "Shipments Shipped" in text and "by UPS (GROUND), tracking number 1Z999AA10123456784" in text
    assert "LAMP-1 Lamp 2" in text
    assert f"Clones {clone.number} (Re-order)" in text
    in_tenant(world.org)
    clone_page = client.get(url("order_detail", desk.account, clone.number)).content.decode()
    assert f'href="{url("order_detail", desk.account, desk.order.number)}">{desk.order.number}</a>' in clone_page


def test_page_queries_are_pinned_with_the_panel_shipments_and_clones(world, desk, django_assert_max_num_queries):
    client = world.client_for(world.agent)
    detail = url("order_detail", desk.account, desk.order.number)
    client.get(detail)  # the first visit also stores the current account
    in_tenant(world.org)
    line = desk.order.lines.first()
    for n in range(3):
        shipment = Shipment.objects.create(account=desk.account, order=desk.order, tracking_number=f"T{n}")
        ShipmentLine.objects.create(account=desk.account, shipment=shipment, order_line=line, quantity=1)
        make_orders(desk.account, [order_draft(desk.account, [(desk.variant, 1)], cloned_from=desk.order)])
        actions.order_note_add(order=desk.order, by=world.agent, text=f"note {n}")
    stock(desk.variant, desk.main, 10)
    in_tenant(world.org)

    # 12 for the session, user, roles and header; the order, lines, events, clones, shipments and their lines,
    # and who can be assigned.
    with django_assert_max_num_queries(20):
        response = client.get(detail)
    assert response.status_code == 200
    assert "action-assign" in response.content.decode()
