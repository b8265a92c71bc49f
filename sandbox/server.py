"""python -m sandbox.server [--port 8765]

GET  /products            the catalogue ([{"sku","name","price"}]); POST /_products replaces it
GET  /orders              the orders it offers (sandbox-format payloads, intake/adapters/sandbox.py)
POST /_orders             a list replaces the orders it offers; ?append=1 adds the list (or one object) to them
POST /inventory           {"items": [{"sku","quantity"}]} (or {"sku","quantity"}); recorded with a timestamp
GET  /_received           [{"sku","quantity","at"}] in arrival order (?sku= filters); DELETE clears it
GET  /_stock              {"sku": quantity}: the stock it holds now (the last quantity received per SKU)
POST /_behaviour          {"fail": n, "delay_ms": x, "refuse": ["sku", ...]}: fail the next n inventory requests
                          with 503, delay each; refuse (422, nothing recorded) any inventory request naming a
                          listed SKU
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox.serving import loopback_server, port_argument

DEFAULT_PRODUCTS = [
    {"sku": "SBX-TEE-S", "name": "Sandbox tee S", "price": "19.00"},
    {"sku": "SBX-TEE-M", "name": "Sandbox tee M", "price": "19.00"},
    {"sku": "SBX-MUG", "name": "Sandbox mug", "price": "9.50"},
]


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.products = list(DEFAULT_PRODUCTS)
        self.orders: list[dict] = []
        self.received: list[dict] = []
        self.fail = 0
        self.delay_ms = 0
        self.refuse: set[str] = set()


class Handler(BaseHTTPRequestHandler):
    store: Store

    def log_message(self, *args):  # quiet
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
        url = urlsplit(self.path)
        store = self.store
        with store.lock:
            if url.path == "/products":
                return self._json(200, store.products)
            if url.path == "/orders":
                return self._json(200, store.orders)
            if url.path == "/_received":
                sku = parse_qs(url.query).get("sku", [None])[0]
                return self._json(200, [r for r in store.received if sku is None or r["sku"] == sku])
            if url.path == "/_stock":
                return self._json(200, {r["sku"]: r["quantity"] for r in store.received})
        self._json(404, {"error": "not found"})

    def do_DELETE(self):
        if urlsplit(self.path).path == "/_received":
            with self.store.lock:
                self.store.received.clear()
            return self._json(200, {"ok": True})
        self._json(404, {"error": "not found"})

    def do_POST(self):
        path = urlsplit(self.path).path
        store = self.store
        try:
            body = self._body()
        except ValueError:
            return self._json(400, {"error": "invalid JSON"})
        if path == "/_behaviour":
            with store.lock:
                store.fail = int((body or {}).get("fail", 0))
                store.delay_ms = int((body or {}).get("delay_ms", 0))
                store.refuse = {str(sku) for sku in (body or {}).get("refuse", [])}
            return self._json(200, {"fail": store.fail, "delay_ms": store.delay_ms, "refuse": sorted(store.refuse)})
        if path == "/_products":
            with store.lock:
                store.products = list(body or [])
            return self._json(200, {"ok": True})
        if path == "/_orders":
            if isinstance(body, dict):
                body = [body]
            if not isinstance(body, list):
                return self._json(400, {"error": "send a list of orders"})
            append = parse_qs(urlsplit(self.path).query).get("append", ["0"])[0] not in ("", "0")
            with store.lock:
                store.orders = [*store.orders, *body] if append else list(body)
                count = len(store.orders)
            return self._json(200, {"orders": count})
        if path == "/inventory":
            with store.lock:
                delay, failing = store.delay_ms, store.fail > 0
                if failing:
                    store.fail -= 1
            if delay:
                time.sleep(delay / 1000)
            if failing:
                return self._json(503, {"error": "sandbox told to fail"})
            items = (body or {}).get("items") if isinstance(body, dict) and "items" in body else [body]
            refused = sorted({str(item["sku"]) for item in items or []} & store.refuse)
            if refused:
                return self._json(422, {"error": "unknown SKU", "skus": refused})
            now = time.time()
            with store.lock:
                for item in items or []:
                    store.received.append({"sku": str(item["sku"]), "quantity": int(item["quantity"]), "at": now})
            return self._json(200, {"received": len(items or [])})
        self._json(404, {"error": "not found"})


def make_server(port: int = 0, store: Store | None = None) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0: any free port) with a fresh in-memory store, or `store` (to restart a
    stopped marketplace on its port with what it held)."""
    return loopback_server(Handler, store or Store(), port=port)


def main() -> None:
    server = make_server(port_argument(__doc__, default=8765))
    print(f"Sandbox marketplace on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
