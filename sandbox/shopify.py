"""python -m sandbox.shopify [--port 8766]: a local Shopify shop speaking the subset of the Admin GraphQL API the
OMS uses, as Shopify documents it.

POST /admin/api/<version>/graphql.json   {"query", "variables"} with header X-Shopify-Access-Token
    shop { name currencyCode }
    orders(first, after, query: "updated_at:>='...'", sortKey: UPDATED_AT)  pageInfo { hasNextPage endCursor }, nodes
      (lineItems(first: n) gives each order's first n lines and their pageInfo); order(id) { lineItems(...) }
    locations(first, after)             nodes { id name isActive }
    productVariants(first, after, query) nodes { id sku title price product { title } inventoryItem { id } }
    inventorySetQuantities(input: {name: "available", reason, ignoreCompareQuantity, quantities: [...]})
  Every answer carries extensions.cost (requestedQueryCost, actualQueryCost, throttleStatus {maximumAvailable,
  currentlyAvailable, restoreRate}); a request costing more than is available is answered
  {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]} (HTTP 200, nothing done); an
  unknown or revoked token gets HTTP 401; a query costing over 1000 points is refused (MAX_COST_EXCEEDED). The operation is recognised by its top-level field; an answer holds
  every field of its objects whatever the selection (clients read what they asked for).

Test control (no token needed):
POST /_orders       a list of order nodes (see `sample_order`) replaces the orders; ?append=1 adds them
POST /_locations    [{"id", "name"}] replaces the locations;  POST /_variants [{"id", "sku", "title", "price",
                    "inventoryItem": {"id"}}] replaces the variants
POST /_throttle     {"maximumAvailable", "currentlyAvailable", "restoreRate", "drain_after": n}: the bucket; with
                    drain_after n, the bucket is empty when request n+1 arrives (another app spent it)
POST /_tokens       {"revoke": ["token"], "add": ["token"]}
GET  /_received     the quantities set, in arrival order: [{"inventoryItemId", "locationId", "quantity", "at"}]
GET  /_requests     [{"operation", "variables", "throttled"}] in arrival order; DELETE /_received clears both
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox.serving import loopback_server, port_argument

TOKEN = "shpat_sandbox_token"
GRAPHQL_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
OPERATIONS = ["inventorySetQuantities", "orders", "order", "locations", "productVariants", "shop"]
MAX_FIRST = 250
MAX_COST = 1000  # Shopify refuses a single query that would cost more


def _gid(kind: str, number) -> str:
    return f"gid://shopify/{kind}/{number}"


def _money(amount: str, currency: str = "USD") -> dict:
    return {"shopMoney": {"amount": amount, "currencyCode": currency},
            "presentmentMoney": {"amount": amount, "currencyCode": currency}}


def sample_order(order_id: int = 450789469, *, name: str = "#1001", sku: str = "MUG-BLUE", quantity: int = 2,
                 price: str = "9.50", updated_at: str = "2026-11-23T15:04:05Z") -> dict:
    """An order node shaped like the documentation's example order (#1001, Jane Doe in Boston): one line with a
    10% code discount and state tax, standard shipping with its tax."""
    gross = float(price) * quantity
    discount = round(gross * 0.10, 2)
    tax = round((gross - discount) * 0.06, 2)
    total = round(gross - discount + tax + 5.00 + 0.30, 2)
    address = {
        "firstName": "Jane", "lastName": "Doe", "name": "Jane Doe", "company": None, "address1": "123 Main Street",
        "address2": "Apt 4B", "city": "Boston", "province": "Massachusetts", "provinceCode": "MA", "zip": "02110",
        "country": "United States", "countryCodeV2": "US", "phone": "+1 617 555 0134",
    }
    return {
        "id": _gid("Order", order_id), "legacyResourceId": str(order_id), "name": name,
        "email": "jane.doe@example.com", "phone": "+16175550134",
        "createdAt": updated_at, "updatedAt": updated_at, "processedAt": updated_at,
        "currencyCode": "USD", "note": "Leave at the front desk.", "taxesIncluded": False,
        "totalPriceSet": _money(f"{total:.2f}"),
        "discountCodes": ["SPRING10"],
        "discountApplications": {"nodes": [
            {"__typename": "DiscountCodeApplication", "index": 0, "code": "SPRING10", "allocationMethod": "ACROSS",
             "targetType": "LINE_ITEM", "value": {"percentage": 10.0}},
        ]},
        "customer": {"id": _gid("Customer", 207119551), "firstName": "Jane", "lastName": "Doe",
                     "email": "jane.doe@example.com", "phone": "+16175550134"},
        "shippingAddress": address, "billingAddress": dict(address),
        "lineItems": {"nodes": [{
            "id": _gid("LineItem", order_id * 10 + 1), "sku": sku, "name": f"Enamel mug - {sku}",
            "title": "Enamel mug", "quantity": quantity, "originalUnitPriceSet": _money(price),
            "discountAllocations": [{"allocatedAmountSet": _money(f"{discount:.2f}"),
                                     "discountApplication": {"index": 0}}],
            "taxLines": [{"title": "State Tax", "rate": 0.06, "priceSet": _money(f"{tax:.2f}")}],
        }]},
        "shippingLines": {"nodes": [{
            "title": "Standard Shipping", "code": "Standard", "source": "shopify", "carrierIdentifier": None,
            "originalPriceSet": _money("5.00"),
            "taxLines": [{"title": "State Tax", "rate": 0.06, "priceSet": _money("0.30")}],
            "discountAllocations": [],
        }]},
    }


DEFAULT_LOCATIONS = [
    {"id": _gid("Location", 655441491), "name": "Main warehouse", "isActive": True},
    {"id": _gid("Location", 655441492), "name": "Second warehouse", "isActive": True},
]
DEFAULT_VARIANTS = [
    {"id": _gid("ProductVariant", 39072856), "sku": "MUG-BLUE", "title": "Blue", "price": "9.50",
     "product": {"title": "Enamel mug"}, "inventoryItem": {"id": _gid("InventoryItem", 39072856)}},
    {"id": _gid("ProductVariant", 49148385), "sku": "TEE-M", "title": "M", "price": "18.00",
     "product": {"title": "Logo tee"}, "inventoryItem": {"id": _gid("InventoryItem", 49148385)}},
]


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.shop = {"name": "Sandbox Shop", "currencyCode": "USD"}
        self.tokens = {TOKEN}
        self.orders: list[dict] = []
        self.locations = [dict(x) for x in DEFAULT_LOCATIONS]
        self.variants = [dict(x) for x in DEFAULT_VARIANTS]
        self.levels: dict[tuple[str, str], int] = {}
        self.received: list[dict] = []
        self.requests: list[dict] = []
        self.maximum, self.restore_rate = 1000.0, 50.0
        self.available, self.at = 1000.0, time.monotonic()
        self.drain_after: int | None = None

    def spend(self, cost: float) -> tuple[bool, dict]:
        """Shopify's leaky bucket: refill since the last request, then take `cost` if it is there."""
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now
        if self.drain_after is not None:  # another app spent the bucket just before this request
            if self.drain_after <= 0:
                self.available, self.drain_after = 0.0, None
            else:
                self.drain_after -= 1
        allowed = cost <= self.available
        if allowed:
            self.available -= cost
        status = {"maximumAvailable": self.maximum, "currentlyAvailable": int(self.available),
                  "restoreRate": self.restore_rate}
        return allowed, status


def _cursor(index: int) -> str:
    return base64.b64encode(json.dumps({"last": index}).encode()).decode()


def _after(cursor) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.b64decode(cursor))["last"]) + 1
    except (ValueError, KeyError, TypeError):
        raise ValueError("Invalid cursor for current pagination sort.") from None


def _page(items: list, variables: dict) -> dict:
    first = int(variables.get("first") or 0)
    if not 0 < first <= MAX_FIRST:
        raise ValueError(f"The first argument must be between 1 and {MAX_FIRST}.")
    start = _after(variables.get("after"))
    nodes = items[start:start + first]
    end = start + len(nodes) - 1
    return {
        "pageInfo": {"hasNextPage": start + first < len(items), "hasPreviousPage": start > 0,
                     "startCursor": _cursor(start) if nodes else None, "endCursor": _cursor(end) if nodes else None},
        "nodes": nodes,
    }


UPDATED_FILTER = re.compile(r"updated_at:(>=|>)'?([0-9T:.\-+Z]+)'?")


def _orders(store: Store, query: str, variables: dict) -> dict:
    orders = sorted(store.orders, key=lambda o: (o["updatedAt"], int(o["legacyResourceId"])))
    match = UPDATED_FILTER.search(variables.get("query") or "")
    if match:
        op, since = match.groups()
        orders = [o for o in orders if (o["updatedAt"] >= since if op == ">=" else o["updatedAt"] > since)]
    found = _page(orders, variables)
    lines = re.search(r"lineItems\(first:\s*(\d+)\)", query)
    if lines:  # each order's first lines, with the cursor to the rest
        found["nodes"] = [{**o, "lineItems": _page(o["lineItems"]["nodes"], {"first": int(lines.group(1))})}
                          for o in found["nodes"]]
    return found


def _order_lines(store: Store, variables: dict) -> dict | None:
    order = next((o for o in store.orders if o["id"] == variables.get("id")), None)
    if order is None:
        return None
    return {"id": order["id"], "lineItems": _page(order["lineItems"]["nodes"], variables)}


def _variants(store: Store, variables: dict) -> dict:
    skus = set(re.findall(r"sku:'?([^'\s)]+)'?", variables.get("query") or ""))
    variants = [v for v in store.variants if not skus or v["sku"] in skus]
    return _page(variants, variables)


def _set_quantities(store: Store, variables: dict) -> dict:
    data = variables.get("input") or {}
    errors = []
    if data.get("name") != "available":
        errors.append({"field": ["input", "name"], "message": "The quantity name must be available.",
                       "code": "INVALID_NAME"})
    if not data.get("reason"):
        errors.append({"field": ["input", "reason"], "message": "A reason is required.", "code": "INVALID_REASON"})
    quantities = data.get("quantities") or []
    if len(quantities) > MAX_FIRST:
        errors.append({"field": ["input", "quantities"], "message": f"At most {MAX_FIRST} quantities per request.",
                       "code": "INVALID_QUANTITY"})
    items = {v["inventoryItem"]["id"] for v in store.variants}
    locations = {loc["id"] for loc in store.locations}
    for index, q in enumerate(quantities):
        if q.get("inventoryItemId") not in items:
            errors.append({"field": ["input", "quantities", str(index), "inventoryItemId"],
                           "message": "The specified inventory item could not be found.",
                           "code": "INVALID_INVENTORY_ITEM"})
        if q.get("locationId") not in locations:
            errors.append({"field": ["input", "quantities", str(index), "locationId"],
                           "message": "The specified location could not be found.", "code": "INVALID_LOCATION"})
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes, now = [], time.time()
    for q in quantities:
        key = (q["inventoryItemId"], q["locationId"])
        before = store.levels.get(key, 0)
        store.levels[key] = int(q["quantity"])
        store.received.append({"inventoryItemId": key[0], "locationId": key[1], "quantity": int(q["quantity"]),
                               "at": now})
        changes.append({"name": "available", "delta": int(q["quantity"]) - before,
                        "item": {"id": key[0]}, "location": {"id": key[1]}})
    return {"inventoryAdjustmentGroup": {"reason": data["reason"], "changes": changes}, "userErrors": []}


def _operation(query: str) -> str | None:
    body = query[query.find("{") + 1:] if "{" in query else ""
    for name in OPERATIONS:
        if re.match(rf"\s*{name}\b", body):
            return name
    return None


def _cost(operation: str, query: str, variables: dict) -> int:
    """Shopify's estimate, simplified: a connection costs 2 plus `first` times the cost of its node."""
    first = int(variables.get("first") or 1)
    if operation == "orders":
        nested = sum(int(n) for n in re.findall(r"\w+\(first:\s*(\d+)\)", query))
        return 2 + first * (3 + nested)
    return {"shop": 1, "order": 3 + first, "locations": 2 + first, "productVariants": 2 + first,
            "inventorySetQuantities": 10}[operation]


class Handler(BaseHTTPRequestHandler):
    store: Store

    def log_message(self, *args):
        pass

    def _json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null") if length else None

    def do_GET(self):
        path = urlsplit(self.path).path
        with self.store.lock:
            if path == "/_received":
                return self._json(200, self.store.received)
            if path == "/_requests":
                return self._json(200, self.store.requests)
        self._json(404, {"errors": "Not Found"})

    def do_DELETE(self):
        if urlsplit(self.path).path == "/_received":
            with self.store.lock:
                self.store.received.clear()
                self.store.requests.clear()
            return self._json(200, {"ok": True})
        self._json(404, {"errors": "Not Found"})

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            body = self._body()
        except ValueError:
            return self._json(400, {"errors": "Bad Request: the body is not JSON"})
        if GRAPHQL_PATH.match(url.path):
            return self._graphql(body)
        store = self.store
        with store.lock:
            if url.path == "/_orders":
                orders = body if isinstance(body, list) else [body]
                append = parse_qs(url.query).get("append", ["0"])[0] not in ("", "0")
                store.orders = [*store.orders, *orders] if append else list(orders)
                return self._json(200, {"orders": len(store.orders)})
            if url.path == "/_locations":
                store.locations = [{"isActive": True, **loc} for loc in body or []]
                return self._json(200, {"locations": len(store.locations)})
            if url.path == "/_variants":
                store.variants = list(body or [])
                return self._json(200, {"variants": len(store.variants)})
            if url.path == "/_throttle":
                body = body or {}
                store.maximum = float(body.get("maximumAvailable", store.maximum))
                store.restore_rate = float(body.get("restoreRate", store.restore_rate))
                store.available = float(body.get("currentlyAvailable", store.available))
                store.at = time.monotonic()
                store.drain_after = body.get("drain_after")
                return self._json(200, {"ok": True})
            if url.path == "/_tokens":
                store.tokens -= set((body or {}).get("revoke", []))
                store.tokens |= set((body or {}).get("add", []))
                return self._json(200, {"ok": True})
        self._json(404, {"errors": "Not Found"})

    def _graphql(self, body) -> None:
        store = self.store
        if self.headers.get("X-Shopify-Access-Token") not in store.tokens:
            return self._json(401, {"errors": "[API] Invalid API key or access token (unrecognized login or "
                                              "wrong password)"})
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return self._json(400, {"errors": {"query": "Required parameter missing or invalid"}})
        variables = body.get("variables") or {}
        operation = _operation(body["query"])
        if operation is None:
            return self._json(200, {"errors": [{"message": "This emulator does not know that field.",
                                                "extensions": {"code": "undefinedField"}}]})
        with store.lock:
            cost = _cost(operation, body["query"], variables)
            if cost > MAX_COST:
                return self._json(200, {"errors": [{
                    "message": f"Query cost is {cost}, which exceeds the single query max cost limit ({MAX_COST}).",
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_COST},
                }]})
            allowed, status = store.spend(cost)
            store.requests.append({"operation": operation, "variables": variables, "throttled": not allowed})
            extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": cost if allowed else None,
                                   "throttleStatus": status}}
            if not allowed:
                return self._json(200, {"errors": [{
                    "message": "Throttled", "extensions": {
                        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
                }], "extensions": extensions})
            try:
                if operation == "shop":
                    data = {"shop": store.shop}
                elif operation == "orders":
                    data = {"orders": _orders(store, body["query"], variables)}
                elif operation == "order":
                    data = {"order": _order_lines(store, variables)}
                elif operation == "locations":
                    data = {"locations": _page(store.locations, variables)}
                elif operation == "productVariants":
                    data = {"productVariants": _variants(store, variables)}
                else:
                    data = {"inventorySetQuantities": _set_quantities(store, variables)}
            except ValueError as exc:
                return self._json(200, {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}],
                                        "extensions": extensions})
        self._json(200, {"data": data, "extensions": extensions})


def make_server(port: int = 0, store: Store | None = None) -> ThreadingHTTPServer:
    """A shop on 127.0.0.1 (port 0: any free port) with a fresh in-memory store, or `store`."""
    return loopback_server(Handler, store or Store(), port=port)


def main() -> None:
    server = make_server(port_argument(__doc__, default=8766))
    print(f"Shopify emulator on http://127.0.0.1:{server.server_address[1]}/ (token {TOKEN})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
