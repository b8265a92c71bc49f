"""What the sandbox marketplace and the channel emulators share: a threaded server on loopback whose handler
class holds the in-memory store, and the command line that starts one."""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def loopback_server(handler: type[BaseHTTPRequestHandler], store, *, port: int = 0) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0: any free port) answering with `handler`, which reads `store`
    (`server.RequestHandlerClass.store`)."""
    handler_class = type(handler.__name__, (handler,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_class)
    server.daemon_threads = True
    return server


def port_argument(doc: str, *, default: int) -> int:
    """The `--port` given on the command line of a `python -m sandbox.<name>` module (its docstring's first line
    as the description)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--port", type=int, default=default)
    return parser.parse_args().port
