"""Standard codes at every door: an unknown ISO 4217 currency or ISO 3166-1 country is refused with a clear
message and nothing is written (API, channel import, CSV, manual order form, clone form, account and warehouse
forms); an account with a currency refuses orders in another one."""

from html import unescape

import pytest
from django.urls import reverse

from accounts.models import ActivityLog, Warehouse
from intake.csv_import import COLUMNS, orders_import_csv
from intake.importing import orders_import
from intake.models import IntakeFailure
from inventory.models import StockMovement
from oms.codes import country_problem, currency_problem
from orders.models import Order
from tests.api.conftest import ApiClient, order_payload
from tests.channels.conftest import sandbox  # noqa: F401  (fixture)
from tests.channels.conftest import sandbox_channel
from tests.intake.failure_helpers import ADDRESS, mug, sandbox_order, serve_orders
from tests.intake.test_manual_order import form_data as manual_form
from tests.orders.conftest import shop  # noqa: F401  (fixture)
from tests.orders.test_clone_page import clone_url, form_data as clone_form

COUNTRY_WORDS = "“XX” is not a country code; use a two-letter ISO code such as US."
CURRENCY_WORDS = "“XYZ” is not a currency code; use a three-letter ISO 4217 code such as USD."


def written(account) -> tuple[int, int]:
    """Orders and stock movements of `account`: what an accepted order would have added."""
    return (Order.objects.filter(account=account).count(), StockMovement.objects.filter(account=account).count())


@pytest.fixture
def api(world):
    from accounts.services import account_rotate_api_key

    mug(world.store, sku="MUG-1")
    return ApiClient(world.org, account_rotate_api_key(account=world.store, by=None))


def test_the_code_lists_are_iso_and_read_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert country_problem("US") is None and country_problem("de") is None and country_problem("JP") is None
        assert currency_problem("USD") is None and currency_problem("EUR") is None and currency_problem("jpy") is None
        assert country_problem("XX") == COUNTRY_WORDS and country_problem("UK")  # GB is the code
        assert currency_problem("XYZ") == CURRENCY_WORDS and currency_problem("XXX")  # "no currency"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"currency": "XYZ"}, "currency", CURRENCY_WORDS),
    ({"shipping_address": {**order_payload()["shipping_address"], "country": "XX"}}, "shipping_address.country",
     f"Shipping address: {COUNTRY_WORDS}"),
    ({"billing_address": {**order_payload()["shipping_address"], "country": "XX"}}, "billing_address.country",
     f"Billing address: {COUNTRY_WORDS}"),
])
def test_api_refuses_unknown_codes(world, api, changes, field, words):
    before = written(world.store)
    response = api.post("/orders", order_payload(**changes))

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {(field, words)}
    assert written(world.store) == before


def test_channel_import_refuses_unknown_codes(world, sandbox):  # noqa: F811
    mug(world.store, sku="MUG-1")
    market = sandbox_channel(world.store, sandbox, warehouses=[world.store.default_warehouse], name="Sandbox",
                             order_format="sandbox", supports_order_import=True)
    before = written(world.store)
    serve_orders(sandbox, [sandbox_order("SBX-1", currency="XYZ"),
                           sandbox_order("SBX-2", ship_to={**ADDRESS, "country": "XX"})])

    counts = orders_import(channel=market)

    assert (counts.created, counts.rejected) == (0, 2)
    assert written(world.store) == before
    failures = IntakeFailure.objects.filter(account=world.store)
    reasons = {f.external_id: [r["message"] for r in f.reasons] for f in failures}
    assert reasons == {"SBX-1": [CURRENCY_WORDS], "SBX-2": [f"Shipping address: {COUNTRY_WORDS}"]}


def test_csv_import_refuses_an_unknown_country(world):
    mug(world.store, sku="MUG-1")
    before = written(world.store)
    values = {c: "" for c in COLUMNS} | {
        "external_id": "CSV-1", "customer_name": "Ada Lovelace", "ship_name": "Ada Lovelace",
        "ship_line1": "1 Analytical St", "ship_city": "Boston", "ship_postal_code": "02110", "ship_country": "XX",
        "sku": "MUG-1", "quantity": "1", "carrier_code": "UPS", "service_code": "GROUND",
    }
    text = ",".join(COLUMNS) + "\n" + ",".join(values[c] for c in COLUMNS) + "\n"

    result = orders_import_csv(account=world.store, text=text, by=world.agent)

    assert (len(result.created), len(result.rejected)) == (0, 1)
    assert written(world.store) == before
    failure = IntakeFailure.objects.get(account=world.store)
    assert [r["message"] for r in failure.reasons] == [f"Shipping address: {COUNTRY_WORDS}"]


def test_manual_order_form_refuses_an_unknown_country(world):
    mug(world.store, sku="MUG-1")
    before = written(world.store)
    response = world.client_for(world.agent).post(
        reverse("intake_new_order", args=[world.store.pk]), manual_form(ship_country="XX"))

    html = unescape(response.content.decode())
    assert response.status_code == 400
    start = html.index('id="field-ship_country"')
    assert COUNTRY_WORDS in html[start:html.index("</div>", start)]
    assert written(world.store) == before


def test_clone_form_refuses_an_unknown_country(world, shop):  # noqa: F811
    before = written(shop.account)
    response = world.client_for(world.agent).post(clone_url(shop), clone_form(shop, shipping_country="XX"))

    assert response.status_code == 422
    assert f"Shipping address: {COUNTRY_WORDS}" in unescape(response.content.decode())
    assert written(shop.account) == before


def main_data(account, **changes) -> dict:
    fields = ["name", "code", "timezone", "currency", "license_type", "size_unit", "volume_unit", "weight_unit"]
    return {name: getattr(account, name) for name in fields} | changes


def test_account_form_refuses_an_unknown_currency_and_takes_a_known_one(world):
    client = world.client_for(world.admin)
    url = reverse("account_settings", args=[world.store.pk, "main"])
    logged = ActivityLog.objects.filter(account=world.store).count()

    response = client.post(url, main_data(world.store, currency="XYZ"))

    assert response.status_code == 422
    assert response.context["form"].errors["currency"] == [CURRENCY_WORDS]
    world.store.refresh_from_db()
    assert world.store.currency == "" and ActivityLog.objects.filter(account=world.store).count() == logged

    assert client.post(url, main_data(world.store, currency="eur")).status_code == 302
    world.store.refresh_from_db()
    assert world.store.currency == "EUR"


def test_warehouse_form_refuses_an_unknown_country_when_adding_or_editing(world):
    client = world.client_for(world.admin)
    warehouse = world.store.default_warehouse
    count = Warehouse.objects.filter(account=world.store).count()

    added = client.post(reverse("account_settings", args=[world.store.pk, "warehouses"]),
                        {"name": "Second", "code": "SECOND", "country": "XX"})
    edited = client.post(reverse("warehouse_edit", args=[world.store.pk, warehouse.pk]),
                         {"name": warehouse.name, "code": warehouse.code, "country": "XX"})

    for response in (added, edited):
        assert response.status_code == 422
        assert response.context["form"].errors["country"] == [COUNTRY_WORDS]
    assert Warehouse.objects.filter(account=world.store).count() == count
    warehouse.refresh_from_db()
    assert warehouse.country == "US"


def test_an_account_with_a_currency_refuses_orders_in_another(world, api):
    world.store.currency = "EUR"
    world.store.save(update_fields=["currency"])
    before = written(world.store)

    refused = api.post("/orders", order_payload(currency="USD"))

    assert refused.status_code == 422
    assert [(e["code"], e["message"]) for e in refused.json()["errors"]] == [(
        "currency_mismatch", f"The order is in USD, but {world.store.name} takes orders in EUR only; send it in EUR "
        "or clear the account's currency.")]
    assert written(world.store) == before

    taken = api.post("/orders", order_payload(external_id="WEB-2", currency=None))  # none given: the account's
    assert taken.status_code == 201, taken.content
    assert Order.objects.get(account=world.store).currency == "EUR"


def test_an_account_without_a_currency_takes_any_known_one(world, api):
    response = api.post("/orders", order_payload(currency="JPY"))

    assert response.status_code == 201, response.content
    assert Order.objects.get(account=world.store).currency == "JPY"
