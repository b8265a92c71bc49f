"""An order's page: everything about the order, its history and clones, the Clone button for those who may
clone, the same 404 for other accounts and organizations, and a query count that does not grow."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, Promotion, ShippingMethod, TaxJurisdiction
from orders.services.create import order_transition
from tests.conftest import in_tenant
from tests.factories import (
    ChannelFactory,
    ProductFactory,
    VariantFactory,
    WarehouseFactory,
    make_orders,
    order_draft,
    stock,
)

BILLING = {"name": "Grace Hopper", "line1": "1 Navy Yard", "line2": "Building 7", "city": "Arlington",
           "region": "VA", "postal_code": "22202", "country": "US"}
SHIPPING = {"name": "Grace at Work", "line1": "500 Harbor Rd", "line2": "", "city": "Norfolk", "region": "VA",
            "postal_code": "23511", "country": "US"}
CREATED = dt.datetime(2025, 6, 1, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def order(world):
    """A sales-channel order with two lines, a code, shipping, tax and a warehouse; then allocated → on hold."""
    account = world.store
    account.timezone = "America/New_York"
    account.save(update_fields=["timezone"])
    product = ProductFactory(account=account, name="Compiler")
    boots = VariantFactory(product=product, sku="COBOL-1", name="COBOL manual", price=Decimal("40.00"))
    tape = VariantFactory(product=product, sku="TAPE-9", name="Magnetic tape", price=Decimal("12.50"))
    warehouse = WarehouseFactory(account=account, name="Arlington DC", code="ARL")
    for variant in (boots, tape):
        stock(variant, warehouse, 20)
    Promotion.objects.create(account=account, name="Spring", kind="percentage", value=10, code="SPRING10",
                             valid_from=dt.date(2025, 5, 1))
    method = ShippingMethod.objects.create(account=account, code="NDA", name="Next day air", price=Decimal("29.00"),
                                           carrier_code="UPS", service_code="NEXT_DAY_AIR")
    tax = TaxJurisdiction.objects.create(account=account, code="US-VA", name="Virginia", rate=Decimal("0.053"))
    channel = ChannelFactory(account=account, name="Navy Web Store")
    [made] = make_orders(
        account,
        [
            order_draft(account, [(boots, 2), (tape, 3)], customer_name="Grace Hopper",
                        customer_email="grace@navy.example", customer_phone="+1 703 555 0100", billing=BILLING,
                        shipping=SHIPPING, discount_codes=["spring10"], shipping_method=method, tax_jurisdiction=tax,
                        warehouse=warehouse, source=Order.Source.SALES_CHANNEL, channel=channel,
                        external_id="NWS-4711", order_date=dt.date(2025, 6, 1), created_at=CREATED),
        ],
        by=world.agent,
    )
    order_transition(order=made, to=Order.Status.ON_HOLD, by=world.agent, message="Held: payment review")
    made.refresh_from_db()
    return made


def detail_url(account, number) -> str:
    return reverse("order_detail", args=[account.pk, number])


def text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_page_shows_customer_addresses_shipping_tax_warehouse_source_and_status(world, order):
    response = world.client_for(world.viewer).get(detail_url(world.store, order.number))
    page = text(response)

    assert response.status_code == 200
    assert "Grace Hopper grace@navy.example +1 703 555 0100" in page
    assert "Billing address Grace Hopper 1 Navy Yard Building 7 Arlington, VA 22202 United States" in page
    assert "Shipping address Grace at Work 500 Harbor Rd Norfolk, VA 23511 United States" in page
    assert "Shipping method Next day air" in page
    assert "Carrier / service UPS / NEXT_DAY_AIR" in page
    assert "Tax jurisdiction US-VA · Virginia (5.30%)" in page
    assert "Warehouse Arlington DC (ARL)" in page
    assert "Source Sales channel · Navy Web Store (NWS-4711)" in page
    assert "Discount codes SPRING10" in page
    assert f"{order.number} On hold" in page
    assert "Created 2025-06-01 10:30 EDT" in page  # 14:30 UTC in New York
    assert "Simulation" not in page


def test_the_page_shows_every_line_and_the_totals(world, order):
    page = text(world.client_for(world.viewer).get(detail_url(world.store, order.number)))

    # 2 × 40.00 with 10% off = 72.00, 5.3% tax = 3.82; 3 × 12.50 with 10% off = 33.75, tax 1.79
    assert "1 COBOL-1 COBOL manual 2 40.00 −8.00 3.82 75.82" in page
    assert "2 TAPE-9 Magnetic tape 3 12.50 −3.75 1.79 35.54" in page
    assert "Subtotal 117.50 Discount −11.75 Shipping 29.00 Tax 5.61 Total 140.36 USD" in page
    assert order.total == Decimal("140.36")


def test_the_history_shows_who_when_what_and_the_changed_fields(world, order):
    name = world.agent.get_full_name()
    page = text(world.client_for(world.viewer).get(detail_url(world.store, order.number)))

    assert f"2025-06-01 10:30 EDT {name} Order created" in page
    assert f"{name} {name} changed the status from allocated to on hold (Held: payment review)." in page


def test_clone_links_go_both_ways_and_a_simulation_is_marked(world, order):
    [clone] = make_orders(
        world.store,
        [
            order_draft(world.store, [(line.variant, line.quantity) for line in order.lines.all()],
                        source=Order.Source.CLONE, cloned_from=order, clone_purpose=Order.ClonePurpose.SIMULATION,
                        is_simulation=True, event_message=f"Cloned from {order.number}",
                        event_data={"cloned_from": order.number, "overridden": {"notes": ["", "Rush it"]}}),
        ],
        by=world.agent,
    )
    client = world.client_for(world.viewer)

    source_page = client.get(detail_url(world.store, order.number)).content.decode()
    clone_response = client.get(detail_url(world.store, clone.number))
    clone_page = clone_response.content.decode()

    assert f'href="{detail_url(world.store, clone.number)}">{clone.number}</a>' in source_page
    assert f'href="{detail_url(world.store, order.number)}">{order.number}</a> (Simulation)' in clone_page
    assert 'id="simulation"' in clone_page
    assert f"Cloned from {order.number}" in text(clone_response)
    assert "Changed the notes from (blank) to Rush it." in text(clone_response)


@pytest.mark.parametrize(
    "role, sees_button",
    [("admin", True), ("supervisor", True), ("account_admin", True), ("agent", True), ("viewer", False)],
)
def test_clone_button_only_for_roles_that_work_orders(world, order, role, sees_button):
    response = world.client_for(world.by_role(role)).get(detail_url(world.store, order.number))
    clone_url = reverse("order_clone", args=[world.store.pk, order.number])

    assert response.status_code == 200
    assert (f'id="clone-order" href="{clone_url}"' in response.content.decode()) is sees_button


def test_another_accounts_order_number_is_404(world, order):
    outlet_product = ProductFactory(account=world.outlet)
    [outlet_order] = make_orders(
        world.outlet,
        [order_draft(world.outlet, [(VariantFactory(product=outlet_product), 1)]) for _ in range(3)],
    )[-1:]
    assert not Order.objects.filter(account=world.store, number=outlet_order.number).exists()
    admin = world.client_for(world.admin)

    assert admin.get(detail_url(world.store, outlet_order.number)).status_code == 404  # wrong account in the URL
    assert admin.get(detail_url(world.outlet, outlet_order.number)).status_code == 200
    viewer = world.client_for(world.viewer)  # holds the store only
    assert viewer.get(detail_url(world.outlet, outlet_order.number)).status_code == 404
    assert viewer.get(detail_url(world.store, "SO-9999999")).status_code == 404
    assert world.client_for(world.outsider).get(detail_url(world.store, order.number)).status_code == 404


def test_user_of_another_organization_gets_404(world, other_world, order):
    in_tenant(world.org)
    foreign = world.client_for(None)
    foreign.force_login(other_world.admin)

    assert foreign.get(detail_url(world.store, order.number)).status_code == 404


def page_queries(client, url) -> int:
    client.get(url)  # steady state: the look-up caches hold what the request reads
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_lines_or_events(world, order, django_assert_max_num_queries):
    client = world.client_for(world.agent)
    client.get(detail_url(world.store, order.number))  # the first visit also stores the current account
    small = page_queries(client, detail_url(world.store, order.number))

    product = ProductFactory(account=world.store)
    variants = [VariantFactory(product=product, sku=f"BIG-{n}") for n in range(8)]
    [big] = make_orders(
        world.store,
        [order_draft(world.store, [(v, 1) for v in variants], cloned_from=order, source=Order.Source.SALES_CHANNEL,
                     channel=order.channel)],
    )
    for status in (Order.Status.ON_HOLD, Order.Status.OPEN, Order.Status.ON_HOLD, Order.Status.CANCELLED):
        order_transition(order=big, to=status, by=world.agent)
    make_orders(world.store, [order_draft(world.store, [(variants[0], 1)], cloned_from=big) for _ in range(3)])
    in_tenant(world.org)

    assert page_queries(client, detail_url(world.store, big.number)) == small
    with django_assert_max_num_queries(19):  # 12 for the session, user, roles and header; 7 for the order
        client.get(detail_url(world.store, big.number))
