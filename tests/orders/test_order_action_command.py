"""manage.py order_action: the same services from the shell; a refusal is one line and exit code 1."""

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order, OrderEvent


def run(world, desk, *args):
    call_command("order_action", "--org", world.org.schema_name, "--account", desk.account.code,
                 "--number", desk.order.number, *args)


def test_hold_release_address_tag_and_assign(world, desk, capsys):
    run(world, desk, "hold", "--reason", "fraud check")
    assert f"{desk.order.number} is on hold." in capsys.readouterr().out
    run(world, desk, "release", "--reason", "cleared")
    run(world, desk, "address", "--city", "Springfield")
    run(world, desk, "tag", "--add", "vip,gift")
    run(world, desk, "assign", "--email", world.agent.email)
    run(world, desk, "reallocate", "--warehouse", "east")
    run(world, desk, "note", "--text", "Checked by phone")

    order = Order.objects.select_related("warehouse").get(pk=desk.order.pk)
    assert (order.status, order.shipping_city, order.tags, order.assigned_to, order.warehouse.code) == (
        "allocated", "Springfield", ["vip", "gift"], world.agent, "EAST"
    )
    kinds = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "hold", "release", "address", "tags", "assigned", "reallocated", "note"]


def test_refusals_are_one_line_and_change_nothing(world, desk):
    with pytest.raises(CommandError, match=f"{desk.order.number} is allocated: only an order on hold can be released."):
        run(world, desk, "release", "--reason", "x")
    with pytest.raises(CommandError, match="Give a reason"):
        run(world, desk, "cancel")
    with pytest.raises(CommandError, match="cannot work orders"):
        run(world, desk, "assign", "--email", world.viewer.email)
    with pytest.raises(CommandError, match="has no order"):
        call_command("order_action", "--org", world.org.schema_name, "--account", desk.account.code,
                     "--number", "SO-9999999", "hold", "--reason", "x")
    assert OrderEvent.objects.filter(order=desk.order).count() == 1
    assert Order.objects.get(pk=desk.order.pk).status == "allocated"
