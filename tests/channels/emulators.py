"""A channel emulator (sandbox/) served from a thread for a test, and the control requests tests send it."""

from __future__ import annotations

import json
import threading
import urllib.request


class ThreadedEmulator:
    """`server` (a sandbox `make_server(...)`) answering from a daemon thread on its loopback port."""

    def __init__(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._serve()

    def _serve(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """The emulator goes down: its port refuses connections."""
        self.server.shutdown()
        self.server.server_close()

    def control(self, method: str, path: str, body=None):
        """Send a JSON request to the emulator (its `/_...` control paths) and return its decoded answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
