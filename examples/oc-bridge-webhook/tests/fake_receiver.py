"""A fake order receiver over real HTTP on 127.0.0.1: the other side of the webhook adapter.

Written from the wire format in the README, not from the adapter: it checks each POST's
signature (401 when wrong), acts once per ``Idempotency-Key`` (a repeat gets the first answer
with ``"duplicate": true``), and serves the shipments the test makes it ship from
``GET /shipments?after=<cursor>`` in pages of ``page_size``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class ReceivedOrder:
    """What the receiver holds for one order reference."""

    order: dict[str, Any]
    events: list[str] = field(default_factory=list)
    cancelled: bool = False


class FakeReceiver:
    """``url`` is the base URL; ``orders_url`` and ``shipments_url`` the two endpoints."""

    def __init__(self, secret: str, page_size: int = 2) -> None:
        self.secret = secret.encode()
        self.page_size = page_size
        self.orders: dict[str, ReceivedOrder] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        self.shipments: list[dict[str, Any]] = []
        self.rejected_signatures = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def orders_url(self) -> str:
        return f"{self.url}/orders"

    @property
    def shipments_url(self) -> str:
        return f"{self.url}/shipments"

    def start(self) -> FakeReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_shipment(self, record: dict[str, Any]) -> None:
        """Make the back end report a shipment record (any JSON, even a broken one)."""
        with self.lock:
            self.shipments.append(record)

    # --- HTTP ---------------------------------------------------------------------------------

    def _receive(self, body: bytes, key: str | None, signature: str | None) -> tuple[int, Any]:
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        if signature is None or not hmac.compare_digest(signature, expected):
            self.rejected_signatures += 1
            return 401, {"error": "bad signature"}
        if not key:
            return 400, {"error": "Idempotency-Key header missing"}
        with self.lock:
            if key in self.answers:
                return 200, {**self.answers[key], "duplicate": True}
            event = json.loads(body)
            order = event["order"]
            held = self.orders.get(order["reference"])
            if held is None:
                held = self.orders[order["reference"]] = ReceivedOrder(order)
            answer: dict[str, Any] = {"id": f"R-{order['reference']}"}
            if event["event"] == "order.cancelled":
                shipped = any(s.get("order_ref") == order["reference"] for s in self.shipments)
                if shipped:  # too late: the receiver says so instead of cancelling
                    answer = {**answer, "cancelled": False, "reason": "already shipped"}
                else:
                    held.cancelled = True
            elif order["revision"] >= held.order["revision"]:
                held.order = order
            held.events.append(event["event"])
            self.answers[key] = answer
            return 200, answer

    def _page(self, query: str) -> dict[str, Any]:
        after = int(parse_qs(query).get("after", ["0"])[0])
        with self.lock:
            page = self.shipments[after:after + self.page_size]
            end = after + len(page)
            return {"shipments": page, "cursor": str(end), "has_more": end < len(self.shipments)}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, data: Any) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if urlsplit(self.path).path != "/orders":
                    self._answer(404, {"error": "not found"})
                    return
                self._answer(*receiver._receive(
                    body, self.headers.get("Idempotency-Key"),
                    self.headers.get("X-OC-Bridge-Signature")))

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/shipments":
                    self._answer(404, {"error": "not found"})
                    return
                self._answer(200, receiver._page(parts.query))

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler
