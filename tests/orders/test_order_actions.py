"""The per-order action services: each allowed by role and by the order's state, atomic, written to the history
with the actor and old -> new values, and read back as a sentence."""

import pytest

from inventory.models import StockLevel
from oms.exceptions import DomainError
from orders.history import event_sentence
from orders.models import Order, OrderEvent, Shipment, ShipmentLine
from orders.services import actions
from tests.factories import make_order


def level(variant, warehouse):
    return StockLevel.objects.get(variant=variant, warehouse=warehouse)


def last_event(order) -> OrderEvent:
    return OrderEvent.objects.filter(order=order).select_related("actor").order_by("-id").first()


def ship(order, quantity=None):
    """A shipment of the order's first line, written as intake would have (the status and stock are the caller's)."""
    line = order.lines.first()
    shipment = Shipment.objects.create(account=order.account, order=order, carrier_code="UPS", tracking_number="1Z999")
    ShipmentLine.objects.create(account=order.account, shipment=shipment, order_line=line, quantity=quantity or line.quantity)
    return shipment


def test_cancel_releases_what_is_allocated_and_says_so(world, desk):
    maya = world.agent
    order = actions.order_cancel(order=desk.order, by=maya, reason="customer changed their mind")

    assert order.status == Order.Status.CANCELLED
    assert level(desk.variant, desk.main).allocated == 0
    event = last_event(order)
    assert (event.kind, event.actor, event.data) == (
        "cancelled", maya, {"status": ["allocated", "cancelled"], "reason": "customer changed their mind", "released": 3}
    )
    assert event_sentence(event) == (
        f"Cancelled by {maya.get_full_name()}: customer changed their mind. 3 allocated units released."
    )


def test_a_shipped_order_cannot_be_cancelled_nor_its_address_changed(world, desk):
    Order.objects.filter(pk=desk.order.pk).update(status=Order.Status.SHIPPED)

    with pytest.raises(DomainError) as cancel:
        actions.order_cancel(order=desk.order, by=world.agent, reason="too late")
    with pytest.raises(DomainError) as address:
        actions.order_edit_address(order=desk.order, by=world.agent, address={"city": "Springfield"})

    number = desk.order.number
    assert cancel.value.message == f"{number} has shipped: it can no longer be cancelled."
    assert address.value.message == f"{number} has shipped: its address can no longer be changed."
    assert cancel.value.code == address.value.code == "invalid_transition"
    desk.order.refresh_from_db()
    assert (desk.order.status, desk.order.shipping_city) == (Order.Status.SHIPPED, "London")


def test_a_partly_shipped_order_keeps_its_address(world, desk):
    ship(desk.order, 1)
    with pytest.raises(DomainError, match="has shipped in part: its address can no longer be changed"):
        actions.order_edit_address(order=desk.order, by=world.agent, address={"city": "Springfield"})


def test_hold_keeps_the_allocation_and_release_returns_to_allocated(world, desk):
    held = actions.order_hold(order=desk.order, by=world.agent, reason="payment review")
    assert held.status == Order.Status.ON_HOLD
    assert level(desk.variant, desk.main).allocated == 3
    assert event_sentence(last_event(held)) == f"Put on hold by {world.agent.get_full_name()}: payment review."

    released = actions.order_release(order=held, by=world.admin, reason="paid")
    assert released.status == Order.Status.ALLOCATED
    assert event_sentence(last_event(released)) == f"Released from hold by {world.admin.get_full_name()}: paid."


def test_an_open_order_held_then_cancelled_gives_back_nothing_it_never_had(world, desk):
    open_order = make_order(desk.account, [(desk.variant, 2)])  # no warehouse: open, nothing allocated
    Order.objects.filter(pk=open_order.pk).update(warehouse=desk.main)  # e.g. a warehouse set by hand later
    open_order.refresh_from_db()
    assert open_order.status == Order.Status.OPEN

    actions.order_hold(order=open_order, by=world.agent, reason="check address")
    assert actions.order_release(order=open_order, by=world.agent, reason="ok").status == Order.Status.OPEN
    actions.order_hold(order=open_order, by=world.agent, reason="again")
    actions.order_cancel(order=open_order, by=world.agent, reason="gone")

    assert level(desk.variant, desk.main).allocated == 3  # desk.order's 3 only: nothing released for this one


def test_release_of_an_order_not_on_hold_is_refused(world, desk):
    with pytest.raises(DomainError) as refused:
        actions.order_release(order=desk.order, by=world.agent, reason="why not")
    assert refused.value.message == f"{desk.order.number} is allocated: only an order on hold can be released."


def test_hold_and_cancel_need_a_reason(world, desk):
    for call in (actions.order_hold, actions.order_cancel, actions.order_release):
        with pytest.raises(DomainError, match="Give a reason"):
            call(order=desk.order, by=world.agent, reason="   ")
    assert not OrderEvent.objects.filter(order=desk.order).exclude(kind="created").exists()


def test_a_viewer_is_refused_by_the_service_too(world, desk):
    with pytest.raises(DomainError) as refused:
        actions.order_hold(order=desk.order, by=world.viewer, reason="no")
    assert refused.value.code == "forbidden"
    desk.order.refresh_from_db()
    assert desk.order.status == Order.Status.ALLOCATED


def test_address_change_is_recorded_field_by_field_as_sentences(world, desk):
    Order.objects.filter(pk=desk.order.pk).update(shipping_city="New York")
    order = actions.order_edit_address(
        order=desk.order, by=world.agent, address={"city": "Springfield", "country": "gb", "line1": "12 Analytical St"}
    )

    assert (order.shipping_city, order.shipping_country) == ("Springfield", "GB")
    event = last_event(order)
    assert event.data == {"changes": {"shipping_city": ["New York", "Springfield"]}}  # line1, country unchanged
    assert event_sentence(event) == f"{world.agent.get_full_name()} changed the shipping city from New York to Springfield."


def test_a_bad_country_or_a_blank_required_field_changes_nothing(world, desk):
    with pytest.raises(DomainError) as refused:
        actions.order_edit_address(order=desk.order, by=world.agent, address={"country": "XX", "city": " "})
    assert "“XX” is not a country code" in refused.value.message and "City is required." in refused.value.message
    desk.order.refresh_from_db()
    assert (desk.order.shipping_country, desk.order.shipping_city) == ("GB", "London")
    assert OrderEvent.objects.filter(order=desk.order).count() == 1


def test_contact_and_notes_edits(world, desk):
    actions.order_edit_contact(order=desk.order, by=world.agent, name="Ada King", email="ada@king.example", phone="+44 1")
    assert event_sentence(last_event(desk.order)).startswith(
        f"{world.agent.get_full_name()} changed the customer name from Ada Lovelace to Ada King."
    )
    with pytest.raises(DomainError, match="is not an email address"):
        actions.order_edit_contact(order=desk.order, by=world.agent, name="Ada", email="not-an-email", phone="")
    actions.order_edit_notes(order=desk.order, by=world.agent, notes="Leave at the door")
    assert event_sentence(last_event(desk.order)) == (
        f"{world.agent.get_full_name()} changed the notes from (blank) to Leave at the door."
    )
    with pytest.raises(DomainError) as same:
        actions.order_edit_notes(order=desk.order, by=world.agent, notes="Leave at the door")
    assert same.value.code == "unchanged"


def test_reallocate_an_open_order_after_stock_arrived(world, desk):
    short = make_order(desk.account, [(desk.variant, 9)])  # no warehouse: open
    with pytest.raises(DomainError) as refused:
        actions.order_reallocate(order=short, by=world.agent, warehouse=desk.main)  # 7 left of 10
    assert refused.value.message == f"Not enough stock in {desk.main.name} for {short.number}: LAMP-1 (9 wanted, 7 available)."
    short.refresh_from_db()
    assert (short.status, short.warehouse_id) == (Order.Status.OPEN, None)

    from tests.factories import stock

    stock(desk.variant, desk.main, 12)
    order = actions.order_reallocate(order=short, by=world.agent, warehouse=desk.main)
    assert (order.status, order.warehouse) == (Order.Status.ALLOCATED, desk.main)
    assert level(desk.variant, desk.main).allocated == 12
    assert event_sentence(last_event(order)) == (
        f"{world.agent.get_full_name()} allocated the order in {desk.main.name} (MAIN) (9 units)."
    )


def test_reallocate_moves_an_allocation_to_another_warehouse_or_changes_nothing(world, desk):
    big = make_order(desk.account, [(desk.variant, 5)], warehouse=desk.main)
    with pytest.raises(DomainError, match="Not enough stock in East"):
        actions.order_reallocate(order=big, by=world.agent, warehouse=desk.east)  # 4 there
    assert (level(desk.variant, desk.main).allocated, level(desk.variant, desk.east).allocated) == (8, 0)

    moved = actions.order_reallocate(order=desk.order, by=world.agent, warehouse=desk.east)
    assert moved.warehouse == desk.east
    assert (level(desk.variant, desk.main).allocated, level(desk.variant, desk.east).allocated) == (5, 3)
    assert "moved the allocation from" in event_sentence(last_event(moved))


def test_an_inactive_or_foreign_warehouse_is_refused(world, desk):
    from tests.factories import WarehouseFactory

    foreign = world.outlet.default_warehouse
    closed = WarehouseFactory(account=desk.account, code="OLD", is_active=False)
    for warehouse in (foreign, closed):
        with pytest.raises(DomainError, match="is not an active warehouse of this account"):
            actions.order_reallocate(order=desk.order, by=world.agent, warehouse=warehouse)


def test_note_tags_and_assignment(world, desk):
    actions.order_note_add(order=desk.order, by=world.agent, text="Called the customer")
    assert event_sentence(last_event(desk.order)) == f"{world.agent.get_full_name()} added a note: Called the customer."

    order = actions.order_tags_change(order=desk.order, by=world.agent, add="vip, gift ,VIP")
    assert order.tags == ["vip", "gift"]
    order = actions.order_tags_change(order=order, by=world.agent, remove=["VIP"])
    assert order.tags == ["gift"]
    assert event_sentence(last_event(order)) == f"{world.agent.get_full_name()} removed the tag vip."

    order = actions.order_assign(order=order, by=world.admin, user_id=world.agent.pk)
    assert order.assigned_to == world.agent
    assert event_sentence(last_event(order)) == (
        f"{world.admin.get_full_name()} assigned the order to {world.agent.get_full_name()}."
    )
    for nobody_allowed in (world.viewer.pk, world.outsider.pk, 10**12, "abc"):
        with pytest.raises(DomainError, match="cannot work orders on this account"):
            actions.order_assign(order=order, by=world.admin, user_id=nobody_allowed)


def test_assigning_a_member_of_another_organization_is_refused(world, other_world, desk):
    from django.db import connection

    connection.set_tenant(world.org)
    with pytest.raises(DomainError, match="cannot work orders on this account"):
        actions.order_assign(order=desk.order, by=world.admin, user_id=other_world.agent.pk)
    assert actions.order_assign(order=desk.order, by=world.admin, user_id=world.supervisor.pk).assigned_to == world.supervisor
