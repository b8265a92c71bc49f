"""One Shopify order arriving both by webhook (REST shape) and by the GraphQL pull makes one order: the pull
hands intake the order's legacyResourceId as `id`, the same external id the webhook carries."""

from django.db import connection

from intake.importing import orders_import
from intake.services import webhook_inbox_drain
from orders.models import Order
from tests.channels.shopify_helpers import sample_order, shopify_channel
from tests.intake.failure_helpers import mug
from tests.intake.webhook_helpers import SECRET, deliver, shopify_order


def test_a_webhook_then_a_pull_of_the_same_order_make_one_order(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=20)
    channel = shopify_channel(world.store, shopify, webhook_secret=SECRET)

    assert deliver(world.org, channel, shopify_order(450789469), webhook_id="wh-1").status_code == 200
    connection.set_tenant(world.org)
    assert webhook_inbox_drain() == 1
    shopify.seed_orders([sample_order(450789469)])
    counts = orders_import(channel=channel)

    assert counts.created == 0 and counts.duplicates == 1
    assert list(Order.objects.filter(channel=channel).values_list("external_id", flat=True)) == ["450789469"]


def test_a_pull_then_a_webhook_of_the_same_order_make_one_order(world, shopify):
    mug(world.store, sku="MUG-BLUE", on_hand=20)
    channel = shopify_channel(world.store, shopify, webhook_secret=SECRET)
    shopify.seed_orders([sample_order(450789470)])

    assert orders_import(channel=channel).created == 1
    assert deliver(world.org, channel, shopify_order(450789470), webhook_id="wh-2").status_code == 200
    connection.set_tenant(world.org)
    webhook_inbox_drain()

    assert Order.objects.filter(channel=channel).count() == 1
