"""python -m sandbox.amazon [--port 8767]: a local Selling Partner API (and its Login with Amazon token
endpoint) for tests and the demo, the subset the Amazon connector speaks, answering as the SP-API
documentation describes.

POST /auth/o2/token                            LWA: grant_type=refresh_token, client_id, client_secret,
                                               refresh_token (form) -> {access_token, expires_in: 3600}; a bad
                                               or revoked refresh token -> 400 invalid_grant
GET  /sellers/v1/marketplaceParticipations     the seller's marketplaces and store name
GET  /orders/v0/orders                         getOrders: MarketplaceIds, LastUpdatedAfter, MaxResultsPerPage,
                                               NextToken -> {payload: {Orders, NextToken, LastUpdatedBefore}};
                                               BuyerInfo and the full ShippingAddress only with a restricted
                                               data token naming them
GET  /orders/v0/orders/{id}/orderItems         getOrderItems -> {payload: {AmazonOrderId, OrderItems, NextToken}}
POST /tokens/2021-03-01/restrictedDataToken    createRestrictedDataToken {restrictedResources: [{method, path,
                                               dataElements}]} -> {restrictedDataToken, expiresIn}
PATCH /listings/2021-08-01/items/{seller}/{sku}?marketplaceIds=..   patchListingsItem (JSON Patch of
                                               /attributes/fulfillment_availability) -> ACCEPTED, or 400 INVALID
                                               for a SKU the seller does not list

Every SP-API answer carries x-amzn-RateLimit-Limit; each operation has a token bucket (rate per second, burst)
and answers 429 QuotaExceeded when it is empty. An expired access token gets 403 Unauthorized "The access
token you provided has expired."

Test controls:
POST /_orders      {"orders": [order with "OrderItems"], "append": bool}: the orders it offers (LastUpdateDate
                   set to now, one millisecond apart, when absent)
POST /_listings    {"skus": [...]}: the seller SKUs it lists (others are INVALID); GET /_listings: quantities
GET  /_received    the patches received [{sku, quantity, marketplaceIds}] in order; DELETE clears them
POST /_rates       {"getOrders": {"rate": 20, "burst": 2}, ...}: rate and burst per operation
POST /_throttle    {"getOrders": 1}: the next n calls of that operation answer 429 whatever the bucket holds;
                   {"getOrders": {"after": 1, "count": 1}}: the same once one more call has been answered
POST /_expire      every access token issued so far is expired (the client does not know it yet)
POST /_revoke      the refresh token is revoked: the token endpoint answers invalid_grant
GET  /_calls       {operation: count} of the calls answered (429s included, as "<operation>:429")
POST /_config      {"page_size": n, "seller_id": "...", "store_name": "..."}

Run on its own (the demo), it lists every SKU it is sent and offers the documentation's example order.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.serving import loopback_server, port_argument

CLIENT_ID = "amzn1.application-oa2-client.sandbox"
CLIENT_SECRET = "sandbox-client-secret"
REFRESH_TOKEN = "Atzr|sandbox-refresh-token"
SELLER_ID = "A2SANDBOXSELLER"
MARKETPLACE_ID = "ATVPDKIKX0DER"

# Rate (requests per second) and burst of each operation, as the SP-API documentation gives them.
DEFAULT_RATES = {
    "getOrders": (0.0167, 20), "getOrderItems": (0.5, 30), "createRestrictedDataToken": (1.0, 10),
    "patchListingsItem": (5.0, 10), "getMarketplaceParticipations": (0.016, 15),
}
PII_ELEMENTS = {"buyerInfo", "shippingAddress"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def example_order(order_id: str = "902-3159896-1390916", *, sku: str = "SBX-MUG", quantity: int = 1,
                  price: str = "9.50", tax: str = "0.76") -> dict:
    """An order shaped as the documentation's getOrders and getOrderItems examples, items inlined."""
    return {
        "AmazonOrderId": order_id, "PurchaseDate": "2026-11-23T10:00:00Z", "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN", "SalesChannel": "Amazon.com", "ShipServiceLevel": "Std US D2D Dom",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": f"{float(price) + float(tax):.2f}"},
        "NumberOfItemsShipped": 0, "NumberOfItemsUnshipped": quantity, "PaymentMethod": "Other",
        "MarketplaceId": MARKETPLACE_ID, "ShipmentServiceLevelCategory": "Standard", "OrderType": "StandardOrder",
        "IsBusinessOrder": False, "IsPrime": False,
        "BuyerInfo": {"BuyerEmail": "buyer@marketplace.amazon.com", "BuyerName": "Jane Buyer"},
        "ShippingAddress": {"Name": "Jane Buyer", "AddressLine1": "1 Main St", "City": "Seattle",
                            "StateOrRegion": "WA", "PostalCode": "98101", "CountryCode": "US",
                            "Phone": "+1 206 555 0100"},
        "OrderItems": [{
            "ASIN": "B00551Q3CS", "SellerSKU": sku, "OrderItemId": f"{order_id}-1", "Title": "Sandbox item",
            "QuantityOrdered": quantity, "QuantityShipped": 0,
            "ItemPrice": {"CurrencyCode": "USD", "Amount": price}, "ItemTax": {"CurrencyCode": "USD", "Amount": tax},
            "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "0.00"},
            "ShippingPrice": {"CurrencyCode": "USD", "Amount": "0.00"},
        }],
    }


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.orders: list[dict] = []
        self.listings: dict[str, int | None] = {}
        self.received: list[dict] = []
        self.access: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.rdts: dict[str, tuple[float, list[dict]]] = {}
        self.refresh_revoked = False
        self.rates = {op: list(rb) for op, rb in DEFAULT_RATES.items()}
        self.buckets: dict[str, tuple[float, float]] = {}  # op -> (tokens, at)
        self.forced: dict[str, tuple[int, int]] = {}  # op -> (calls answered first, calls throttled)
        self.calls: dict[str, int] = {}
        self.page_size = 100
        self.seller_id = SELLER_ID
        self.store_name = "Sandbox Store"
        self.any_sku = False  # every SKU is listed (the demo, whose catalogue the emulator does not know)

    def take(self, op: str) -> bool:
        """One request from the operation's bucket; False when it is empty (or a throttle was forced)."""
        rate, burst = self.rates.get(op, (1.0, 1))
        now = time.monotonic()
        tokens, at = self.buckets.get(op, (float(burst), now))
        tokens = min(float(burst), tokens + (now - at) * rate)
        skip, count = self.forced.get(op, (0, 0))
        if count > 0 and skip > 0:
            self.forced[op] = (skip - 1, count)
        elif count > 0:
            self.forced[op] = (0, count - 1)
            self.buckets[op] = (tokens, now)
            return False
        if tokens < 1:
            self.buckets[op] = (tokens, now)
            return False
        self.buckets[op] = (tokens - 1, now)
        return True


class Handler(BaseHTTPRequestHandler):
    store: Store

    def log_message(self, *args):
        pass

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _errors(self, status: int, code: str, message: str, details: str = "", headers=None) -> None:
        self._send(status, {"errors": [{"code": code, "message": message, "details": details}]}, headers)

    def _raw_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self):
        try:
            return json.loads(self._raw_body() or b"null")
        except ValueError:
            return None

    # SP-API operations -------------------------------------------------------------------------------------

    def _operation(self, method: str, path: str) -> str | None:
        if method == "GET" and path == "/sellers/v1/marketplaceParticipations":
            return "getMarketplaceParticipations"
        if method == "GET" and path == "/orders/v0/orders":
            return "getOrders"
        if method == "GET" and re.fullmatch(r"/orders/v0/orders/[^/]+/orderItems", path):
            return "getOrderItems"
        if method == "POST" and path == "/tokens/2021-03-01/restrictedDataToken":
            return "createRestrictedDataToken"
        if method == "PATCH" and re.fullmatch(r"/listings/2021-08-01/items/[^/]+/[^/]+", path):
            return "patchListingsItem"
        return None

    def _sp_api(self, method: str) -> bool:
        url = urlsplit(self.path)
        op = self._operation(method, url.path)
        if op is None:
            return False
        store = self.store
        token = self.headers.get("x-amz-access-token") or ""
        with store.lock:
            rate = store.rates.get(op, (1.0, 1))[0]
            limit = {"x-amzn-RateLimit-Limit": f"{rate:g}", "x-amzn-RequestId": secrets.token_hex(8)}
            now = time.time()
            rdt = store.rdts.get(token)
            expiry = store.access[token] if token in store.access else (rdt[0] if rdt else None)
            if expiry is None:
                self._errors(403, "Unauthorized", "Access to requested resource is denied.",
                             "The access token you provided is revoked, malformed or invalid.", limit)
                return True
            if expiry <= now:
                self._errors(403, "Unauthorized", "Access to requested resource is denied.",
                             "The access token you provided has expired.", limit)
                return True
            if not store.take(op):
                store.calls[f"{op}:429"] = store.calls.get(f"{op}:429", 0) + 1
                self._errors(429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "", limit)
                return True
            store.calls[op] = store.calls.get(op, 0) + 1
            query = parse_qs(url.query)
            status, body = getattr(self, f"_{op}")(url.path, query, rdt[1] if rdt else None)
        self._send(status, body, limit)
        return True

    def _getMarketplaceParticipations(self, path, query, rdt):
        return 200, {"payload": [{
            "marketplace": {"id": MARKETPLACE_ID, "name": "Amazon.com", "countryCode": "US",
                            "defaultCurrencyCode": "USD", "defaultLanguageCode": "en_US",
                            "domainName": "www.amazon.com"},
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": self.store.store_name,
        }]}

    def _getOrders(self, path, query, rdt):
        store = self.store
        if not query.get("MarketplaceIds"):
            return 400, {"errors": [{"code": "InvalidInput", "message": "MarketplaceIds is required."}]}
        next_token = (query.get("NextToken") or [""])[0]
        if next_token:
            try:
                state = json.loads(base64.urlsafe_b64decode(next_token))
                after, offset, before = state["after"], int(state["offset"]), state["before"]
            except (ValueError, KeyError, TypeError):
                return 400, {"errors": [{"code": "InvalidInput", "message": "Invalid NextToken."}]}
        else:
            after = (query.get("LastUpdatedAfter") or [""])[0]
            if not after or _parse(after) is None:
                return 400, {"errors": [{"code": "InvalidInput",
                                         "message": "Either CreatedAfter or LastUpdatedAfter must be given."}]}
            offset, before = 0, _iso(datetime.now(UTC))
        size = min(int((query.get("MaxResultsPerPage") or ["100"])[0]), store.page_size, 100)
        since, until = _parse(after), _parse(before)
        matching = sorted(
            (o for o in store.orders if since <= _parse(o["LastUpdateDate"]) <= until),
            key=lambda o: (o["LastUpdateDate"], o["AmazonOrderId"]),
        )
        page = matching[offset:offset + size]
        pii = set()
        for resource in rdt or []:
            if resource.get("path") == "/orders/v0/orders":
                pii |= set(resource.get("dataElements") or [])
        orders = []
        for order in page:
            shown = {k: v for k, v in order.items() if k != "OrderItems"}
            if "buyerInfo" not in pii:
                shown.pop("BuyerInfo", None)
            if "shippingAddress" not in pii and "ShippingAddress" in shown:
                shown["ShippingAddress"] = {k: v for k, v in shown["ShippingAddress"].items()
                                            if k in ("City", "StateOrRegion", "PostalCode", "CountryCode")}
            orders.append(shown)
        payload = {"Orders": orders, "LastUpdatedBefore": before}
        if offset + size < len(matching):
            payload["NextToken"] = base64.urlsafe_b64encode(
                json.dumps({"after": after, "offset": offset + size, "before": before}).encode()
            ).decode()
        return 200, {"payload": payload}

    def _getOrderItems(self, path, query, rdt):
        order_id = path.split("/")[4]
        for order in self.store.orders:
            if order["AmazonOrderId"] == order_id:
                return 200, {"payload": {"AmazonOrderId": order_id, "OrderItems": order.get("OrderItems", [])}}
        return 404, {"errors": [{"code": "NotFound", "message": f"Order {order_id} not found."}]}

    def _createRestrictedDataToken(self, path, query, rdt):
        body = self._json_body() or {}
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not resources:
            return 400, {"errors": [{"code": "InvalidInput", "message": "restrictedResources is required."}]}
        for resource in resources:
            if not set(resource.get("dataElements") or []) <= PII_ELEMENTS:
                return 400, {"errors": [{"code": "InvalidInput", "message": "Unknown dataElements."}]}
        token = "Atz.sprdt|" + secrets.token_urlsafe(24)
        self.store.rdts[token] = (time.time() + 3600, resources)
        return 200, {"restrictedDataToken": token, "expiresIn": 3600}

    def _patchListingsItem(self, path, query, rdt):
        store = self.store
        _, _, _, _, seller, sku = path.split("/", 5)
        body = self._json_body()
        if seller != store.seller_id:
            return 403, {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
        if not query.get("marketplaceIds"):
            return 400, {"errors": [{"code": "InvalidInput", "message": "marketplaceIds is required."}]}
        quantity = None
        try:
            for patch in body["patches"]:
                if patch["path"] == "/attributes/fulfillment_availability" and patch["op"] in ("replace", "merge"):
                    for value in patch["value"]:
                        if value.get("fulfillment_channel_code") == "DEFAULT":
                            quantity = int(value["quantity"])
        except (KeyError, TypeError, ValueError):
            quantity = None
        sku = unquote(sku)
        if store.any_sku:
            store.listings.setdefault(sku, None)
        if quantity is None or quantity < 0 or sku not in store.listings:
            message = "quantity missing or negative" if sku in store.listings else f"SKU {sku} is not listed."
            return 400, {"sku": sku, "status": "INVALID", "submissionId": secrets.token_hex(16),
                         "issues": [{"code": "4000001", "message": message, "severity": "ERROR"}]}
        store.listings[sku] = quantity
        store.received.append({"sku": sku, "quantity": quantity, "marketplaceIds": query["marketplaceIds"][0],
                               "at": time.time()})
        return 200, {"sku": sku, "status": "ACCEPTED", "submissionId": secrets.token_hex(16), "issues": []}

    # LWA ---------------------------------------------------------------------------------------------------

    def _token(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self._raw_body().decode(errors="replace")).items()}
        store = self.store
        if form.get("grant_type") != "refresh_token":
            return self._send(400, {"error": "unsupported_grant_type",
                                    "error_description": "The authorization grant type is not supported."})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._send(401, {"error": "invalid_client",
                                    "error_description": "Client authentication failed"})
        with store.lock:
            if form.get("refresh_token") != REFRESH_TOKEN or store.refresh_revoked:
                return self._send(400, {"error": "invalid_grant", "error_description":
                                        "The request has an invalid grant parameter : refresh_token"})
            token = "Atza|" + secrets.token_urlsafe(24)
            store.access[token] = time.time() + 3600
            store.calls["token"] = store.calls.get("token", 0) + 1
        self._send(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600,
                         "refresh_token": REFRESH_TOKEN})

    # HTTP verbs --------------------------------------------------------------------------------------------

    def do_GET(self):
        if self._sp_api("GET"):
            return
        path, store = urlsplit(self.path).path, self.store
        with store.lock:
            if path == "/_received":
                return self._send(200, [{k: v for k, v in r.items() if k != "at"} for r in store.received])
            if path == "/_listings":
                return self._send(200, dict(store.listings))
            if path == "/_calls":
                return self._send(200, dict(store.calls))
        self._send(404, {"errors": [{"code": "NotFound", "message": "Resource not found."}]})

    def do_PATCH(self):
        if not self._sp_api("PATCH"):
            self._send(404, {"errors": [{"code": "NotFound", "message": "Resource not found."}]})

    def do_DELETE(self):
        if urlsplit(self.path).path == "/_received":
            with self.store.lock:
                self.store.received.clear()
            return self._send(200, {"ok": True})
        self._send(404, {"errors": [{"code": "NotFound", "message": "Resource not found."}]})

    def do_POST(self):
        path, store = urlsplit(self.path).path, self.store
        if path == "/auth/o2/token":
            return self._token()
        if self._sp_api("POST"):
            return
        body = self._json_body() or {}
        with store.lock:
            if path == "/_orders":
                orders = list(body.get("orders") or [])
                base = datetime.now(UTC) - timedelta(seconds=5)
                for index, order in enumerate(orders):
                    order.setdefault("LastUpdateDate", _iso(base + timedelta(milliseconds=index)))
                store.orders = [*store.orders, *orders] if body.get("append") else orders
                return self._send(200, {"orders": len(store.orders)})
            if path == "/_listings":
                store.listings = {str(sku): store.listings.get(str(sku)) for sku in body.get("skus") or []}
                return self._send(200, {"skus": sorted(store.listings)})
            if path == "/_rates":
                for op, value in body.items():
                    store.rates[op] = [float(value["rate"]), int(value["burst"])]
                    store.buckets.pop(op, None)
                return self._send(200, store.rates)
            if path == "/_throttle":
                for op, value in body.items():
                    skip, count = (int(value.get("after", 0)), int(value.get("count", 1))) if isinstance(
                        value, dict) else (0, int(value))
                    store.forced[op] = (skip, count)
                return self._send(200, {op: list(v) for op, v in store.forced.items()})
            if path == "/_expire":
                store.access = {token: 0.0 for token in store.access}
                return self._send(200, {"expired": len(store.access)})
            if path == "/_revoke":
                store.refresh_revoked = True
                store.access.clear()
                return self._send(200, {"revoked": True})
            if path == "/_config":
                store.page_size = int(body.get("page_size", store.page_size))
                store.seller_id = str(body.get("seller_id", store.seller_id))
                store.store_name = str(body.get("store_name", store.store_name))
                return self._send(200, {"ok": True})
        self._send(404, {"errors": [{"code": "NotFound", "message": "Resource not found."}]})


def make_server(port: int = 0, store: Store | None = None) -> ThreadingHTTPServer:
    """The emulator on 127.0.0.1 (port 0: any free port) with a fresh store, or `store`."""
    return loopback_server(Handler, store or Store(), port=port)


def main() -> None:
    server = make_server(port_argument(__doc__, default=8767))
    store = server.RequestHandlerClass.store
    store.any_sku = True
    store.orders = [example_order()]
    store.orders[0]["LastUpdateDate"] = _iso(datetime.now(UTC) - timedelta(minutes=5))
    print(f"Amazon SP-API emulator on http://127.0.0.1:{server.server_address[1]}/ (seller {SELLER_ID}, "
          f"marketplace {MARKETPLACE_ID})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
