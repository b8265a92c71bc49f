import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.server import make_server
from tests.channels.emulators import ThreadedEmulator
from tests.workers import committed_orgs  # noqa: F401  (fixture)


class Sandbox(ThreadedEmulator):
    """The sandbox marketplace; `stop` takes it down, `start` brings it back on the same port."""

    def start(self) -> None:
        """Back up on the same port, holding what it held."""
        self.server = make_server(self.port, store=self.server.RequestHandlerClass.store)
        self._serve()

    def received(self, sku: str | None = None) -> list[dict]:
        return self.control("GET", "/_received" + (f"?sku={sku}" if sku else ""))

    def behave(self, *, fail: int = 0, delay_ms: int = 0, refuse: list[str] = ()) -> None:
        self.control("POST", "/_behaviour", {"fail": fail, "delay_ms": delay_ms, "refuse": list(refuse)})

    def stock(self) -> dict[str, int]:
        """What it holds per SKU (the last quantity received)."""
        return self.control("GET", "/_stock")

    def set_products(self, products: list[dict]) -> None:
        self.control("POST", "/_products", products)


@pytest.fixture
def sandbox():
    """The sandbox marketplace on a free loopback port, in a thread; stopped at the end."""
    sandbox = Sandbox(make_server(0))
    try:
        yield sandbox
    finally:
        sandbox.stop()


class Listener:
    """A tiny HTTP server that records every request it gets and answers `status` with `body` (and `headers`)."""

    def __init__(self, host: str):
        self.requests: list[dict] = []
        self.status, self.body, self.headers = 200, b"[]", {}
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                listener.requests.append({
                    "method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                    "body": self.rfile.read(length) if length else b"",
                })
                self.send_response(listener.status)
                for name, value in listener.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(listener.body)))
                self.end_headers()
                self.wfile.write(listener.body)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listen():
    """listen(host="127.0.0.1") -> a started Listener on a free port; all stopped at the end."""
    started = []

    def start(host: str = "127.0.0.1") -> Listener:
        started.append(Listener(host))
        return started[-1]

    yield start
    for listener in started:
        listener.stop()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def sandbox_channel(account, sandbox, *, warehouses=(), **fields):
    """A sales channel connected to the sandbox, through the one save service."""
    from channels.models import Channel, ChannelConnection
    from channels.services import channel_save

    channel = Channel(
        kind=Channel.Kind.SALES, name=fields.pop("name", "Sandbox"), connector_type=Channel.Connector.SANDBOX,
        supports_product_import=True, supports_inventory_updates=True, **fields,
    )
    return channel_save(
        account=account, channel=channel, warehouses=list(warehouses),
        connection=ChannelConnection(base_url=sandbox.url, timeout_seconds=2), secret="sandbox-token",
        clear_secret=False, by=None,
    )


@pytest.fixture
def shopify():
    """The Shopify emulator on a free loopback port, in a thread; stopped at the end."""
    from tests.channels.shopify_helpers import ShopifyEmulator

    shop = ShopifyEmulator()
    try:
        yield shop
    finally:
        shop.stop()
