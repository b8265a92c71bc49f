"""Amazon's Selling Partner API.

Auth: the connection's secret is a Login with Amazon client id, client secret and refresh token (JSON), sealed
for the token endpoint's origin (`token_url`) and sent nowhere else. The refresh token is exchanged there for
an access token, cached encrypted in the channel's state with its expiry (sealed for the SP-API's origin) and
sent as `x-amz-access-token`; it is refreshed a minute before it expires, and once more when Amazon answers
that it has expired (the request is then retried once).

Orders: getOrders by LastUpdatedAfter (the cursor) with NextToken paging, read with a restricted data token
for the buyer and the shipping address; getOrderItems per order. Each order with its items becomes one
Amazon-style payload (intake/adapters/amazon.py), money as Amazon charged it. A page's checkpoint is the
latest LastUpdateDate on it; the next pull starts there (orders seen again are skipped by intake).

Stock: one patchListingsItem per SKU (fulfillment availability, channel DEFAULT: merchant-fulfilled) in each
marketplace; the seller SKU is the variant's SKU unless the channel's SKU map names another. A SKU Amazon
answers INVALID (or 400) for is refused: the push stops there with ConnectorError(refused=True), and the
circuit (inventory/circuit.py) halves the batch to find the refused SKU; a quantity is a level, so a SKU sent
again is harmless.

Throttling: each operation has a rate and a burst (the documented defaults, then the rate Amazon reports in
x-amzn-RateLimit-Limit); the connector paces itself with a token bucket per channel and operation, and on 429
waits 1/rate doubled per try, at most MAX_TRIES tries, then fails as the channel being down (nothing is lost:
the cursor has not moved past an unimported page, and stock rows stay pending).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

from django.utils import timezone

from channels.connectors.base import ConnectorError, OrderPage, connection_of, connection_secret
from channels.models import Channel
from channels.outbound import OutboundError, outbound_exchange, url_origin
from channels.secrets import SecretUnreadable, secret_encrypt, secret_open

# Rate (requests per second) and burst per operation, as Amazon documents them.
RATES = {
    "getOrders": (0.0167, 20), "getOrderItems": (0.5, 30), "createRestrictedDataToken": (1.0, 10),
    "patchListingsItem": (5.0, 10), "getMarketplaceParticipations": (0.016, 15),
}
MAX_TRIES = 6
MAX_WAIT = 60.0  # seconds: a longer wait fails the run, which is retried later
REFRESH_AHEAD = timedelta(seconds=60)
FIRST_PULL = timedelta(days=30)  # how far back the first pull reaches
PII_RESOURCE = {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]}

_buckets: dict[tuple[int, str], list[float]] = {}  # (channel id, operation) -> [tokens, at, rate, burst]
_buckets_lock = threading.Lock()


def _pace(channel: Channel, operation: str, rate: float | None = None) -> None:
    """Wait until the operation's bucket holds a request, and take it. `rate`: the rate Amazon reported."""
    default_rate, burst = RATES.get(operation, (1.0, 1))
    with _buckets_lock:
        now = time.monotonic()
        bucket = _buckets.setdefault((channel.pk, operation), [float(burst), now, default_rate, float(burst)])
        if rate:
            bucket[2] = rate
        bucket[0] = min(bucket[3], bucket[0] + (now - bucket[1]) * bucket[2])
        bucket[1] = now
        wait = 0.0 if bucket[0] >= 1 else (1 - bucket[0]) / bucket[2]
        bucket[0] -= 1
    if wait > MAX_WAIT:
        raise ConnectorError(f"{channel.name}: Amazon's rate for {operation} allows no request for {wait:.0f} s.")
    if wait:
        time.sleep(wait)


def _report_rate(channel: Channel, operation: str, headers: dict, *, throttled: bool = False) -> float | None:
    try:
        rate = float(headers.get("x-amzn-ratelimit-limit") or 0) or None
    except ValueError:
        rate = None
    if rate:
        with _buckets_lock:
            bucket = _buckets.get((channel.pk, operation))
            if bucket:
                bucket[2] = rate
                if throttled:
                    bucket[0] = min(bucket[0], 0.0)
    return rate


def _state_save(channel: Channel, **fields) -> None:
    from channels.services import channel_state_save

    channel_state_save(channel=channel, **fields)


def _fail(channel: Channel, message: str, *, reconnect: bool = False, refused: bool = False) -> ConnectorError:
    """The error to raise; a credentials refusal is also kept on the channel's state for the channel page."""
    if reconnect:
        _state_save(channel, error=message[:500], error_at=timezone.now(), needs_reconnect=True)
    return ConnectorError(message, reconnect=reconnect, refused=refused)


# Credentials ------------------------------------------------------------------------------------------------


def _credentials(channel: Channel) -> dict:
    conn = connection_of(channel)
    if not conn.token_url:
        raise ConnectorError(f"{channel.name}: enter the Login with Amazon token URL on the channel.")
    raw = connection_secret(channel, conn.token_url)
    try:
        creds = json.loads(raw) if raw else None
    except ValueError:
        creds = None
    if not isinstance(creds, dict) or not all(creds.get(k) for k in ("client_id", "client_secret", "refresh_token")):
        raise ConnectorError(
            f"{channel.name}: enter the Login with Amazon client id, client secret and refresh token on the channel."
        )
    return creds


def _cached_token(channel: Channel) -> str:
    from channels.selectors import channel_state_of

    state = channel_state_of(channel)
    try:
        sealed = secret_open(state.tokens_encrypted)
    except SecretUnreadable:
        return ""
    if sealed is None or sealed.origin != url_origin(connection_of(channel).base_url):
        return ""
    try:
        cached = json.loads(sealed.value)
        expires = datetime.fromisoformat(cached["expires_at"])
    except (ValueError, KeyError, TypeError):
        return ""
    return cached.get("access_token", "") if expires - REFRESH_AHEAD > timezone.now() else ""


def _refresh(channel: Channel) -> str:
    """A new access token from Login with Amazon, cached encrypted with its expiry."""
    conn = connection_of(channel)
    creds = _credentials(channel)
    form = urlencode({
        "grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
        "client_id": creds["client_id"], "client_secret": creds["client_secret"],
    }).encode()
    try:
        status, _, raw = outbound_exchange(
            method="POST", url=conn.token_url, body=form, timeout=conn.timeout_seconds,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8", "Accept": "application/json"},
        )
    except OutboundError as exc:
        raise ConnectorError(f"{channel.name}: Login with Amazon: {exc.message}") from None
    body = _decode(raw)
    if status in (400, 401) and body.get("error") in ("invalid_grant", "invalid_client", "unauthorized_client"):
        what = "refresh token" if body["error"] == "invalid_grant" else "client id or client secret"
        raise _fail(channel, f"Amazon refused the {what} (revoked or wrong): reconnect the channel with a new "
                             "authorization from Seller Central.", reconnect=True)
    if status >= 300 or not body.get("access_token"):
        raise ConnectorError(f"{channel.name}: Login with Amazon answered HTTP {status}.")
    expires_at = timezone.now() + timedelta(seconds=int(body.get("expires_in") or 3600))
    sealed = secret_encrypt(
        json.dumps({"access_token": body["access_token"], "expires_at": expires_at.isoformat()}),
        origin=url_origin(conn.base_url),
    )
    _state_save(channel, tokens_encrypted=sealed)
    return body["access_token"]


def _decode(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_text(body: dict) -> str:
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return "; ".join(
        " ".join(str(e.get(k) or "") for k in ("message", "details")).strip() for e in errors if isinstance(e, dict)
    )


# Requests ---------------------------------------------------------------------------------------------------


class _Session:
    """One run's requests: the access token is looked up once, refreshed at most once on an expired answer."""

    def __init__(self, channel: Channel):
        self.channel = channel
        self.conn = connection_of(channel)
        self.token = ""
        self.refreshed = False
        self.throttle: dict[str, dict] = {}

    def access_token(self) -> str:
        if not self.token:
            self.token = _cached_token(self.channel) or _refresh(self.channel)
        return self.token

    def call(self, operation: str, method: str, path: str, *, query: dict | None = None, payload=None,
             token: str | None = None) -> tuple[int, dict]:
        """(status, body) of an answer that is not a throttle or an auth failure; ConnectorError otherwise."""
        channel, conn = self.channel, self.conn
        url = conn.base_url.rstrip("/") + path + (f"?{urlencode(query, doseq=True)}" if query else "")
        data = json.dumps(payload).encode() if payload is not None else None
        rate = None
        for attempt in range(MAX_TRIES):
            _pace(channel, operation, rate)
            headers = {"Accept": "application/json", "x-amz-access-token": token or self.access_token(),
                       "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"), "user-agent": "OMS/1.0"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            try:
                status, answer_headers, raw = outbound_exchange(
                    method=method, url=url, headers=headers, body=data, timeout=conn.timeout_seconds
                )
            except OutboundError as exc:
                raise ConnectorError(f"{channel.name}: {exc.message}") from None
            body = _decode(raw)
            rate = _report_rate(channel, operation, answer_headers, throttled=status == 429)
            if status == 429:
                wait = min(MAX_WAIT, (1 / rate if rate else 1.0) * 2 ** attempt)
                self.throttle[operation] = {"rate": rate, "throttled_at": timezone.now().isoformat(),
                                            "waited_seconds": wait}
                time.sleep(wait)
                continue
            if rate:
                self.throttle.setdefault(operation, {})["rate"] = rate
            if status == 403 and "expired" in _error_text(body) and not self.refreshed and token is None:
                self.refreshed = True
                self.token = _refresh(channel)
                continue
            if status in (401, 403):
                raise _fail(channel, f"Amazon refused the access ({_error_text(body) or status}): the authorization "
                                     "was revoked or lacks a role; reconnect the channel.", reconnect=True)
            if status >= 500:
                raise ConnectorError(f"{channel.name}: Amazon answered HTTP {status} to {operation}.")
            return status, body
        raise ConnectorError(f"{channel.name}: Amazon kept throttling {operation} after {MAX_TRIES} tries.")

    def save_throttle(self) -> None:
        if self.throttle:
            _state_save(self.channel, throttle={"amazon": self.throttle})


def _marketplaces(channel: Channel) -> list[str]:
    ids = [m.strip() for m in connection_of(channel).marketplace_ids.split(",") if m.strip()]
    if not ids:
        raise ConnectorError(f"{channel.name}: enter the Amazon marketplace ids on the channel.")
    return ids


def _checked(channel: Channel, operation: str, status: int, body: dict) -> dict:
    if status >= 300:
        raise ConnectorError(f"{channel.name}: Amazon refused {operation}: {_error_text(body) or status}.",
                             refused=status in (400, 404, 409, 422))
    return body.get("payload") if isinstance(body.get("payload"), (dict, list)) else {}


# The connector's functions ----------------------------------------------------------------------------------


def test(channel: Channel) -> str:
    session = _Session(channel)
    status, body = session.call("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations")
    participations = _checked(channel, "getMarketplaceParticipations", status, body) or []
    wanted = set(_marketplaces(channel))
    names = [p["marketplace"]["name"] for p in participations
             if isinstance(p, dict) and p.get("marketplace", {}).get("id") in wanted]
    store = next((p.get("storeName") for p in participations if isinstance(p, dict) and p.get("storeName")), "")
    seller = connection_of(channel).seller_id
    connected_as = f"{store or 'Seller'} (seller {seller})" if seller else store
    _state_save(channel, connected_as=connected_as[:200], error="", needs_reconnect=False)
    session.save_throttle()
    missing = wanted - {p.get("marketplace", {}).get("id") for p in participations if isinstance(p, dict)}
    text = f"Connected as {connected_as}, selling in {', '.join(names) or 'no chosen marketplace'}."
    return text + (f" Not a participant in: {', '.join(sorted(missing))}." if missing else "")


def products(channel: Channel) -> list[dict]:
    raise ConnectorError(f"{channel.name}: products are not imported from Amazon; keep another master catalogue.")


def _items(session: _Session, order_id: str) -> list[dict]:
    items, next_token = [], ""
    while True:
        status, body = session.call(
            "getOrderItems", "GET", f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems",
            query={"NextToken": next_token} if next_token else None,
        )
        payload = _checked(session.channel, "getOrderItems", status, body)
        items += payload.get("OrderItems") or []
        next_token = payload.get("NextToken") or ""
        if not next_token:
            return items


def _our_skus(channel: Channel) -> dict[str, str]:
    """{seller SKU: our SKU} for the channel's SKU maps that name another seller SKU."""
    from channels.models import ChannelSkuMap

    return {
        remote: ours for remote, ours in ChannelSkuMap.objects.filter(channel=channel)
        .values_list("remote_sku", "variant__sku") if remote and remote != ours
    }


def order_pages(channel: Channel, *, since: str) -> Iterator[OrderPage]:
    session = _Session(channel)
    marketplaces = _marketplaces(channel)
    after = since or (timezone.now() - FIRST_PULL).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, body = session.call("createRestrictedDataToken", "POST", "/tokens/2021-03-01/restrictedDataToken",
                                payload={"restrictedResources": [PII_RESOURCE]})
    rdt = body.get("restrictedDataToken") if status < 300 else None
    if not rdt:
        raise ConnectorError(f"{channel.name}: Amazon gave no restricted data token for buyer and address: "
                             f"{_error_text(body) or status}.")
    renamed = _our_skus(channel)
    next_token, checkpoint = "", since
    try:
        while True:
            query = {"MarketplaceIds": ",".join(marketplaces), "MaxResultsPerPage": 100}
            query.update({"NextToken": next_token} if next_token else {"LastUpdatedAfter": after})
            status, body = session.call("getOrders", "GET", "/orders/v0/orders", query=query, token=rdt)
            payload = _checked(channel, "getOrders", status, body)
            payloads = []
            for order in payload.get("Orders") or []:
                items = _items(session, order["AmazonOrderId"])
                for item in items:
                    if item.get("SellerSKU") in renamed:
                        item["SellerSKU"] = renamed[item["SellerSKU"]]
                payloads.append({**order, "OrderItems": items})
                checkpoint = max(checkpoint, order.get("LastUpdateDate") or "")
            next_token = payload.get("NextToken") or ""
            yield OrderPage(payloads=payloads, checkpoint=checkpoint)
            if not next_token:
                return
    finally:
        session.save_throttle()


def _seller_skus(channel: Channel, skus: list[str]) -> dict[str, str]:
    from channels.models import ChannelSkuMap

    mapped = dict(
        ChannelSkuMap.objects.filter(channel=channel, variant__sku__in=skus).exclude(remote_sku="")
        .values_list("variant__sku", "remote_sku")
    )
    return {sku: mapped.get(sku, sku) for sku in skus}


def push_inventory(channel: Channel, items: list[dict]) -> None:
    conn = connection_of(channel)
    if not conn.seller_id:
        raise ConnectorError(f"{channel.name}: enter the Amazon seller id on the channel.")
    marketplaces = _marketplaces(channel)
    session = _Session(channel)
    seller_skus = _seller_skus(channel, [str(item["sku"]) for item in items])
    try:
        if not items:  # the circuit's probe: the cheapest real call
            session.access_token()
            return
        for item in items:
            seller_sku = seller_skus[str(item["sku"])]
            status, body = session.call(
                "patchListingsItem", "PATCH",
                f"/listings/2021-08-01/items/{quote(conn.seller_id, safe='')}/{quote(seller_sku, safe='')}",
                query={"marketplaceIds": ",".join(marketplaces)},
                payload={"productType": "PRODUCT", "patches": [{
                    "op": "replace", "path": "/attributes/fulfillment_availability",
                    "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": int(item["quantity"])}],
                }]},
            )
            if status >= 300 or body.get("status") == "INVALID":
                issues = "; ".join(str(i.get("message")) for i in body.get("issues") or [] if isinstance(i, dict))
                raise ConnectorError(
                    f"{channel.name}: Amazon refused the quantity of {seller_sku}: "
                    f"{issues or _error_text(body) or f'HTTP {status}'}", refused=status < 500,
                )
        _state_save(channel, pushed_at=timezone.now())
    finally:
        session.save_throttle()
