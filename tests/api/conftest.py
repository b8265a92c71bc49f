"""API test helpers: a client that sends an account's key to its organization's host, and the plain keys of
the `world` accounts (keys are only ever stored hashed, so each test rotates to learn one)."""

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from accounts.services import account_rotate_api_key
from tests import factories


class ApiClient:
    """Django's test client aimed at /api/v1/ of `org`, with an API key (or none)."""

    def __init__(self, org, key: str | None = None, **headers):
        self.org = org
        self.client = Client(HTTP_HOST=f"{org.schema_name}.localhost")
        self.headers = dict(headers)
        if key is not None:
            self.headers["X-Api-Key"] = key

    def _done(self, response):
        connection.set_tenant(self.org)  # the request may have moved the connection
        return response

    def get(self, path: str, params=None, **headers):
        return self._done(self.client.get(f"/api/v1{path}", params or {}, headers={**self.headers, **headers}))

    def post(self, path: str, body=None, *, raw: bytes | str | None = None, **headers):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self._done(
            self.client.post(f"/api/v1{path}", data, content_type="application/json", headers={**self.headers, **headers})
        )

    def call(self, method: str, path: str, **headers):
        return self._done(self.client.generic(method, f"/api/v1{path}", headers={**self.headers, **headers}))


@dataclass
class Keys:
    store: str
    outlet: str


@pytest.fixture
def keys(world) -> Keys:
    keys = Keys(
        store=account_rotate_api_key(account=world.store, by=None),
        outlet=account_rotate_api_key(account=world.outlet, by=None),
    )
    connection.set_tenant(world.org)
    return keys


@pytest.fixture
def store_api(world, keys) -> ApiClient:
    return ApiClient(world.org, keys.store)


@pytest.fixture
def outlet_api(world, keys) -> ApiClient:
    return ApiClient(world.org, keys.outlet)


@pytest.fixture
def mug(world):
    """SKU MUG-1 of the store, 12.00, with 50 in its MAIN warehouse."""
    variant = factories.VariantFactory(account=world.store, sku="MUG-1", price=Decimal("12.00"))
    factories.stock(variant, world.store.default_warehouse, 50)
    return variant


def order_payload(**changes) -> dict:
    body = {
        "external_id": "WEB-1001",
        "currency": "USD",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 555 0100"},
        "shipping_address": {
            "name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Boston", "region": "MA",
            "postal_code": "02110", "country": "US",
        },
        "lines": [{"sku": "MUG-1", "quantity": 2, "unit_price": "9.50"}],
        "carrier_code": "UPS",
        "service_code": "GROUND",
    }
    body.update(changes)
    return body


def counts(account) -> dict[str, int]:
    """Rows the API could have written for `account`."""
    from intake.models import IdempotencyKey, IntakeFailure
    from inventory.models import StockMovement
    from orders.models import Order

    return {
        "orders": Order.objects.filter(account=account).count(),
        "failures": IntakeFailure.objects.filter(account=account).count(),
        "idempotency_keys": IdempotencyKey.objects.filter(account=account).count(),
        "movements": StockMovement.objects.filter(account=account).count(),
    }


def race_shop(org):
    """A committed account of `org` (for parallel threads): warehouse MAIN, SKU MUG-1 with 100; (account, key)."""
    account, key, warehouse = factories.shop(org, "Race Shop")
    factories.stock(factories.VariantFactory(account=account, sku="MUG-1"), warehouse, 100)
    return account, key


def posting(org, key: str, body: dict, **headers):
    """A call for run_in_parallel: POST `body` to /orders with its own client; (status, JSON)."""

    def call():
        client = Client(HTTP_HOST=f"{org.schema_name}.localhost")
        response = client.post(
            "/api/v1/orders", json.dumps(body), content_type="application/json",
            headers={"X-Api-Key": key, **headers},
        )
        return response.status_code, response.json()

    return call
