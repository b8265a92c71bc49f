"""An order without an external id that was refused, then resent corrected by the client and also replayed by an
operator, becomes one order: the two copies share a fingerprint (customer, lines and date), so whichever comes
second is recognised as a duplicate of the order the first became."""

import pytest
from django.urls import reverse

from intake.models import IntakeFailure
from orders.models import Order, ShippingMethod
from tests.api.conftest import order_payload


@pytest.fixture
def ground(world):
    return ShippingMethod.objects.create(
        account=world.store, code="GROUND", name="Ground", price="5.00", carrier_code="UPS", service_code="GROUND",
    )


def _idless(**changes):
    return order_payload(external_id=None, **changes)


def _replay(world, failure):
    url = reverse("intake_failure_action", args=[world.store.pk, failure.pk, "replay"])
    return world.client_for(world.agent).post(url, follow=True).content.decode()


REFUSED_THEN_CORRECTED = [
    pytest.param(_idless(shipping_method="EXPRESS"), _idless(shipping_method="GROUND"), id="unknown-shipping-method"),
    pytest.param(
        _idless(shipping_address={**order_payload()["shipping_address"], "country": "USA"}),
        _idless(), id="schema-three-letter-country",
    ),
]


@pytest.mark.parametrize("refused, corrected", REFUSED_THEN_CORRECTED)
def test_the_corrected_resend_first_then_the_replay_is_recognised_as_a_duplicate(
    world, store_api, mug, ground, refused, corrected,
):
    assert store_api.post("/orders", refused).status_code == 422
    failure = IntakeFailure.objects.get(account=world.store)
    assert failure.external_id == "" and len(failure.fingerprint) == 64

    created = store_api.post("/orders", corrected)
    assert created.status_code == 201, created.content
    order = Order.objects.get(account=world.store)
    failure.refresh_from_db()
    assert (failure.status, failure.order) == (IntakeFailure.Status.REPLAYED, order)

    html = _replay(world, failure)
    assert f"was already replayed: <a href=\"{reverse('order_detail', args=[world.store.pk, order.number])}\">" in html
    assert Order.objects.filter(account=world.store).count() == 1


def test_the_replay_first_then_the_corrected_resend_is_answered_as_a_duplicate(world, store_api, mug, ground):
    assert store_api.post("/orders", _idless(shipping_method="EXPRESS")).status_code == 422
    failure = IntakeFailure.objects.get(account=world.store)
    ShippingMethod.objects.create(account=world.store, code="EXPRESS", name="Express", price="15.00")
    _replay(world, failure)
    order = Order.objects.get(account=world.store)
    failure.refresh_from_db()
    assert (failure.status, failure.order) == (IntakeFailure.Status.REPLAYED, order)

    resent = store_api.post("/orders", _idless(shipping_method="GROUND"))

    assert resent.status_code == 409, resent.content
    assert resent.json()["code"] == "duplicate_order" and resent.json()["order_number"] == order.number
    assert order.number in resent.json()["message"]
    assert Order.objects.filter(account=world.store).count() == 1


def test_another_customer_or_other_lines_are_not_duplicates(world, store_api, mug, ground):
    assert store_api.post("/orders", _idless(shipping_method="EXPRESS")).status_code == 422
    ShippingMethod.objects.create(account=world.store, code="EXPRESS", name="Express", price="15.00")
    _replay(world, IntakeFailure.objects.get(account=world.store))

    other_customer = _idless(customer={"name": "Grace Hopper", "email": "grace@example.com"})
    other_lines = _idless(lines=[{"sku": "MUG-1", "quantity": 3, "unit_price": "9.50"}])
    gift = _idless(shipping_address={**order_payload()["shipping_address"], "name": "Charles Babbage"})
    assert store_api.post("/orders", other_customer).status_code == 201
    assert store_api.post("/orders", other_lines).status_code == 201
    assert store_api.post("/orders", gift).status_code == 201  # same customer and items, another recipient
    assert Order.objects.filter(account=world.store).count() == 4


def test_a_quantity_in_other_unicode_digits_is_a_422_and_kept(world, store_api, mug, ground):
    body = _idless(lines=[{"sku": "MUG-1", "quantity": "²"}])
    response = store_api.post("/orders", body)
    assert response.status_code == 422
    assert IntakeFailure.objects.filter(account=world.store).count() == 1


def test_two_refused_copies_replayed_become_one_order(world, store_api, mug, ground):
    for _ in range(2):  # the client sent it twice, once with another note: two failures
        assert store_api.post("/orders", _idless(shipping_method="EXPRESS", notes=f"try {_}")).status_code == 422
    first, second = IntakeFailure.objects.filter(account=world.store).order_by("id")
    ShippingMethod.objects.create(account=world.store, code="EXPRESS", name="Express", price="15.00")

    _replay(world, first)
    order = Order.objects.get(account=world.store)
    second.refresh_from_db()
    # The order resolved its other refused copy too: replaying it cannot create it again.
    assert (second.status, second.order) == (IntakeFailure.Status.REPLAYED, order)
    _replay(world, second)
    assert Order.objects.filter(account=world.store).count() == 1


def test_a_refused_copy_kept_after_the_order_exists_replays_as_that_order(world, store_api, mug, ground):
    assert store_api.post("/orders", _idless(shipping_method="EXPRESS")).status_code == 422
    ShippingMethod.objects.create(account=world.store, code="EXPRESS", name="Express", price="15.00")
    _replay(world, IntakeFailure.objects.get(account=world.store))
    order = Order.objects.get(account=world.store)

    bad_country = _idless(shipping_address={**order_payload()["shipping_address"], "country": "USA"})
    assert store_api.post("/orders", bad_country).status_code == 422  # kept, open
    late = IntakeFailure.objects.get(account=world.store, status=IntakeFailure.Status.DEAD)
    html = _replay(world, late)

    link = reverse("order_detail", args=[world.store.pk, order.number])
    assert f'#{late.pk} is already order <a href="{link}">{order.number}</a>: nothing new was created.' in html
    late.refresh_from_db()
    assert (late.status, late.order) == (IntakeFailure.Status.REPLAYED, order)
    assert Order.objects.filter(account=world.store).count() == 1
