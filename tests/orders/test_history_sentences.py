"""Every kind of OrderEvent written anywhere reads as a sentence: no dicts, no codes, field names as labels."""

import re

import pytest

from orders.history import event_sentence, event_sentences, field_label
from orders.models import OrderEvent


def event(world, order, kind, message="", data=None, actor=None):
    return OrderEvent(account=world.store, order=order, actor=actor, kind=kind, message=message, data=data or {})


def test_every_kind_written_in_the_code_has_a_sentence(world, desk):
    maya = world.agent
    name = maya.get_full_name()
    warning = {"code": "unknown_carrier_code", "field": "carrier_code", "message": "Carrier “ZZ” is not one we know.",
               "severity": "warning"}
    cases = [
        (event(world, desk.order, "created", "Order received from the API",
               {"external_id": "WEB-1", "warnings": [warning], "rules": ["Rule “VIP”: tag vip"]}),
         ["Order received from the API.", "Its external id is WEB-1.", "Rule “VIP”: tag vip.",
          "Accepted with a warning: Carrier “ZZ” is not one we know."]),
        (event(world, desk.order, "created", "Cloned from SO-0000001 by a@b.c (re-order)",
               {"purpose": "standard", "pricing": "keep", "overridden": {"shipping_city": ["London", "Leeds"]}}, maya),
         ["Cloned from SO-0000001 by a@b.c (re-order).", "Purpose: re-order.", "Pricing: prices kept.",
          "Changed the shipping city from London to Leeds."]),
        (event(world, desk.order, "status", "Status allocated → on_hold", {"status": ["allocated", "on_hold"]}, maya),
         [f"{name} changed the status from allocated to on hold."]),
        (event(world, desk.order, "status", "Received in full: closed", {"status": ["open", "closed"]}),
         ["The system changed the status from open to closed (Received in full: closed)."]),
        (event(world, desk.order, "cloned", "Cloned into SO-0000911",
               {"clones": ["SIM-0000911"], "purpose": "simulation", "pricing": "reprice", "overridden": {}}, maya),
         [f"{name} cloned this order into SIM-0000911 (simulation, re-priced at that day's prices)."]),
        (event(world, desk.order, "shipment", "Shipped 2 × LAMP-1 from MAIN by UPS, tracking 1Z",
               {"shipment": 4, "external_id": "", "warnings": [warning]}),
         ["Shipped 2 × LAMP-1 from MAIN by UPS, tracking 1Z.", "Accepted with a warning: Carrier “ZZ” is not one we know."]),
        (event(world, desk.order, "receipt", "Received 5 × LAMP-1 into MAIN", {"receipt": 2, "warnings": []}, maya),
         [f"Received 5 × LAMP-1 into MAIN by {name}."]),
        (event(world, desk.order, "cancelled", "Cancelled: x",
               {"status": ["allocated", "cancelled"], "reason": "customer changed their mind", "released": 3}, maya),
         [f"Cancelled by {name}: customer changed their mind.", "3 allocated units released."]),
        (event(world, desk.order, "hold", "", {"status": ["open", "on_hold"], "reason": "fraud check"}, maya),
         [f"Put on hold by {name}: fraud check."]),
        (event(world, desk.order, "release", "", {"status": ["on_hold", "open"], "reason": "cleared"}, maya),
         [f"Released from hold by {name}: cleared."]),
        (event(world, desk.order, "address", "", {"changes": {"shipping_city": ["New York", "Springfield"],
                                                              "shipping_postal_code": ["10001", "62701"]}}, maya),
         [f"{name} changed the shipping city from New York to Springfield.",
          f"{name} changed the shipping postal code from 10001 to 62701."]),
        (event(world, desk.order, "contact", "", {"changes": {"customer_phone": ["", "+1 555"]}}, maya),
         [f"{name} changed the customer phone from (blank) to +1 555."]),
        (event(world, desk.order, "notes", "", {"changes": {"notes": ["Old", "New"]}}, maya),
         [f"{name} changed the notes from Old to New."]),
        (event(world, desk.order, "reallocated", "", {"status": ["open", "allocated"], "warehouse": ["", "East (EAST)"],
                                                      "units": 1}, maya),
         [f"{name} allocated the order in East (EAST) (1 unit)."]),
        (event(world, desk.order, "note", "Note added", {"note": "Called the customer"}, maya),
         [f"{name} added a note: Called the customer."]),
        (event(world, desk.order, "tags", "", {"added": ["vip", "gift"], "removed": [], "tags": [[], ["vip", "gift"]]},
               maya),
         [f"{name} added the tags vip, gift."]),
        (event(world, desk.order, "assigned", "", {"assigned_to": ["Sam Lee", ""]}, maya),
         [f"{name} unassigned the order (it was Sam Lee's)."]),
        (event(world, desk.order, "something_new", "A thing happened", {"x": 1}), ["A thing happened."]),
    ]
    for built, expected in cases:
        assert event_sentences(built) == expected, built.kind
        text = event_sentence(built)
        assert "{" not in text and "_" not in text.replace("SIM-", ""), text


def test_data_of_an_unexpected_shape_still_reads_as_the_message(world, desk):
    odd = event(world, desk.order, "status", "Status changed", {"status": "open"})
    assert event_sentences(odd) == ["Status changed."]
    assert event_sentences(event(world, desk.order, "tags", "Tags changed", {"added": 3})) == ["Tags changed."]


@pytest.mark.parametrize("name, label", [("carrier_code", "carrier code"), ("shipping_line1", "shipping address line 1"),
                                         ("customer_email", "customer email"), ("billing_postal_code", "billing postal code")])
def test_field_labels(name, label):
    assert field_label(name) == label


def test_the_order_page_shows_sentences_not_codes(world, desk):
    from django.urls import reverse

    OrderEvent.objects.create(account=world.store, order=desk.order, kind="created", message="Order received from the API",
                              data={"warnings": [{"code": "unknown_carrier_code", "field": "carrier_code",
                                                  "message": "Carrier “ZZ” is unknown."}], "purpose": "standard"})
    page = world.client_for(world.viewer).get(reverse("order_detail", args=[world.store.pk, desk.order.number]))
    text = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
    assert "Accepted with a warning: Carrier “ZZ” is unknown." in text.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "unknown_carrier_code" not in text and "purpose: standard" not in text
    assert "Purpose: re-order." in text
