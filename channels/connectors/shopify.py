"""Shopify through the Admin GraphQL API (POST {shop}/admin/api/<version>/graphql.json).

The connection's base URL is the shop's address (https://<shop>.myshopify.com) and its secret the Admin API
access token, sent as X-Shopify-Access-Token. Shopify limits GraphQL by cost: each answer reports
extensions.cost.throttleStatus (maximumAvailable, currentlyAvailable, restoreRate points per second); the
connector waits before a request the bucket cannot pay for, and on a THROTTLED answer waits for the points it
lacks and sends the same request again (same cursor), so no page is lost or read twice. HTTP 401/403 means the
token was revoked or lacks access: the channel needs reconnecting.

Orders are queried by updated_at since the saved cursor, sorted by UPDATED_AT, and handed to intake in the REST
Order shape the "shopify" order format reads (`id` = legacyResourceId, as webhooks carry it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from channels.connectors.base import ConnectorError, OrderPage, connection_of, connection_secret
from channels.models import Channel
from channels.outbound import OutboundError, outbound_call

API_VERSION = "2025-07"
ORDERS_PAGE = 10  # with up to 50 lines each, a query costs about 700 of the 1000 points a query may cost
LINES_PAGE = 50
HANDED_ON = 50  # orders handed to intake at a time (it writes them in one batch)
LIST_PAGE = 250
SET_BATCH = 250  # inventorySetQuantities takes at most 250 quantities
ATTEMPTS = 6
MAX_WAIT = 30.0  # seconds: a longer wait is the channel failing, retried by the next run
RECONNECT = ("the token was revoked or lacks access in Shopify: reconnect the channel (enter a new Admin API "
             "access token on the channel form).")

MONEY = "shopMoney { amount currencyCode }"
TAX_LINES = f"taxLines {{ title rate priceSet {{ {MONEY} }} }}"
ALLOCATIONS = f"discountAllocations {{ allocatedAmountSet {{ {MONEY} }} discountApplication {{ index }} }}"
LINE = f"sku title name quantity originalUnitPriceSet {{ {MONEY} }} {ALLOCATIONS} {TAX_LINES}"
ADDRESS = "firstName lastName name address1 address2 city province provinceCode zip countryCodeV2 phone"
ORDERS_QUERY = f"""query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id legacyResourceId name email phone createdAt updatedAt currencyCode note taxesIncluded discountCodes
      totalPriceSet {{ {MONEY} }}
      customer {{ firstName lastName email phone }}
      shippingAddress {{ {ADDRESS} }}
      billingAddress {{ {ADDRESS} }}
      discountApplications(first: 10) {{ nodes {{ __typename index
        ... on DiscountCodeApplication {{ code }} ... on ManualDiscountApplication {{ title }}
        ... on AutomaticDiscountApplication {{ title }} ... on ScriptDiscountApplication {{ title }} }} }}
      lineItems(first: {LINES_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE} }} }}
      shippingLines(first: 5) {{ nodes {{ title code source carrierIdentifier originalPriceSet {{ {MONEY} }}
        {ALLOCATIONS} {TAX_LINES} }} }}
    }}
  }}
}}"""
LINES_QUERY = f"""query OrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{ lineItems(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE} }} }} }}
}}"""
SHOP_QUERY = "query Shop { shop { name currencyCode } }"
LOCATIONS_QUERY = """query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name isActive } }
}"""
VARIANTS_QUERY = """query Variants($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor } nodes { id sku title price product { title } inventoryItem { id } }
  }
}"""
SET_MUTATION = """mutation SetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason changes { name delta } }
    userErrors { field message code }
  }
}"""


class _Bucket:
    """The cost bucket as Shopify last reported it, refilled at its restore rate since then."""

    def __init__(self):
        self.status: dict | None = None
        self.at = 0.0
        self.last_cost = 0.0  # what the last request was charged: the estimate for the next of its kind

    def wait_for(self, cost: float) -> float:
        if not self.status or not cost:
            return 0.0
        rate = float(self.status.get("restoreRate") or 0) or 1.0
        have = float(self.status.get("currentlyAvailable") or 0) + (time.monotonic() - self.at) * rate
        have = min(have, float(self.status.get("maximumAvailable") or have))
        return max(0.0, (cost - have) / rate)

    def update(self, status: dict) -> None:
        self.status, self.at = status, time.monotonic()


_BUCKETS: dict[tuple[str, int], _Bucket] = {}  # per organization's channel, for this process


def _state_save(channel: Channel, **fields) -> None:
    from channels.services import channel_state_save

    channel_state_save(channel=channel, **fields)


def _fail(channel: Channel, message: str, *, reconnect: bool = False, refused: bool = False) -> ConnectorError:
    if not refused:
        _state_save(channel, error=message[:500], error_at=timezone.now(), needs_reconnect=reconnect)
    return ConnectorError(f"{channel.name}: {message}", reconnect=reconnect, refused=refused)


def _graphql(channel: Channel, query: str, variables: dict | None = None, *, cost: float = 0) -> dict:
    """The `data` of one GraphQL request, paced by the cost bucket and retried on THROTTLED, 429 and 5xx."""
    conn = connection_of(channel)
    url = f"{conn.base_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
    token = connection_secret(channel, url)
    if not token:
        raise _fail(channel, "no Admin API access token is stored: enter it on the channel form.", reconnect=True)
    headers = {"Accept": "application/json", "X-Shopify-Access-Token": token}
    bucket = _BUCKETS.setdefault((connection.schema_name, channel.pk), _Bucket())
    problem = "Shopify's rate limit asked for a longer wait than a run allows"
    for attempt in range(ATTEMPTS):
        wait = bucket.wait_for(cost)
        if wait > MAX_WAIT:
            break
        time.sleep(wait)
        try:
            answer = outbound_call(url=url, headers=headers, payload={"query": query, "variables": variables or {}},
                                   timeout=conn.timeout_seconds)
        except OutboundError as exc:
            raise _fail(channel, exc.message) from None
        if answer.status in (401, 403):
            raise _fail(channel, RECONNECT, reconnect=True)
        if answer.status == 429 or answer.status >= 500:
            problem = f"Shopify answered HTTP {answer.status}"
            time.sleep(min(MAX_WAIT, _retry_after(answer.headers) or 0.5 * 2 ** attempt))
            continue
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.status >= 300 or not body:
            raise _fail(channel, f"Shopify answered HTTP {answer.status} without a GraphQL answer.")
        spent = (body.get("extensions") or {}).get("cost") or {}
        if spent.get("throttleStatus"):
            bucket.update(spent["throttleStatus"])
        bucket.last_cost = float(spent.get("requestedQueryCost") or 0)
        errors = body.get("errors") or []
        errors = [errors] if not isinstance(errors, list) else errors
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors if isinstance(e, dict)):
            problem = "Shopify kept answering THROTTLED"
            cost = max(cost, float(spent.get("requestedQueryCost") or 0))
            time.sleep(min(MAX_WAIT, max(bucket.wait_for(cost), 0.05)))
            continue
        if errors:
            messages = "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors)
            raise _fail(channel, f"Shopify refused the request: {messages}"[:480])
        _state_save(channel, throttle={**(bucket.status or {}), "at": timezone.now().isoformat()}, error="",
                    needs_reconnect=False)
        return body.get("data") or {}
    raise _fail(channel, f"{problem}; the request was not done and will be tried again on the next run.")


def _retry_after(headers: dict) -> float | None:
    try:
        return float(headers.get("retry-after", ""))
    except ValueError:
        return None


def _pages(channel: Channel, query: str, field: str, variables: dict, *, first: int) -> Iterator[dict]:
    after = None
    while True:
        data = _graphql(channel, query, {**variables, "first": first, "after": after}, cost=0)
        found = data.get(field) or {}
        yield found
        info = found.get("pageInfo") or {}
        if not info.get("hasNextPage") or not info.get("endCursor"):
            return
        after = info["endCursor"]


def test(channel: Channel) -> str:
    shop = _graphql(channel, SHOP_QUERY, cost=1).get("shop") or {}
    name, currency = shop.get("name") or "?", shop.get("currencyCode") or "?"
    _state_save(channel, connected_as=f"{name} ({currency})"[:200])
    return f"Connected to the Shopify shop {name} (currency {currency})."


def products(channel: Channel) -> list[dict]:
    result = []
    for page in _pages(channel, VARIANTS_QUERY, "productVariants", {}, first=LIST_PAGE):
        for node in page.get("nodes") or []:
            title = " - ".join(t for t in [(node.get("product") or {}).get("title"), node.get("title")]
                               if t and t != "Default Title")
            result.append({"sku": node.get("sku") or "", "name": title, "price": node.get("price") or "0"})
    return result


def locations(channel: Channel) -> list[dict]:
    """The shop's active locations: [{"id", "name"}]."""
    return [{"id": n["id"], "name": n.get("name") or n["id"]}
            for page in _pages(channel, LOCATIONS_QUERY, "locations", {}, first=LIST_PAGE)
            for n in page.get("nodes") or [] if n.get("isActive", True)]


def sku_ids(channel: Channel) -> dict[str, str]:
    """{seller SKU: inventory item id} for every variant of the shop that has a SKU."""
    return {n["sku"]: (n.get("inventoryItem") or {}).get("id") or ""
            for page in _pages(channel, VARIANTS_QUERY, "productVariants", {}, first=LIST_PAGE)
            for n in page.get("nodes") or [] if n.get("sku")}


def order_pages(channel: Channel, *, since: str) -> Iterator[OrderPage]:
    """Orders updated since the cursor (inclusive: an order seen twice is a duplicate intake skips), oldest
    update first, handed on HANDED_ON at a time (several GraphQL pages); each page's checkpoint is the last
    updatedAt it holds. An order with more lines than one page holds has the rest read before it is handed on."""
    query = f"updated_at:>='{since}'" if since else ""
    after, cost, nodes = None, 0.0, []
    while True:
        data = _graphql(channel, ORDERS_QUERY, {"first": ORDERS_PAGE, "after": after, "query": query}, cost=cost)
        cost = _BUCKETS[(connection.schema_name, channel.pk)].last_cost
        orders = data.get("orders") or {}
        for node in orders.get("nodes") or []:
            _all_lines(channel, node)
            nodes.append(node)
        info = orders.get("pageInfo") or {}
        last = not info.get("hasNextPage") or not info.get("endCursor")
        if len(nodes) >= HANDED_ON or last:
            checkpoint = max((n.get("updatedAt") or "" for n in nodes), default="")
            yield OrderPage(payloads=[order_as_rest(n) for n in nodes], checkpoint=checkpoint)
            nodes = []
        if last:
            return
        after = info["endCursor"]


def _all_lines(channel: Channel, node: dict) -> None:
    lines = node.get("lineItems") or {}
    info = lines.get("pageInfo") or {}
    while info.get("hasNextPage") and info.get("endCursor"):
        data = _graphql(channel, LINES_QUERY, {"id": node["id"], "first": LIST_PAGE, "after": info["endCursor"]})
        more = ((data.get("order") or {}).get("lineItems")) or {}
        lines.setdefault("nodes", []).extend(more.get("nodes") or [])
        info = more.get("pageInfo") or {}


def _amount(money_set) -> str:
    return str(((money_set or {}).get("shopMoney") or {}).get("amount") or "0")


def _nodes(page) -> list[dict]:
    return list((page or {}).get("nodes") or [])


def _address(raw) -> dict | None:
    if not raw:
        return None
    return {"first_name": raw.get("firstName"), "last_name": raw.get("lastName"), "name": raw.get("name"),
            "address1": raw.get("address1"), "address2": raw.get("address2"), "city": raw.get("city"),
            "province": raw.get("province"), "province_code": raw.get("provinceCode"), "zip": raw.get("zip"),
            "country_code": raw.get("countryCodeV2"), "phone": raw.get("phone")}


def _allocations(raw: list) -> list[dict]:
    return [{"amount": _amount(a.get("allocatedAmountSet")),
             "discount_application_index": (a.get("discountApplication") or {}).get("index")} for a in raw or []]


def _tax_lines(raw: list) -> list[dict]:
    return [{"title": t.get("title"), "rate": t.get("rate"), "price": _amount(t.get("priceSet"))} for t in raw or []]


def order_as_rest(node: dict) -> dict:
    """A GraphQL order node in the REST/webhook Order shape (intake/adapters/shopify.py), money as charged."""
    applications = sorted(_nodes(node.get("discountApplications")), key=lambda a: a.get("index") or 0)
    lines = [{"sku": li.get("sku") or "", "title": li.get("title") or li.get("name"), "quantity": li.get("quantity"),
              "price": _amount(li.get("originalUnitPriceSet")),
              "discount_allocations": _allocations(li.get("discountAllocations")),
              "tax_lines": _tax_lines(li.get("taxLines"))} for li in _nodes(node.get("lineItems"))]
    shipping = [{"title": s.get("title"), "code": s.get("code"), "source": s.get("source"),
                 "carrier_identifier": s.get("carrierIdentifier"), "price": _amount(s.get("originalPriceSet")),
                 "discount_allocations": _allocations(s.get("discountAllocations")),
                 "tax_lines": _tax_lines(s.get("taxLines"))} for s in _nodes(node.get("shippingLines"))]
    # REST's discount_codes carry the amount each code took: the sum of its allocations.
    taken: dict[int, Decimal] = {}
    for item in [*lines, *shipping]:
        for a in item["discount_allocations"]:
            index = a["discount_application_index"]
            taken[index] = taken.get(index, Decimal(0)) + Decimal(a["amount"])
    codes = [{"code": a.get("code"), "amount": str(taken.get(a.get("index"), Decimal("0.00")))}
             for a in applications if a.get("code")]
    customer = node.get("customer") or {}
    return {
        "id": int(node["legacyResourceId"]) if str(node.get("legacyResourceId") or "").isdigit()
        else node.get("legacyResourceId"),
        "name": node.get("name"), "email": node.get("email"), "phone": node.get("phone"),
        "created_at": node.get("createdAt"), "updated_at": node.get("updatedAt"),
        "currency": node.get("currencyCode"), "note": node.get("note"),
        "customer": {"first_name": customer.get("firstName"), "last_name": customer.get("lastName"),
                     "email": customer.get("email"), "phone": customer.get("phone")} if customer else None,
        "line_items": lines, "shipping_lines": shipping,
        "shipping_address": _address(node.get("shippingAddress")),
        "billing_address": _address(node.get("billingAddress")),
        "discount_codes": codes,
        "discount_applications": [{"type": a.get("__typename"), "code": a.get("code"), "title": a.get("title")}
                                  for a in applications],
        "total_price": _amount(node.get("totalPriceSet")),
        "taxes_included": node.get("taxesIncluded") is True,
    }


def push_inventory(channel: Channel, items: list[dict]) -> None:
    """Set each given SKU's available quantity at every mapped location to that warehouse's available stock.
    SKUs and warehouses without a map are skipped (the channel page lists them)."""
    from channels.selectors import channel_push_quantities

    quantities = channel_push_quantities(channel=channel, skus=[str(item["sku"]) for item in items])
    for start in range(0, len(quantities), SET_BATCH):
        batch = quantities[start:start + SET_BATCH]
        data = _graphql(channel, SET_MUTATION, {"input": {
            "name": "available", "reason": "correction", "ignoreCompareQuantity": True, "quantities": batch,
        }}, cost=10)
        errors = (data.get("inventorySetQuantities") or {}).get("userErrors") or []
        if errors:
            raise _fail(channel, "Shopify refused the quantities: " + "; ".join(
                str(e.get("message")) for e in errors)[:400], refused=True)
    _state_save(channel, pushed_at=timezone.now())
