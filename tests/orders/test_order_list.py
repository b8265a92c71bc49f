"""The order list: search, filters, keyset pages, htmx fragment, a fixed query count, and who may see it."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order
from orders.selectors import OrderCursor, OrderFilters, order_page
from orders.services.create import order_transition
from tests.conftest import in_tenant
from tests.factories import ChannelFactory, ProductFactory, VariantFactory, make_orders, order_draft

UTC = dt.UTC
BASE = dt.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def catalog(world):
    product = ProductFactory(account=world.store, name="Boot")
    return {
        sku: VariantFactory(product=product, sku=sku, name=f"Boot {sku}", price=Decimal(price))
        for sku, price in [("BOOT-1", "80.00"), ("BOOT-2", "95.00"), ("HAT-9", "19.00")]
    }


@pytest.fixture
def orders(world, catalog):
    """Four distinct orders of the store, oldest first (the last a simulation, listed only on request), and one
    of the outlet that must never show."""
    boot, boot2, hat = catalog["BOOT-1"], catalog["BOOT-2"], catalog["HAT-9"]
    channel = ChannelFactory(account=world.store, name="Web Shop")
    made = make_orders(
        world.store,
        [
            order_draft(world.store, [(boot, 1)], customer_name="Ada Lovelace", customer_email="ada@analytical.example",
                        created_at=BASE),
            order_draft(world.store, [(boot2, 2), (boot, 1)], customer_name="Grace Hopper",
                        customer_email="grace@navy.example", source=Order.Source.API,
                        created_at=BASE + dt.timedelta(hours=3)),
            order_draft(world.store, [(hat, 1)], customer_name="Alan Turing", customer_email="alan@bletchley.example",
                        source=Order.Source.SALES_CHANNEL, channel=channel, created_at=BASE + dt.timedelta(days=1)),
            order_draft(world.store, [(boot2, 1)], kind=Order.Kind.PURCHASE, customer_name="Boot Supplier Ltd",
                        customer_email="sales@supplier.example", is_simulation=True,
                        created_at=BASE + dt.timedelta(days=2)),
        ],
    )
    outlet_product = ProductFactory(account=world.outlet)
    outlet_variant = VariantFactory(product=outlet_product, sku="HAT-9")
    make_orders(world.outlet, [order_draft(world.outlet, [(outlet_variant, 1)], customer_name="Ada Lovelace",
                                           created_at=BASE)])
    return made


def list_url(world, **params):
    from urllib.parse import urlencode

    url = reverse("order_list", args=[world.store.pk])
    return f"{url}?{urlencode(params)}" if params else url


def numbers_in(response) -> list[str]:
    """The order numbers in the list, in the order shown."""
    body = response.content.decode()
    table = body[body.index('id="orders"'):]
    return re.findall(r'/orders/((?:SO|PO|SIM)-\d+)/"', table)


def link(response, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" hx-get="[^"]+" rel="{rel}">', response.content.decode())
    return html.unescape(match.group(1)) if match else None


# Search


def test_search_by_order_number_exact_or_as_typed(world, orders):
    client = world.client_for(world.viewer)
    grace = orders[1]

    assert numbers_in(client.get(list_url(world, q=grace.number))) == [grace.number]
    assert numbers_in(client.get(list_url(world, q=grace.number.lower()))) == [grace.number]
    short = str(int(grace.number.split("-")[1]))  # "2" for SO-0000002
    assert numbers_in(client.get(list_url(world, q=short))) == [grace.number]


def test_search_by_part_of_the_customer_name_ignores_case(world, orders):
    response = world.client_for(world.viewer).get(list_url(world, q="lovel"))

    assert numbers_in(response) == [orders[0].number]  # not the outlet's Ada Lovelace


def test_search_by_part_of_the_email(world, orders):
    response = world.client_for(world.viewer).get(list_url(world, q="@NAVY.example"))

    assert numbers_in(response) == [orders[1].number]


def test_search_by_sku_finds_every_order_with_a_line_of_it(world, orders):
    client = world.client_for(world.viewer)

    assert numbers_in(client.get(list_url(world, q="BOOT-1"))) == [orders[1].number, orders[0].number]
    assert numbers_in(client.get(list_url(world, q="hat-9"))) == [orders[2].number]


def test_search_matching_nothing_says_so(world, orders):
    response = world.client_for(world.viewer).get(list_url(world, q="nobody-here"))

    assert numbers_in(response) == []
    assert "No orders match" in response.content.decode()


# Filters


def test_filter_by_status(world, orders):
    order_transition(order=orders[0], to=Order.Status.CANCELLED, by=world.agent)

    response = world.client_for(world.viewer).get(list_url(world, status="cancelled"))

    assert numbers_in(response) == [orders[0].number]


def test_filter_by_source(world, orders):
    client = world.client_for(world.viewer)

    assert numbers_in(client.get(list_url(world, source="api"))) == [orders[1].number]
    response = client.get(list_url(world, source="sales_channel"))
    assert numbers_in(response) == [orders[2].number]
    assert "Web Shop" in response.content.decode()


def test_filter_by_kind(world, orders):
    client = world.client_for(world.viewer)

    assert numbers_in(client.get(list_url(world, kind="purchase", simulations="include"))) == [orders[3].number]
    assert orders[3].number not in numbers_in(client.get(list_url(world, kind="sales")))


def test_filter_by_created_dates_in_the_account_timezone(world, orders):
    world.store.timezone = "Asia/Tokyo"  # UTC+9: BASE (12:00 UTC) is 21:00 on 10 March, +3 h is midnight
    world.store.save(update_fields=["timezone"])
    client = world.client_for(world.viewer)

    on_10th = client.get(list_url(world, created_from="2025-03-10", created_to="2025-03-10"))
    on_11th = client.get(list_url(world, created_from="2025-03-11", created_to="2025-03-11"))
    from_12th = client.get(list_url(world, created_from="2025-03-12", simulations="include"))

    assert numbers_in(on_10th) == [orders[0].number]
    assert numbers_in(on_11th) == [orders[2].number, orders[1].number]
    assert numbers_in(from_12th) == [orders[3].number]
    assert "2025-03-11 00:00" in on_11th.content.decode()  # Grace's order, 15:00 UTC, shown in Tokyo time


def test_filters_combine_with_search(world, orders):
    response = world.client_for(world.viewer).get(list_url(world, q="BOOT-1", source="manual"))

    assert numbers_in(response) == [orders[0].number]


def test_an_end_date_before_the_start_is_shown_as_an_error_and_not_applied(world, orders):
    response = world.client_for(world.viewer).get(
        list_url(world, created_from="2025-03-12", created_to="2025-03-10", simulations="include")
    )

    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert numbers_in(response) == [orders[3].number]  # from the 12th on


def test_the_list_shows_number_date_customer_status_source_total_and_simulation(world, orders):
    response = world.client_for(world.viewer).get(list_url(world, simulations="include"))
    body = response.content.decode()

    assert numbers_in(response) == [o.number for o in reversed(orders)]
    supplier = orders[3]
    at = body.index(f">{supplier.number}<")
    row = body[body.rindex("<tr>", 0, at):body.index("</tr>", at)]
    assert "Simulation" in row and "Boot Supplier Ltd" in row and "Draft" in row and "Manual" in row
    assert f"{supplier.total:,.2f} USD" in row
    assert "2025-03-12 12:00" in row  # the store's timezone is UTC
    assert body.count("badge sim") == 1
    assert f'href="{reverse("order_detail", args=[world.store.pk, supplier.number])}"' in row


def test_simulations_are_left_out_of_the_list_unless_asked_for(world, orders):
    client = world.client_for(world.viewer)
    real = [o.number for o in reversed(orders[:3])]

    default = client.get(list_url(world))
    assert orders[3].number.startswith("SIM-")
    assert numbers_in(default) == real and "badge sim" not in default.content.decode()
    assert '<label for="id_simulations">Simulations</label>' in default.content.decode()
    assert numbers_in(client.get(list_url(world, simulations="only"))) == [orders[3].number]
    assert numbers_in(client.get(list_url(world, simulations="include"))) == [orders[3].number, *real]
    # Found by its number: typed in full even while hidden, without the prefix among the simulations shown.
    assert numbers_in(client.get(list_url(world, q=orders[3].number))) == [orders[3].number]
    assert numbers_in(client.get(list_url(world, q="sim-1"))) == [orders[3].number]
    assert numbers_in(client.get(list_url(world, q="1"))) == [orders[0].number]
    assert numbers_in(client.get(list_url(world, q="1", simulations="include"))) == [orders[3].number, orders[0].number]


def test_the_api_list_leaves_simulations_out(world, orders):
    from api.selectors import orders_page_for_api

    make_orders(world.store, [order_draft(world.store, [(orders[0].lines.first().variant, 1)], is_simulation=True)])

    listed = [o.number for o in orders_page_for_api(account=world.store).items]
    assert listed and not any(number.startswith("SIM-") for number in listed)


# Keyset pages


@pytest.fixture
def many_orders(world, catalog):
    """120 orders; groups of three share a created_at, so the id must break ties."""
    drafts = [
        order_draft(world.store, [(catalog["HAT-9"], 1)], customer_name=f"Customer {n}",
                    created_at=BASE + dt.timedelta(minutes=n // 3))
        for n in range(120)
    ]
    return make_orders(world.store, drafts)


def expected_order(orders) -> list[str]:
    return [o.number for o in sorted(orders, key=lambda o: (o.created_at, o.pk), reverse=True)]


def test_pages_forward_show_every_order_once_newest_first(world, many_orders):
    client = world.client_for(world.viewer)
    seen, url, pages = [], list_url(world), 0
    while url:
        response = client.get(url)
        seen += numbers_in(response)
        pages += 1
        url = link(response, "next")

    assert pages == 3
    assert seen == expected_order(many_orders)


def test_pages_back_show_the_same_pages(world, many_orders):
    client = world.client_for(world.viewer)
    forward = []
    response = client.get(list_url(world))
    while True:
        forward.append(numbers_in(response))
        older = link(response, "next")
        if older is None:
            break
        response = client.get(older)

    backward = []
    while True:
        newer = link(response, "prev")
        if newer is None:
            break
        response = client.get(newer)
        backward.append(numbers_in(response))

    assert len(forward[0]) == 50
    assert backward == [forward[1], forward[0]]
    assert link(response, "prev") is None  # back on the first page


def test_pages_keep_the_filters(world, many_orders, catalog):
    make_orders(world.store, [order_draft(world.store, [(catalog["BOOT-1"], 1)], created_at=BASE)])
    client = world.client_for(world.viewer)

    first = client.get(list_url(world, q="HAT-9"))
    older = link(first, "next")
    second = client.get(older)

    assert "q=HAT-9" in older
    assert len(set(numbers_in(first)) | set(numbers_in(second))) == 100
    assert all(n in expected_order(many_orders) for n in numbers_in(second))


def test_selector_pages_through_a_search_exactly_once(world, many_orders):
    """The search's union of branches pages like the plain list: every match once, in order."""
    seen, after = [], None
    while True:
        page = order_page(account=world.store, filters=OrderFilters(q="customer"), after=after, size=7)
        seen += [o.number for o in page.orders]
        if page.older is None:
            break
        after = page.older

    assert seen == expected_order(many_orders)


def test_a_broken_cursor_shows_the_first_page(world, many_orders):
    response = world.client_for(world.viewer).get(list_url(world, after="not-a-cursor"))

    assert response.status_code == 200
    assert numbers_in(response) == expected_order(many_orders)[:50]
    assert OrderCursor.decode("12.x") is None


# Query budget


def list_queries(client, url) -> int:
    client.get(url)  # steady state: the look-up caches hold what the request reads
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_is_fixed_however_many_orders(world, catalog, django_assert_max_num_queries):
    client = world.client_for(world.viewer)
    client.get(list_url(world))  # the first visit also stores the current account in the session
    make_orders(world.store, [order_draft(world.store, [(catalog["HAT-9"], 1)], created_at=BASE)])
    few = list_queries(client, list_url(world))
    few_search = list_queries(client, list_url(world, q="HAT-9", status="open"))

    channel = ChannelFactory(account=world.store)
    make_orders(
        world.store,
        [
            order_draft(world.store, [(catalog["HAT-9"], 1), (catalog["BOOT-1"], 2)], source=Order.Source.SALES_CHANNEL,
                        channel=channel, created_at=BASE + dt.timedelta(minutes=n))
            for n in range(70)
        ],
    )
    in_tenant(world.org)

    # A first page that shows every match is its own count; a full one runs the count query too (one, however
    # many orders).
    assert list_queries(client, list_url(world)) == few + 1
    # A search is one query with the rest: the SKU's orders are read from its lines' index inside it.
    assert list_queries(client, list_url(world, q="HAT-9", status="open")) == few_search + 1 == few + 1
    with django_assert_max_num_queries(15):  # 12 for the session, user, roles and header; 3 for the page:
        # the count, the rows and the saved views
        client.get(list_url(world, q="HAT-9", source="sales_channel", created_from="2025-03-01"))


def test_search_indexes_are_in_every_organization_and_pg_trgm_in_public(world, other_world):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, indexname FROM pg_indexes WHERE indexname IN ('order_name_trgm', 'order_email_trgm')"
        )
        found = set(cursor.fetchall())
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
        extension_schema = cursor.fetchone()[0]

    assert extension_schema == "public"
    assert {(org, index) for org in ("acme", "globex") for index in ("order_name_trgm", "order_email_trgm")} <= found


# htmx and the way in


def test_htmx_request_gets_only_the_rows_and_a_plain_get_the_whole_page(world, orders):
    client = world.client_for(world.viewer)

    fragment = client.get(list_url(world, q="grace"), HTTP_HX_REQUEST="true")
    page = client.get(list_url(world, q="grace"))

    assert fragment.content.decode().lstrip().startswith('<div id="order-results">')
    assert "<html" not in fragment.content.decode() and numbers_in(fragment) == [orders[1].number]
    body = page.content.decode()
    assert "<html" in body and 'id="order-filters"' in body and 'method="get"' in body
    assert 'hx-get="' in body and numbers_in(page) == [orders[1].number]
    assert "HX-Request" in page["Vary"]


def test_orders_are_linked_from_the_overview_and_the_header(world):
    client = world.client_for(world.viewer)
    url = reverse("order_list", args=[world.store.pk])

    overview = client.get(reverse("account_overview", args=[world.store.pk])).content.decode()

    assert f'id="overview-orders" href="{url}"' in overview
    assert f'<a href="{url}" id="nav-orders"' in overview  # the overview made the store the current account


# Who may see it


@pytest.mark.parametrize("role", ["admin", "supervisor", "account_admin", "agent", "viewer"])
def test_every_role_with_view_may_list(world, orders, role):
    response = world.client_for(world.by_role(role)).get(list_url(world, simulations="include"))

    assert response.status_code == 200
    assert len(numbers_in(response)) == 4


def test_user_without_the_account_gets_404(world, orders):
    assert world.client_for(world.outsider).get(list_url(world)).status_code == 404
    outlet = reverse("order_list", args=[world.outlet.pk])
    assert world.client_for(world.viewer).get(outlet).status_code == 404
    assert world.client_for(world.viewer).get(reverse("order_list", args=[987654])).status_code == 404


def test_user_of_another_organization_gets_404(world, other_world, orders):
    in_tenant(world.org)
    foreign = world.client_for(None)
    foreign.force_login(other_world.admin)

    assert foreign.get(list_url(world)).status_code == 404


def test_anonymous_is_sent_to_sign_in(world):
    response = world.client_for(None).get(list_url(world))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("query", [{"created_to": "9999-12-31"}, {"created_from": "0001-01-01"}])
def test_a_date_past_the_calendar_is_a_form_error_not_a_500(world, query):
    client = world.client_for(world.admin)
    response = client.get(list_url(world), query)
    assert response.status_code == 200
    assert "Choose a date between 1900 and 9000." in response.content.decode()
