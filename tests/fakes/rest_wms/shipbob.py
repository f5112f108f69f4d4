"""A ShipBob stand-in written from ShipBob's public API documentation
(https://developer.shipbob.com and its OpenAPI spec), with the docs' payloads as templates
(``fixtures/shipbob``, sources in SOURCES.md).

What it models, per the docs: a bearer token; ``shipbob_channel_id`` required to create or
cancel and optional when listing, so ``GET /order`` returns every channel's orders, each with its
``channel``; ``reference_id`` unique per channel (422 on a duplicate); ``Page``/``Limit`` paging
with a ``next-page`` header; ``HasTracking`` selecting orders with *any* tracked shipment;
shipments whose products carry their quantities in ``inventory_items[].quantity``; shipment
statuses (``Processing`` → ``Completed``) and split orders; inventory levels paged by a ``next``
URL in the body; the 150-a-minute sliding window answered by 429 with ``x-retry-after`` and
``x-remaining-calls``; Standard Webhooks signing (its own implementation of the spec). It imports
nothing from the adapter it tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from fakes.rest_wms.fixtures import fixture

__all__ = ["PREFIX", "FakeShipBob", "sign_standard_webhook"]

PREFIX = "/2025-07"
_CANCEL = re.compile(rf"^{PREFIX}/order/(\d+)/cancel$")
_ORDER = re.compile(rf"^{PREFIX}/order/(\d+)$")


class _Order(Protocol):
    reference: str

    @property
    def lines(self) -> Any: ...


def _iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat(timespec="milliseconds")


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def sign_standard_webhook(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with the key decoded from the
    ``whsec_``-prefixed secret, as the Standard Webhooks spec says."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class FakeShipBob(FakeWarehouse):
    """ShipBob under ``/2025-07`` (configure ``api_url`` as the adapter's ``base_url``).
    ``orders`` maps id → order; ``rate_limit`` calls per ``window`` seconds (sliding)."""

    #: A shipped shipment cannot be cancelled (WarehouseProbe: see ``_cancel``).
    rejects_late_cancellation = True

    def __init__(self, token: str = "shipbob-token", channel_id: str = "4242", *,
                 rate_limit: int = 150, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.token = token
        self.channel_id = channel_id
        self.orders: dict[int, dict[str, Any]] = {}
        self.inventory: dict[str, dict[str, Any]] = {}
        self.rate_limit = rate_limit
        self.window = window
        self.clock = clock
        self._recent: deque[float] = deque()
        self._forced: list[int] = []
        self.throttled = 0
        self._next_create_delay = 0.0
        self._ids = iter(range(70001, 10**9))
        self._shipment_ids = iter(range(900001, 10**9))

    @property
    def api_url(self) -> str:
        """The URL to configure as the adapter's ``base_url``."""
        return self.base_url + PREFIX

    # --- probe ----------------------------------------------------------------------------

    def _by_reference(self, reference: str, channel: str | None = None) -> list[dict[str, Any]]:
        channel = self.channel_id if channel is None else channel
        return [o for o in self.orders.values()
                if o["reference_id"] == reference and str(o["channel"]["id"]) == channel]

    def orders_received(self, reference: str) -> int:
        """Orders held for ``reference`` in our channel (ShipBob never holds two)."""
        with self.lock:
            return len(self._by_reference(reference))

    def latest_revision(self, reference: str) -> int | None:
        """Always 1 once created: the create-order API has no update."""
        with self.lock:
            return 1 if self._by_reference(reference) else None

    def is_cancelled(self, reference: str) -> bool:
        """Whether the order for ``reference`` was cancelled."""
        with self.lock:
            found = self._by_reference(reference)
            return bool(found) and found[0]["status"] == "Cancelled"

    def ship(self, order: _Order, lines: list[tuple[str, int]] | None = None,
             tracking_number: str | None = "TRACK1", carrier: str | None = "PostNL") -> None:
        """A ``Completed`` shipment of ``lines`` (``[(line_ref, qty)]``, None = everything)."""
        skus = {line.line_ref: line.sku for line in order.lines}
        with self.lock:
            found = self._by_reference(order.reference)[0]
            amounts = ({skus[ref]: qty for ref, qty in lines} if lines is not None else None)
            shipment = self.add_shipment(found["id"], amounts)
            self.complete_shipment(shipment["id"], tracking_number, carrier)

    def add_shipment(self, order_id: int, amounts: dict[str, int] | None = None
                     ) -> dict[str, Any]:
        """A ``Processing`` shipment (no tracking yet) of ``amounts`` (reference_id → qty;
        None = every product in full) on order ``order_id``: how ShipBob splits an order."""
        with self.lock:
            order = self.orders[order_id]
            if amounts is None:
                amounts = {p["reference_id"]: p["quantity"] for p in order["products"]}
            shipment = fixture("shipbob", "shipment")
            item_template = shipment["products"][0]["inventory_items"][0]
            by_ref = {p["reference_id"]: p for p in order["products"]}
            shipment.update(
                id=next(self._shipment_ids), order_id=order_id,
                reference_id=order["reference_id"], recipient=order["recipient"],
                created_date=_iso(), last_update_at=_iso(), status="Processing",
                tracking=None, actual_fulfillment_date=None,
                products=[{"id": by_ref[ref]["id"], "reference_id": ref,
                           "name": by_ref[ref].get("name") or ref, "sku": by_ref[ref]["sku"],
                           "inventory_items": [{**item_template, "id": by_ref[ref]["id"] + 1,
                                                "name": by_ref[ref].get("name") or ref,
                                                "quantity": qty, "quantity_committed": qty}]}
                          for ref, qty in amounts.items()],
            )
            order["shipments"].append(shipment)
            self._touch(order)
            return shipment

    def complete_shipment(self, shipment_id: int, tracking_number: str | None = "1ZTEST",
                          carrier: str | None = "UPS") -> None:
        """The shipment leaves ShipBob: ``Completed``, with tracking (None: untracked)."""
        with self.lock:
            for order in self.orders.values():
                for shipment in order["shipments"]:
                    if shipment["id"] != shipment_id:
                        continue
                    if tracking_number:
                        tracking = fixture("shipbob", "tracking")
                        tracking.update(carrier=carrier, tracking_number=tracking_number,
                                        tracking_url=f"https://track.example/{tracking_number}",
                                        shipping_date=_iso())
                        shipment["tracking"] = tracking
                    shipment.update(status="Completed", actual_fulfillment_date=_iso(),
                                    last_update_at=_iso(), last_tracking_update_at=_iso())
                    done = all(s["status"] == "Completed" for s in order["shipments"])
                    order["status"] = "Fulfilled" if done else "PartiallyFulfilled"
                    self._touch(order)

    def ship_everything(self, tracking_prefix: str = "1Z") -> int:
        """Ship every open order of our channel without shipments, in full; how many."""
        with self.lock:
            todo = [o for o in self.orders.values()
                    if not o["shipments"] and o["status"] != "Cancelled"
                    and str(o["channel"]["id"]) == self.channel_id]
            for order in todo:
                shipment = self.add_shipment(order["id"])
                self.complete_shipment(shipment["id"], f"{tracking_prefix}{order['id']}")
            return len(todo)

    def add_channel_order(self, channel_id: str, reference: str,
                          products: list[dict[str, Any]]) -> dict[str, Any]:
        """An order another channel (a webshop) created in the same merchant account."""
        with self.lock:
            return self._store(channel_id, {"reference_id": reference, "products": products,
                                            "shipping_method": "Standard",
                                            "recipient": fixture("shipbob", "order")["recipient"]})

    def set_stock(self, sku: str, available: int) -> None:
        """Set the fulfillable quantity of ``sku``."""
        with self.lock:
            level = fixture("shipbob", "inventory_level")
            level.update(inventory_id=len(self.inventory) + 1, name=sku, sku=sku,
                         total_fulfillable_quantity=available,
                         total_on_hand_quantity=available + 1, total_committed_quantity=1,
                         total_sellable_quantity=available)
            self.inventory[sku] = level

    def time_out_next_create(self, delay: float) -> None:
        """Store the next created order, then wait ``delay`` seconds before answering."""
        with self.lock:
            self._next_create_delay = delay

    def webhook_delivery(self, reference: str, secret: str, *, msg_id: str | None = None,
                         timestamp: int | None = None, shipment: int = -1
                         ) -> tuple[dict[str, str], bytes]:
        """Headers and body of an ``order.shipped`` delivery for the ``shipment``-th shipment
        of ``reference`` (the body layout is assumed: the Shipment object)."""
        with self.lock:
            order = self._by_reference(reference)[0]
            body = json.dumps(order["shipments"][shipment]).encode()
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        stamp = int(time.time()) if timestamp is None else timestamp
        return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
                "webhook-signature": sign_standard_webhook(secret, msg_id, stamp, body),
                "x-webhook-topic": "order.shipped"}, body

    # --- HTTP -----------------------------------------------------------------------------

    def _touch(self, order: dict[str, Any]) -> None:
        order["_updated"] = datetime.now(UTC)

    def throttle_next(self, retry_after: int) -> None:
        """Answer the next request 429 (another tool of the same user spent the budget)."""
        with self.lock:
            self._forced.append(retry_after)

    def _too_many(self, wait: int) -> FakeResponse:
        self.throttled += 1
        body = fixture("shipbob", "rate_limited")
        body["message"] = f"Rate limit is exceeded. Try again in {wait} seconds."
        return FakeResponse(429, body, {"x-retry-after": str(wait), "x-remaining-calls": "0"})

    def _throttle(self) -> FakeResponse | None:
        if self._forced:
            return self._too_many(self._forced.pop(0))
        now = self.clock()
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return self._too_many(max(1, int(self._recent[0] + self.window - now + 0.999)))
        self._recent.append(now)
        return None

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        with self.lock:
            throttled = self._throttle()
            response = throttled or super().dispatch(request)
            remaining = self.rate_limit - len(self._recent)
            response.headers.setdefault("x-remaining-calls", str(max(0, remaining)))
            return response

    def _paged(self, request: FakeRequest, items: list[dict[str, Any]]) -> FakeResponse:
        page = int(request.query.get("Page", "1"))
        limit = min(250, int(request.query.get("Limit", "50")))
        chunk = items[(page - 1) * limit:page * limit]
        headers = {}
        if page * limit < len(items):
            following = {**request.query, "Page": str(page + 1)}
            headers["next-page"] = f"{request.path}?{urlencode(following)}"
        return FakeResponse(200, [_public(i) for i in chunk], headers)

    def _levels(self, request: FakeRequest) -> FakeResponse:
        size = int(request.query.get("PageSize", "50"))
        start = int(request.query.get("Cursor", "0"))
        items = list(self.inventory.values())
        chunk = items[start:start + size]

        def link(at: int) -> str:
            return f"{self.base_url}{request.path}?{urlencode({'PageSize': size, 'Cursor': at})}"

        more = start + size < len(items)
        return FakeResponse(200, {"first": None if start == 0 else link(0), "items": chunk,
                                  "next": link(start + size) if more else None,
                                  "prev": link(max(0, start - size)) if start else None,
                                  "last": None})

    def route(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return FakeResponse(401, {"message": "No valid API key provided."})
        path, method = request.path, request.method
        channel = request.headers.get("shipbob_channel_id")
        if method == "POST" and channel is None:
            return FakeResponse(400, {"shipbob_channel_id": ["The header is required."]})
        if path == f"{PREFIX}/order" and method == "POST":
            return self._create(channel or "", request.json() or {})
        if path == f"{PREFIX}/order" and method == "GET":
            return self._paged(request, self._list(request.query))
        match = _ORDER.match(path)
        if match and method == "GET" and int(match.group(1)) in self.orders:
            return FakeResponse(200, _public(self.orders[int(match.group(1))]))
        match = _CANCEL.match(path)
        if match and method == "POST" and int(match.group(1)) in self.orders:
            order = self.orders[int(match.group(1))]
            return self._cancel(order)
        if path == f"{PREFIX}/inventory-level" and method == "GET":
            return self._levels(request)
        return FakeResponse(404, {"title": "Not Found", "status": 404})

    def _cancel(self, order: dict[str, Any]) -> FakeResponse:
        """ShipBob's docs: "Cancels an order and all associated shipments"; a shipment that is
        picked, packed or shipped cannot be cancelled; the 200 answer carries
        ``canceled_shipment_results[] {action, is_success, reason, shipment_id}``. Here a
        ``Completed`` shipment (it has left ShipBob) is one that cannot be cancelled, and the
        order then stays as it is. ASSUMPTION: an order already cancelled answers 422."""
        if order["status"] == "Cancelled":
            return FakeResponse(422, {"order": ["Order is already cancelled"]})
        results = [{"action": "Cancel", "shipment_id": s["id"],
                    "is_success": s["status"] != "Completed",
                    "reason": ("Shipment has already been shipped"
                               if s["status"] == "Completed" else "")}
                   for s in order["shipments"]]
        if all(r["is_success"] for r in results):
            order["status"] = "Cancelled"
            for shipment in order["shipments"]:
                shipment["status"] = "Cancelled"
            self._touch(order)
        status = "Success" if all(r["is_success"] for r in results) else "Failed"
        return FakeResponse(200, {"order_id": order["id"], "order": _public(order),
                                  "status": status, "canceled_shipment_results": results})

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        orders = list(self.orders.values())
        if "ReferenceIds" in query:
            wanted = set(query["ReferenceIds"].split(","))
            orders = [o for o in orders if o["reference_id"] in wanted]
        if "IDs" in query:
            ids = {int(i) for i in query["IDs"].split(",")}
            orders = [o for o in orders if o["id"] in ids]
        if query.get("HasTracking", "").lower() == "true":
            orders = [o for o in orders if any(s["tracking"] for s in o["shipments"])]
        if "LastUpdateStartDate" in query:
            since = datetime.fromisoformat(query["LastUpdateStartDate"].replace("Z", "+00:00"))
            orders = [o for o in orders if o["_updated"] >= since]
        if query.get("SortOrder") == "Newest":
            orders.reverse()
        return orders

    def _store(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        order = fixture("shipbob", "order")
        template = order["products"][0]
        order.update({k: v for k, v in body.items() if k != "products"})
        ids = self._ids
        order.update(id=next(ids), status="Processing", shipments=[], created_date=_iso(),
                     channel={"id": int(channel), "name": f"channel {channel}"},
                     order_number=body.get("order_number") or body["reference_id"])
        order["products"] = [{**template, "id": next(ids), "sku": p.get("sku")
                              or p["reference_id"], "external_line_id": None, **p}
                             for p in body["products"]]
        self._touch(order)
        self.orders[order["id"]] = order
        return order

    def _create(self, channel: str, body: dict[str, Any]) -> FakeResponse:
        reference = body.get("reference_id")
        products = body.get("products") or []
        missing = [k for k in ("reference_id", "recipient", "shipping_method", "products")
                   if not body.get(k)]
        if missing or any(not p.get("reference_id") and not p.get("id") for p in products):
            return FakeResponse(400, {k: [f"The {k} field is required."] for k in missing}
                                or {"products": ["Each product needs an id or reference_id."]})
        if self._by_reference(str(reference), channel):
            return FakeResponse(422, {"reference_id": ["Duplicate reference ID"]})
        order = self._store(channel, body)
        delay, self._next_create_delay = self._next_create_delay, 0.0
        return FakeResponse(201, _public(order), {}, delay)
