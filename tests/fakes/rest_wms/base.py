"""A tiny real HTTP server on loopback for fake warehouses (tests and demos only).

:class:`FakeWarehouse` runs a ``ThreadingHTTPServer`` on ``127.0.0.1`` port 0 in a daemon
thread. Subclasses implement :meth:`FakeWarehouse.route`; every request is recorded in
``calls``. A response may carry ``delay``: the server sleeps *after* the subclass changed its
state and before answering, which is how a fake makes a create time out after storing the order.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeRequest", "FakeResponse", "FakeWarehouse"]


@dataclass(frozen=True)
class FakeRequest:
    """One request as the fake sees it; ``headers`` keys are lower-case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class FakeResponse:
    """What the fake answers: status, a JSON-able body, headers, and an optional delay."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def _handler(fake: FakeWarehouse) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = FakeRequest(
                method=self.command, path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()}, body=body,
            )
            with fake.lock:
                fake.calls.append((request.method, request.path))
            response = fake.dispatch(request)
            if response.delay:
                time.sleep(response.delay)
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (timeout): nothing to answer to
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


class FakeWarehouse:
    """Base of the fake warehouses: lifecycle, call log, and a place for tests to queue
    one-off failures (``fail_next``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.calls: list[tuple[str, str]] = []
        self._failures: list[tuple[str, str, FakeResponse]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on a free loopback port."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the fake warehouse is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop serving (safe to call twice)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- inspection and failure injection -----------------------------------------------

    def call_count(self, method: str, path_prefix: str = "") -> int:
        """How many ``method`` requests went to paths starting with ``path_prefix``."""
        with self.lock:
            return sum(1 for m, p in self.calls if m == method and p.startswith(path_prefix))

    def fail_next(self, method: str, path_prefix: str, response: FakeResponse) -> None:
        """Answer the next matching request with ``response`` instead of handling it."""
        with self.lock:
            self._failures.append((method, path_prefix, response))

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        """Queued failure first, then :meth:`route`."""
        with self.lock:
            for i, (method, prefix, response) in enumerate(self._failures):
                if method == request.method and request.path.startswith(prefix):
                    del self._failures[i]
                    return response
            return self.route(request)

    def route(self, request: FakeRequest) -> FakeResponse:
        """Handle one request (called with ``lock`` held). Subclasses implement it."""
        raise NotImplementedError

