"""An order the API's schema refuses (a wrong type, a missing field, a value too long) is answered 422 as before
and kept on the Intake page as an API failure, with its reasons in words; nothing else is written, and an
Idempotency-Key behaves as before (the refusal does not take the key)."""

import pytest
from django.urls import reverse

from intake.models import IntakeFailure, Source
from orders.models import Order
from tests.api.conftest import counts, order_payload


def _without(**changes):
    body = order_payload()
    for name, value in changes.items():
        if value is None:
            del body[name]
        else:
            body[name] = value
    return body


REFUSED = [
    pytest.param(
        _without(lines=[{"sku": "MUG-1", "quantity": "two"}]), "lines[0].quantity",
        "Line 1 quantity: Use a whole number of units, e.g. 2.", id="string-quantity",
    ),
    pytest.param(
        _without(lines=None), "lines",
        'Lines: Add the order\'s lines, e.g. [{"sku": "MUG-1", "quantity": 2}].', id="missing-lines",
    ),
    pytest.param(
        _without(shipping_address={**order_payload()["shipping_address"], "country": "USA"}),
        "shipping_address.country", "Shipping address country: Use a two-letter country code, e.g. US.",
        id="three-letter-country",
    ),
    pytest.param(
        _without(customer={"name": "A" * 201, "email": "ada@example.com"}), "customer.name",
        "Customer name: Use at most 200 characters.", id="name-too-long",
    ),
]


@pytest.mark.parametrize("sent, field, words", REFUSED)
def test_a_body_the_schema_refuses_is_422_and_kept_on_the_intake_page(world, store_api, mug, sent, field, words):
    response = store_api.post("/orders", sent, **{"Idempotency-Key": "refused-1"})

    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["field"], body["message"]) == (
        "required" if field == "lines" else "invalid", field, words,
    )
    failure = IntakeFailure.objects.get(account=world.store)
    assert (failure.source, failure.document, failure.status, failure.payload) == (
        Source.API, "sales_order", IntakeFailure.Status.DEAD, sent,
    )
    assert [(r["field"], r["message"]) for r in failure.reasons] == [(field, words)]
    assert "should" not in words  # the library's wording ("String should have at most ...") is not shown
    assert counts(world.store) == {"orders": 0, "failures": 1, "idempotency_keys": 0, "movements": 1}

    page = world.client_for(world.agent).get(reverse("intake_failure", args=[world.store.pk, failure.pk]))
    assert page.status_code == 200
    assert words.replace('"', "&quot;").replace("'", "&#x27;") in page.content.decode()
    listing = world.client_for(world.agent).get(reverse("intake_page", args=[world.store.pk]))
    assert f"/intake/failures/{failure.pk}/" in listing.content.decode()


def test_the_refusal_keeps_the_idempotency_key_free_and_a_retry_counts_on_the_same_failure(world, store_api, mug):
    bad = order_payload(lines=[{"sku": "MUG-1", "quantity": "two"}])
    first = store_api.post("/orders", bad, **{"Idempotency-Key": "order-9"})
    again = store_api.post("/orders", bad, **{"Idempotency-Key": "order-9"})

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and "Idempotent-Replayed" not in again
    failure = IntakeFailure.objects.get(account=world.store)
    assert failure.attempts == 2

    # The corrected body with the same key is taken (the refusal did not use the key up), and its order
    # resolves the kept failure: it came in after all.
    fixed = store_api.post("/orders", order_payload(), **{"Idempotency-Key": "order-9"})
    assert fixed.status_code == 201, fixed.content
    failure.refresh_from_db()
    order = Order.objects.get(account=world.store)
    assert (failure.status, failure.order) == (IntakeFailure.Status.REPLAYED, order)
    replayed = store_api.post("/orders", order_payload(), **{"Idempotency-Key": "order-9"})
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json()["number"] == order.number


def test_nothing_is_kept_without_a_valid_key_or_for_a_body_that_is_not_an_object(world, store_api, mug):
    from tests.api.conftest import ApiClient

    anonymous = ApiClient(world.org, "wrong-key")
    assert anonymous.post("/orders", _without(lines=None)).status_code == 401
    assert store_api.post("/orders", raw="[1, 2]").status_code == 422
    # A refused header alone (the body is fine) is not an order refused.
    assert store_api.post("/orders", order_payload(), **{"Idempotency-Key": "x" * 300}).status_code == 422
    assert counts(world.store)["failures"] == 0


def test_a_refused_order_is_kept_in_its_own_account_only(world, store_api, outlet_api, mug):
    assert outlet_api.post("/orders", _without(lines=None)).status_code == 422
    assert not IntakeFailure.objects.filter(account=world.store).exists()
    assert IntakeFailure.objects.get(account=world.outlet).source == Source.API
    page = world.client_for(world.agent).get(
        reverse("intake_failure", args=[world.store.pk, IntakeFailure.objects.get(account=world.outlet).pk])
    )
    assert page.status_code == 404
