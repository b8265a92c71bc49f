"""Shopify-style webhook deliveries for the webhook tests: a channel with a signing secret, signed bodies."""

import copy
import json
from pathlib import Path

from django.test import Client

from channels.models import Channel, ChannelConnection
from channels.secrets import secret_encrypt
from intake.services import webhook_signature
from tests import factories

SECRET = "shpss_test_secret"
SAMPLE = json.loads((Path(__file__).parent / "samples" / "shopify.json").read_text())


def shop_channel(account, *, secret: str = SECRET, name: str = "Shop") -> Channel:
    channel = factories.ChannelFactory(account=account, name=name, order_format="shopify",
                                       connector_type=Channel.Connector.MANUAL)
    channel.warehouses.set([account.default_warehouse])
    ChannelConnection.objects.create(channel=channel, webhook_secret_encrypted=secret_encrypt(secret, origin="webhook"))
    return channel


def shopify_order(order_id: int, *, sku: str = "MUG-BLUE", quantity: int = 1) -> dict:
    order = copy.deepcopy(SAMPLE)
    order["id"] = order_id
    order["line_items"] = [{**order["line_items"][0], "sku": sku, "quantity": quantity}]
    order["total_price"] = f"{9.5 * quantity:.2f}"
    return order


def deliver(org, channel, body: bytes | dict, *, webhook_id: str | None = "wh-1", secret: str = SECRET,
            signature: str | None = None, client: Client | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Shopify-Topic": "orders/create"}
    if signature is None:
        signature = webhook_signature(secret, raw)
    if signature:
        headers["X-Shopify-Hmac-Sha256"] = signature
    if webhook_id is not None:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    client = client or Client(HTTP_HOST=f"{org.schema_name}.localhost")
    return client.post(f"/hooks/{channel.webhook_token}/orders", raw, content_type="application/json", headers=headers)
