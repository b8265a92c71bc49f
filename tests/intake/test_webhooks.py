"""Signed channel webhooks: a valid delivery is kept in the inbox at once and drained into one order; a bad or
missing signature is a 401 that writes nothing; a redelivery (same webhook id) is a 200 that adds nothing."""

import base64
import json

from django.test import Client

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intake.models import IntakeFailure, Source, WebhookDelivery
from intake.selectors import intake_health
from intake.services import webhook_inbox_drain, webhook_signature
from orders.models import Order
from tests.intake.failure_helpers import mug
from tests.intake.webhook_helpers import SECRET, deliver, shop_channel, shopify_order


def _setup(world):
    mug(world.store, sku="MUG-BLUE")
    return shop_channel(world.store)


def test_a_valid_delivery_is_kept_at_once_and_drained_into_one_order(world):
    channel = _setup(world)

    with CaptureQueriesContext(connection) as queries:
        response = deliver(world.org, channel, shopify_order(1001), webhook_id="wh-1")
    connection.set_tenant(world.org)

    assert response.status_code == 200, response.content
    assert response.json()["code"] == "received"
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SET SEARCH_PATH"))]
    assert len(writes) == 1 and "ON CONFLICT" in writes[0]  # one INSERT, no session or other write
    assert not Order.objects.filter(channel=channel).exists()  # not yet: the inbox is drained by a worker
    delivery = WebhookDelivery.objects.get(channel=channel)
    assert delivery.webhook_id == "wh-1" and delivery.processed_at is None

    assert webhook_inbox_drain() == 1

    order = Order.objects.get(channel=channel)
    assert order.external_id == "1001" and order.source == Order.Source.SALES_CHANNEL
    delivery.refresh_from_db()
    assert delivery.outcome == WebhookDelivery.Outcome.CREATED and delivery.order == order
    assert webhook_inbox_drain() == 0


def test_a_bad_or_missing_signature_is_refused_and_writes_nothing(world):
    channel = _setup(world)
    body = json.dumps(shopify_order(1002)).encode()
    wrong = base64.b64encode(b"x" * 32).decode()

    for signature, secret in ((wrong, SECRET), ("", SECRET), (None, "another-secret"), ("not base64 at all é", SECRET)):
        response = deliver(world.org, channel, body, signature=signature, secret=secret)
        assert response.status_code == 401, (signature, response.content)
        assert response.json()["code"] == "invalid_signature"
    signed_for_other_body = webhook_signature(SECRET, body)
    response = deliver(world.org, channel, body + b" ", signature=signed_for_other_body)
    assert response.status_code == 401
    connection.set_tenant(world.org)
    assert not WebhookDelivery.objects.exists()
    assert not IntakeFailure.objects.exists() and not Order.objects.filter(channel=channel).exists()


def test_a_channel_without_a_signing_secret_refuses_every_delivery(world):
    mug(world.store, sku="MUG-BLUE")
    channel = shop_channel(world.store, secret="")
    channel.connection.webhook_secret_encrypted = ""
    channel.connection.save()

    response = deliver(world.org, channel, shopify_order(1003), secret="")
    assert response.status_code == 401
    connection.set_tenant(world.org)
    assert not WebhookDelivery.objects.exists()


def test_a_redelivery_is_answered_200_and_creates_nothing(world):
    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1004), webhook_id="wh-4")

    again = deliver(world.org, channel, shopify_order(1004), webhook_id="wh-4")
    connection.set_tenant(world.org)

    assert again.status_code == 200 and again.json()["code"] == "duplicate"
    assert WebhookDelivery.objects.filter(channel=channel).count() == 1
    webhook_inbox_drain()
    # Redelivered after the drain: still nothing more.
    assert deliver(world.org, channel, shopify_order(1004), webhook_id="wh-4").status_code == 200
    connection.set_tenant(world.org)
    assert webhook_inbox_drain() == 0
    assert Order.objects.filter(channel=channel).count() == 1


def test_the_same_order_in_two_deliveries_becomes_one_order(world):
    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1005), webhook_id="wh-5a")
    deliver(world.org, channel, shopify_order(1005), webhook_id="wh-5b")  # e.g. orders/create sent twice
    connection.set_tenant(world.org)

    webhook_inbox_drain()

    assert Order.objects.filter(channel=channel).count() == 1
    outcomes = sorted(WebhookDelivery.objects.values_list("outcome", flat=True))
    assert outcomes == ["created", "duplicate"]


def test_a_rejected_delivery_waits_in_the_failures_list_with_its_retries(world):
    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1006, sku="NOPE"), webhook_id="wh-6")
    deliver(world.org, channel, b"not json", webhook_id="wh-7")
    connection.set_tenant(world.org)

    webhook_inbox_drain()

    unknown = IntakeFailure.objects.get(external_id="1006")
    assert unknown.source == Source.CHANNEL and unknown.channel == channel
    assert unknown.status == IntakeFailure.Status.RETRYING and unknown.reasons[0]["code"] == "unknown_sku"
    assert IntakeFailure.objects.filter(reasons__0__code="unreadable").count() == 1
    assert set(WebhookDelivery.objects.values_list("outcome", flat=True)) == {"rejected"}
    assert not Order.objects.filter(channel=channel).exists()


def test_a_body_over_the_limit_is_refused_with_413(world, settings):
    channel = _setup(world)
    settings.WEBHOOK_MAX_BODY_BYTES = 100

    response = deliver(world.org, channel, shopify_order(1008))
    connection.set_tenant(world.org)

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_an_unknown_token_another_organization_and_a_get_are_refused(world, other_world):
    channel = _setup(world)
    connection.set_tenant(other_world.org)
    assert deliver(other_world.org, channel, shopify_order(1009)).status_code == 404  # token of another org
    connection.set_tenant(world.org)
    channel.webhook_token = "not-a-token"
    assert deliver(world.org, channel, shopify_order(1009)).status_code == 404
    channel.refresh_from_db()
    get = Client(HTTP_HOST=f"{world.org.schema_name}.localhost").get(f"/hooks/{channel.webhook_token}/orders")
    assert get.status_code == 405
    connection.set_tenant(world.org)
    assert not WebhookDelivery.objects.exists()


def test_the_channel_page_shows_the_address_the_last_delivery_and_the_backlog(world):
    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1010), webhook_id="wh-10")
    deliver(world.org, channel, shopify_order(1011), webhook_id="wh-11")
    client = world.client_for(world.account_admin)

    page = client.get(reverse("channel_edit", args=[world.store.pk, channel.pk])).content.decode()

    assert f"/hooks/{channel.webhook_token}/orders" in page
    assert 'id="webhook-waiting">2<' in page and 'id="webhook-last" datetime=' in page
    health = {row.channel: row for row in intake_health(account=world.store) if row.channel}
    assert health[channel].webhook_waiting == 2 and health[channel].webhook_last_at is not None
    intake_page = client.get(reverse("intake_page", args=[world.store.pk])).content.decode()
    assert 'class="webhook-waiting">2<' in intake_page


def test_the_signing_secret_is_entered_on_the_channel_form_and_stored_encrypted(world):
    channel = _setup(world)
    client = world.client_for(world.account_admin)
    response = client.post(reverse("channel_edit", args=[world.store.pk, channel.pk]), {
        "kind": "sales", "name": channel.name, "connector_type": "manual", "order_format": "shopify",
        "warehouses": [world.store.default_warehouse_id], "is_active": "on",
        "conn-auth_header": "Authorization", "conn-products_path": "/products", "conn-orders_path": "/orders",
        "conn-inventory_path": "/inventory", "conn-timeout_seconds": "5", "conn-webhook_secret": "new-secret",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    channel.refresh_from_db()
    assert "new-secret" not in channel.connection.webhook_secret_encrypted

    assert deliver(world.org, channel, shopify_order(1012), secret="new-secret").status_code == 200
    assert deliver(world.org, channel, shopify_order(1013), webhook_id="wh-x").status_code == 401  # the old one


def test_a_form_encoded_body_is_checked_like_any_other_and_refused_without_its_signature(world):
    channel = _setup(world)

    response = Client(HTTP_HOST=f"{world.org.schema_name}.localhost").post(
        f"/hooks/{channel.webhook_token}/orders", {"id": "1", "x": "y"}
    )
    connection.set_tenant(world.org)

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_drained_deliveries_are_forgotten_after_the_keeping_days_and_waiting_ones_never(world, settings):
    import datetime as dt

    from django.utils import timezone

    from intake.services import webhook_inbox_purge

    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1020), webhook_id="old")
    deliver(world.org, channel, shopify_order(1021), webhook_id="recent")
    connection.set_tenant(world.org)
    webhook_inbox_drain()
    WebhookDelivery.objects.filter(webhook_id="old").update(processed_at=timezone.now() - dt.timedelta(days=8))
    deliver(world.org, channel, shopify_order(1022), webhook_id="waiting")
    connection.set_tenant(world.org)

    assert webhook_inbox_purge() == 1

    assert sorted(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == ["recent", "waiting"]
    assert Order.objects.filter(channel=channel).count() == 2  # the orders stay


def test_a_delivery_that_breaks_intake_is_kept_to_retry_with_a_reason_in_words(world, monkeypatch):
    """A bug or an outage while one delivery goes through intake: the others still become orders, and the broken
    one waits in the failures list with a reason a person reads (not the exception's name)."""
    from intake.services import orders as intake_orders

    channel = _setup(world)
    deliver(world.org, channel, shopify_order(1101), webhook_id="wh-ok")
    deliver(world.org, channel, shopify_order(1102), webhook_id="wh-bad")
    connection.set_tenant(world.org)
    real = intake_orders.intake_submit

    def breaks_on_1102(**kwargs):
        if str(kwargs["payload"].get("id")) == "1102":
            raise KeyError("internal_field")
        return real(**kwargs)

    monkeypatch.setattr(intake_orders, "intake_submit_batch", lambda **kwargs: breaks_on_1102(payload={"id": 1102}))
    monkeypatch.setattr(intake_orders, "intake_submit", breaks_on_1102)

    assert webhook_inbox_drain() == 2

    assert list(Order.objects.filter(channel=channel).values_list("external_id", flat=True)) == ["1101"]
    kept = IntakeFailure.objects.get(channel=channel)
    assert kept.status == IntakeFailure.Status.RETRYING
    assert "unexpected error" in kept.reasons[0]["message"]
    assert "KeyError" not in kept.reasons[0]["message"] and "internal_field" not in kept.reasons[0]["message"]


def test_a_new_signing_secret_and_a_deactivated_channel_hold_at_once_with_the_caches_on(world, settings):
    from channels.services import channel_save

    assert settings.LOOKUP_CACHE
    channel = _setup(world)
    assert deliver(world.org, channel, shopify_order(1101), webhook_id="wh-a").status_code == 200  # now cached
    with CaptureQueriesContext(connection) as queries:
        assert deliver(world.org, channel, shopify_order(1101), webhook_id="wh-a").json()["code"] == "duplicate"
    assert not [q for q in queries if "channels_channel" in q["sql"]]  # the channel and secret came from the cache
    connection.set_tenant(world.org)

    def save(**changes):
        for name, value in changes.pop("channel", {}).items():
            setattr(channel, name, value)
        channel_save(account=world.store, channel=channel, warehouses=list(channel.warehouses.all()),
                     connection=channel.connection, secret=None, clear_secret=False, by=world.admin, **changes)
        connection.set_tenant(world.org)

    save(webhook_secret="shpss_rotated")
    assert deliver(world.org, channel, shopify_order(1102), webhook_id="wh-b").status_code == 401  # the old one
    assert deliver(world.org, channel, shopify_order(1102), webhook_id="wh-b", secret="shpss_rotated").status_code == 200
    save(channel={"is_active": False})
    response = deliver(world.org, channel, shopify_order(1103), webhook_id="wh-c", secret="shpss_rotated")
    assert response.status_code == 404
    connection.set_tenant(world.org)
    assert set(WebhookDelivery.objects.values_list("webhook_id", flat=True)) == {"wh-a", "wh-b"}
