"""A ShipBob-shaped fake warehouse: bearer token plus a required ``shipbob_channel_id``
header, ``reference_id`` unique (422 on a duplicate), ``next-page`` header paging, orders with
their shipments, cancellation, inventory, and Standard Webhooks deliveries."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from oc_bridge_rest.signatures import sign_standard_webhook

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from oc_bridge.canonical import FulfilmentOrder

__all__ = ["PREFIX", "FakeShipBob"]

PREFIX = "/2025-07"
_CANCEL = re.compile(rf"^{PREFIX}/order/(\d+)/cancel$")


def _iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class FakeShipBob(FakeWarehouse):
    """ShipBob-like API under ``/2025-07`` (use ``base_url + PREFIX`` as the adapter's
    ``base_url``). ``orders`` maps id → order dict; ``time_out_next_create(delay)`` stores the
    next order and answers only after ``delay`` seconds."""

    def __init__(self, token: str = "shipbob-token", channel_id: str = "4242") -> None:
        super().__init__()
        self.token = token
        self.channel_id = channel_id
        self.orders: dict[int, dict[str, Any]] = {}
        self.inventory: dict[str, dict[str, Any]] = {}
        self._next_create_delay = 0.0
        self._ids = iter(range(70001, 10**9))

    @property
    def api_url(self) -> str:
        """The URL to configure as the adapter's ``base_url``."""
        return self.base_url + PREFIX

    # --- probe ----------------------------------------------------------------------------

    def _by_reference(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.orders.values() if o["reference_id"] == reference]

    def orders_received(self, reference: str) -> int:
        """Orders held for ``reference`` (ShipBob never holds two)."""
        with self.lock:
            return len(self._by_reference(reference))

    def latest_revision(self, reference: str) -> int | None:
        """Always 1 once created: ShipBob orders cannot be updated."""
        with self.lock:
            return 1 if self._by_reference(reference) else None

    def is_cancelled(self, reference: str) -> bool:
        """Whether the order for ``reference`` was cancelled."""
        with self.lock:
            found = self._by_reference(reference)
            return bool(found) and found[0]["status"] == "Cancelled"

    def ship(self, order: FulfilmentOrder, lines: list[tuple[str, int]] | None = None,
             tracking_number: str | None = "TRACK1", carrier: str | None = "PostNL") -> None:
        """Add a completed shipment of ``order`` to its ShipBob order."""
        skus = {line.line_ref: line.sku for line in order.lines}
        wanted = lines or [(line.line_ref, line.quantity) for line in order.lines]
        with self.lock:
            self._add_shipment(self._by_reference(order.reference)[0],
                               [{"reference_id": skus[ref], "quantity": qty}
                                for ref, qty in wanted], tracking_number, carrier)

    def ship_everything(self, tracking_prefix: str = "1Z") -> int:
        """Ship every open order that has no shipment yet, in full; how many were shipped."""
        with self.lock:
            todo = [o for o in self.orders.values()
                    if not o["shipments"] and o["status"] != "Cancelled"]
            for order in todo:
                products = [{"reference_id": p["reference_id"], "quantity": p["quantity"]}
                            for p in order["products"]]
                self._add_shipment(order, products, f"{tracking_prefix}{order['id']}", "UPS")
            return len(todo)

    def _add_shipment(self, order: dict[str, Any], products: list[dict[str, Any]],
                      tracking_number: str | None, carrier: str | None) -> None:
        tracking = None
        if tracking_number:
            tracking = {"carrier": carrier, "tracking_number": tracking_number,
                        "tracking_url": f"https://track.example/{tracking_number}",
                        "shipping_date": _iso()}
        order["shipments"].append({
            "id": 900000 + sum(len(o["shipments"]) for o in self.orders.values()) + 1,
            "order_id": order["id"], "reference_id": order["reference_id"],
            "status": "Completed", "ship_option": "Standard", "tracking": tracking,
            "actual_fulfillment_date": _iso(), "products": products,
        })
        order["last_update_date"] = _iso()

    def set_stock(self, sku: str, available: int) -> None:
        """Set the fulfillable quantity of ``sku``."""
        with self.lock:
            self.inventory[sku] = {"id": len(self.inventory) + 1, "reference_id": sku,
                                   "name": sku, "total_fulfillable_quantity": available,
                                   "total_onhand_quantity": available + 1,
                                   "total_committed_quantity": 1}

    def time_out_next_create(self, delay: float) -> None:
        """Store the next created order, then wait ``delay`` seconds before answering."""
        with self.lock:
            self._next_create_delay = delay

    def webhook_delivery(self, reference: str, secret: str, *, msg_id: str | None = None,
                         timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
        """Headers and body of a Standard Webhooks ``order.shipped`` delivery."""
        with self.lock:
            order = self._by_reference(reference)[0]
            body = json.dumps({"type": "order.shipped", "timestamp": _iso(),
                               "data": order}).encode()
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        stamp = int(time.time()) if timestamp is None else timestamp
        return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
                "webhook-signature": sign_standard_webhook(secret, msg_id, stamp, body)}, body

    # --- HTTP -----------------------------------------------------------------------------

    def _paged(self, request: FakeRequest, items: list[dict[str, Any]]) -> FakeResponse:
        page = int(request.query.get("Page", "1"))
        limit = int(request.query.get("Limit", "50"))
        chunk = items[(page - 1) * limit:page * limit]
        headers = {}
        if page * limit < len(items):
            following = {**request.query, "Page": str(page + 1)}
            headers["next-page"] = f"{request.path}?{urlencode(following)}"
        return FakeResponse(200, chunk, headers)

    def route(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return FakeResponse(401, {"message": "No valid API key provided."})
        if request.headers.get("shipbob_channel_id") != self.channel_id:
            return FakeResponse(400, {"message": "shipbob_channel_id header is required"})
        path, method = request.path, request.method
        if path == f"{PREFIX}/order" and method == "POST":
            return self._create(request.json() or {})
        if path == f"{PREFIX}/order" and method == "GET":
            return self._paged(request, self._list(request.query))
        match = _CANCEL.match(path)
        if match and method == "POST" and int(match.group(1)) in self.orders:
            order = self.orders[int(match.group(1))]
            if order["status"] == "Cancelled":
                return FakeResponse(422, {"message": "Order is already cancelled"})
            order["status"] = "Cancelled"
            return FakeResponse(200, {"order_id": order["id"], "action": "Cancel"})
        if path == f"{PREFIX}/inventory" and method == "GET":
            return self._paged(request, list(self.inventory.values()))
        return FakeResponse(404, {"message": "Not found"})

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        orders = list(self.orders.values())
        if "ReferenceIds" in query:
            wanted = set(query["ReferenceIds"].split(","))
            orders = [o for o in orders if o["reference_id"] in wanted]
        if query.get("HasTracking") == "true":
            orders = [o for o in orders if o["shipments"]]
        if "LastUpdateStartDate" in query:
            since = datetime.fromisoformat(query["LastUpdateStartDate"].replace("Z", "+00:00"))
            orders = [o for o in orders
                      if datetime.fromisoformat(o["last_update_date"]) >= since]
        return orders

    def _create(self, body: dict[str, Any]) -> FakeResponse:
        reference = body.get("reference_id")
        products = body.get("products") or []
        if not reference or not products or any(not p.get("reference_id") for p in products):
            return FakeResponse(400, {"message": "reference_id and products are required"})
        if self._by_reference(reference):
            return FakeResponse(422, {"message": "Duplicate reference ID"})
        order = {**body, "id": next(self._ids), "status": "Processing", "shipments": [],
                 "created_date": _iso(), "last_update_date": _iso()}
        self.orders[order["id"]] = order
        delay, self._next_create_delay = self._next_create_delay, 0.0
        return FakeResponse(201, order, {}, delay)
