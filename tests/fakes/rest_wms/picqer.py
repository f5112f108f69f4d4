"""A Picqer-shaped fake warehouse: Basic auth with the API key as user, a required
``User-Agent`` with a contact, offset paging (100 per page), no duplicate check on create,
search by ``reference``, ``process`` after create, rate-limit headers, shipments with
``idshipment``/``trackingcode``, and base64-signed webhook deliveries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from oc_bridge.canonical import FulfilmentOrder

__all__ = ["FakePicqer"]

PAGE = 100
_ORDER = re.compile(r"^/api/v1/orders/(\d+)(/process)?$")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


class FakePicqer(FakeWarehouse):
    """Picqer-like API under ``/api/v1``. Inspect ``orders`` (idorder → order dict),
    ``shipments`` and the probe methods; ``time_out_next_create(delay)`` stores the next order
    and answers only after ``delay`` seconds."""

    def __init__(self, api_key: str = "picqer-key", *, rate_limit: int = 500) -> None:
        super().__init__()
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self.orders: dict[int, dict[str, Any]] = {}
        self.shipments: list[dict[str, Any]] = []
        self.products: dict[str, dict[str, Any]] = {}
        self._next_create_delay = 0.0
        self._ids = iter(range(1001, 10**9))

    # --- probe (oc_bridge.testing.WarehouseProbe) ------------------------------------------

    def _by_reference(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.orders.values() if o["reference"] == reference]

    def orders_received(self, reference: str) -> int:
        """Orders held for ``reference`` (each duplicate counts)."""
        with self.lock:
            return len(self._by_reference(reference))

    def latest_revision(self, reference: str) -> int | None:
        """1 + the number of updates that changed the order's content."""
        with self.lock:
            found = self._by_reference(reference)
            return found[-1]["_revision"] if found else None

    def is_cancelled(self, reference: str) -> bool:
        """Whether the (last) order for ``reference`` was cancelled."""
        with self.lock:
            found = self._by_reference(reference)
            return bool(found) and found[-1]["status"] == "cancelled"

    def ship(self, order: FulfilmentOrder, lines: list[tuple[str, int]] | None = None,
             tracking_number: str | None = "TRACK1", carrier: str | None = "PostNL") -> None:
        """Add a shipment of ``order`` (``lines``: ``[(line_ref, qty)]``, None = everything)."""
        skus = {line.line_ref: line.sku for line in order.lines}
        wanted = lines or [(line.line_ref, line.quantity) for line in order.lines]
        with self.lock:
            self._add_shipment(self._by_reference(order.reference)[-1],
                               [{"productcode": skus[ref], "amount": qty} for ref, qty in wanted],
                               tracking_number, carrier)

    def ship_everything(self, tracking_prefix: str = "3S") -> int:
        """Ship every open order that has no shipment yet, in full; how many were shipped."""
        with self.lock:
            shipped = {s["idorder"] for s in self.shipments}
            todo = [o for o in self.orders.values()
                    if o["idorder"] not in shipped and o["status"] != "cancelled"]
            for order in todo:
                products = [{"productcode": p["productcode"], "amount": p["amount"]}
                            for p in order.get("products", [])]
                self._add_shipment(order, products, f"{tracking_prefix}{order['idorder']}",
                                   "PostNL")
            return len(todo)

    def _add_shipment(self, order: dict[str, Any], products: list[dict[str, Any]],
                      tracking_number: str | None, carrier: str | None) -> None:
        self.shipments.append({
            "idshipment": 5000 + len(self.shipments) + 1,
            "idorder": order["idorder"], "reference": order["reference"],
            "provider": "postnl", "providername": carrier, "carrier_key": None,
            "public_providername": "PostNL Standard" if carrier else None,
            "trackingcode": tracking_number,
            "tracktraceurl": f"https://track.example/{tracking_number}"
            if tracking_number else None,
            "weight": 1200, "created": _now(), "cancelled": False, "products": products,
        })

    def set_stock(self, sku: str, available: int) -> None:
        """Set the free stock of ``sku`` (one warehouse)."""
        with self.lock:
            self.products[sku] = {"productcode": sku, "name": sku, "stock": [
                {"idwarehouse": 1, "stock": available + 2, "reserved": 2,
                 "freestock": available}]}

    def time_out_next_create(self, delay: float) -> None:
        """Store the next created order, then wait ``delay`` seconds before answering."""
        with self.lock:
            self._next_create_delay = delay

    def webhook_delivery(
        self, shipment: dict[str, Any], secret: str, event: str = "picklists.shipments.created"
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a signed webhook delivery carrying ``shipment``."""
        body = json.dumps({"idhook": 77, "name": "oc-bridge", "event": event,
                           "event_triggered_at": _now(), "data": shipment}).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return {"X-Picqer-Signature": base64.b64encode(digest).decode()}, body

    # --- HTTP -----------------------------------------------------------------------------

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(query.get("offset", "0"))
        return [{k: v for k, v in i.items() if not k.startswith("_")}
                for i in items[offset:offset + PAGE]]

    def _reply(self, status: int, body: Any, delay: float = 0.0) -> FakeResponse:
        self.remaining = max(0, self.remaining - 1)
        headers = {"X-RateLimit-Limit": str(self.rate_limit),
                   "X-RateLimit-Remaining": str(self.remaining)}
        return FakeResponse(status, body, headers, delay)

    def route(self, request: FakeRequest) -> FakeResponse:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        if request.headers.get("authorization") != expected:
            return FakeResponse(401, {"error": True, "error_message": "Unauthorized"})
        if "@" not in request.headers.get("user-agent", ""):
            return FakeResponse(400, {"error": True, "error_message":
                                      "Provide a User-Agent with your app name and contact"})
        path, method = request.path, request.method
        if path == "/api/v1/orders" and method == "POST":
            return self._create(request.json() or {})
        if path == "/api/v1/orders" and method == "GET":
            found = [o for o in self.orders.values()
                     if "reference" not in request.query
                     or o["reference"] == request.query["reference"]]
            return self._reply(200, self._page(found, request.query))
        match = _ORDER.match(path)
        if match and int(match.group(1)) in self.orders:
            return self._order(self.orders[int(match.group(1))], method, bool(match.group(2)),
                               request.json() or {})
        if path == "/api/v1/shipments" and method == "GET":
            since = int(request.query.get("sinceid", "0"))
            found = [s for s in self.shipments if s["idshipment"] > since]
            return self._reply(200, self._page(found, request.query))
        if path == "/api/v1/products" and method == "GET":
            return self._reply(200, self._page(list(self.products.values()), request.query))
        return FakeResponse(404, {"error": True, "error_message": "Not found"})

    def _create(self, body: dict[str, Any]) -> FakeResponse:
        products = body.get("products") or []
        if not body.get("reference") or any(not p.get("productcode") for p in products):
            return self._reply(400, {"error": True, "error_message": "productcode required"})
        idorder = next(self._ids)
        order = {**body, "idorder": idorder, "orderid": f"2026{idorder}", "status": "concept",
                 "created": _now(), "_revision": 1, "_content": _content(body)}
        self.orders[idorder] = order
        delay, self._next_create_delay = self._next_create_delay, 0.0
        return self._reply(200, {k: v for k, v in order.items() if not k.startswith("_")}, delay)

    def _order(self, order: dict[str, Any], method: str, process: bool,
               body: dict[str, Any]) -> FakeResponse:
        public = {k: v for k, v in order.items() if not k.startswith("_")}
        if process and method == "POST":
            if order["status"] != "concept":
                return self._reply(400, {"error": True, "error_message": "Already processed"})
            order["status"] = "processing"
            return self._reply(200, public)
        if method == "GET":
            return self._reply(200, public)
        if method == "PUT":
            order.update(body)
            if _content(body) != order["_content"]:
                order["_revision"] += 1
                order["_content"] = _content(body)
            return self._reply(200, {k: v for k, v in order.items() if not k.startswith("_")})
        if method == "DELETE":
            if order["status"] == "cancelled":
                return self._reply(409, {"error": True, "error_message": "Already cancelled"})
            order["status"] = "cancelled"
            return self._reply(204, None)
        return FakeResponse(405, {"error": True, "error_message": "Method not allowed"})


def _content(body: dict[str, Any]) -> str:
    return json.dumps(body.get("products"), sort_keys=True)
