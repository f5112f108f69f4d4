"""A Picqer stand-in written from Picqer's public API documentation (https://picqer.com/en/api),
with the docs' example payloads as templates (``fixtures/picqer``, sources in SOURCES.md).

What it models, per the docs: Basic auth with the API key as user name; a required
``User-Agent``; ``X-RateLimit-Limit``/``X-RateLimit-Remaining`` headers; lists of at most 100
records paged by ``offset``; orders created as ``concept``, ``process`` making a picklist, cancel
by ``DELETE``; picklists carrying the products and amounts; shipments *on a picklist* (no
products of their own), cancellable for five minutes; ``picklists.shipments.created`` webhooks
signed with ``X-Picqer-Signature`` (base64 HMAC-SHA256 of the raw body). It imports nothing from
the adapter it tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any, Protocol

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse
from fakes.rest_wms.fixtures import fixture

__all__ = ["FakePicqer"]

PAGE = 100
_ORDER = re.compile(r"^/api/v1/orders/(\d+)(/process)?$")
_PICKLIST = re.compile(r"^/api/v1/picklists/(\d+)(/shipments)?$")


class _Line(Protocol):
    line_ref: str
    sku: str
    quantity: int


class _Order(Protocol):
    reference: str

    @property
    def lines(self) -> Any: ...


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


class FakePicqer(FakeWarehouse):
    """Picqer under ``/api/v1``. State: ``orders`` (idorder → order), ``picklists``
    (idpicklist → picklist), ``shipments`` (in creation order), ``products`` (productcode →
    product). ``time_out_next_create(delay)`` stores the next order and answers late."""

    #: A shipped order cannot be cancelled (WarehouseProbe: see ``_cancel``).
    rejects_late_cancellation = True

    def __init__(self, api_key: str = "picqer-key", *, rate_limit: int = 500) -> None:
        super().__init__()
        self.api_key = api_key
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self.orders: dict[int, dict[str, Any]] = {}
        self.picklists: dict[int, dict[str, Any]] = {}
        self.shipments: list[dict[str, Any]] = []
        self.products: dict[str, dict[str, Any]] = {}
        self._next_create_delay = 0.0
        self._ids = iter(range(1001, 10**9))

    # --- probe (oc_bridge.testing.WarehouseProbe) ------------------------------------------

    def _by_reference(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.orders.values() if o["reference"] == reference]

    def orders_received(self, reference: str) -> int:
        """Orders held for ``reference`` (Picqer has no duplicate check: each counts)."""
        with self.lock:
            return len(self._by_reference(reference))

    def latest_revision(self, reference: str) -> int | None:
        """1 + the number of updates that changed the order's products."""
        with self.lock:
            found = self._by_reference(reference)
            return found[-1]["_revision"] if found else None

    def is_cancelled(self, reference: str) -> bool:
        """Whether the (last) order for ``reference`` was cancelled."""
        with self.lock:
            found = self._by_reference(reference)
            return bool(found) and found[-1]["status"] == "cancelled"

    def ship(self, order: _Order, lines: list[tuple[str, int]] | None = None,
             tracking_number: str | None = "TRACK1", carrier: str | None = "PostNL") -> None:
        """Pick and ship ``lines`` (``[(line_ref, qty)]``; None = everything still open) of
        ``order``: a closed picklist with those amounts and one shipment on it."""
        skus = {line.line_ref: line.sku for line in order.lines}
        with self.lock:
            found = self._by_reference(order.reference)[-1]
            wanted = ({skus[ref]: qty for ref, qty in lines} if lines is not None else None)
            self.ship_order(found["idorder"], wanted, tracking_number, carrier)

    def ship_order(self, idorder: int, amounts: dict[str, int] | None = None,
                   tracking_number: str | None = "3STEST", carrier: str | None = "PostNL"
                   ) -> dict[str, Any]:
        """Close a picklist of ``idorder`` holding ``amounts`` (productcode → amount; None =
        every product in full) and create a shipment on it; the shipment."""
        with self.lock:
            order = self.orders[idorder]
            if amounts is None:
                amounts = {p["productcode"]: p["amount"] for p in order["products"]}
            picklist = self._new_picklist(order, amounts)
            picklist.update(status="closed", closed_at=_now(), totalpicked=sum(amounts.values()))
            for product in picklist["products"]:
                product["amount_picked"] = product["amount"]
            if order["status"] in {"concept", "processing"}:
                order["status"] = "processing"
            return self.create_shipment(picklist["idpicklist"], tracking_number, carrier)

    def create_shipment(self, idpicklist: int, tracking_number: str | None = "3STEST",
                        carrier: str | None = "PostNL") -> dict[str, Any]:
        """A shipment on picklist ``idpicklist`` (as "create shipment" in Picqer does)."""
        with self.lock:
            picklist = self.picklists[idpicklist]
            shipment = fixture("picqer", "picklist_shipment")
            idshipment = 5000 + len(self.shipments) + 1
            url = f"https://track.example/{tracking_number}" if tracking_number else None
            shipment.update(
                idshipment=idshipment, idpicklist=idpicklist, idorder=picklist["idorder"],
                provider=carrier, providername=carrier, public_providername=carrier,
                carrier_key=carrier, trackingcode=tracking_number,
                trackingurl=url, tracktraceurl=url, cancelled=False, created=_now(),
                updated=_now(),
            )
            shipment["parcels"][0].update(idparcel=idshipment, tracking_code=tracking_number,
                                          tracking_url=url)
            self.shipments.append(shipment)
            return shipment

    def cancel_shipment(self, idshipment: int) -> None:
        """Cancel a shipment (Picqer allows this within five minutes of its creation)."""
        with self.lock:
            for shipment in self.shipments:
                if shipment["idshipment"] == idshipment:
                    shipment.update(cancelled=True, updated=_now())

    def ship_everything(self, tracking_prefix: str = "3S") -> int:
        """Ship every open order that has no shipment yet, in full; how many were shipped."""
        with self.lock:
            shipped = {s["idorder"] for s in self.shipments}
            todo = [o for o in self.orders.values()
                    if o["idorder"] not in shipped and o["status"] != "cancelled"]
            for order in todo:
                self.ship_order(order["idorder"], None, f"{tracking_prefix}{order['idorder']}")
            return len(todo)

    def set_stock(self, sku: str, available: int) -> None:
        """Set the free stock of ``sku`` (one warehouse, two units reserved)."""
        with self.lock:
            stock = fixture("picqer", "product_stock")[0]
            stock.update(stock=available + 2, reserved=2, reservedpicklists=2,
                         freestock=available)
            self.products[sku] = {"idproduct": len(self.products) + 1, "productcode": sku,
                                  "name": sku, "stock": [stock]}

    def time_out_next_create(self, delay: float) -> None:
        """Store the next created order, then wait ``delay`` seconds before answering."""
        with self.lock:
            self._next_create_delay = delay

    def webhook_delivery(self, shipment: dict[str, Any], secret: str,
                         event: str = "picklists.shipments.created"
                         ) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of a signed webhook delivery carrying ``shipment``."""
        envelope = fixture("picqer", "webhook_envelope")
        envelope.update(idhook=77, name="oc-bridge", event=event, event_triggered_at=_now(),
                        data=shipment)
        body = json.dumps(envelope).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return {"X-Picqer-Signature": base64.b64encode(digest).decode()}, body

    # --- HTTP -----------------------------------------------------------------------------

    def _reply(self, status: int, body: Any, delay: float = 0.0) -> FakeResponse:
        self.remaining = max(0, self.remaining - 1)
        headers = {"X-RateLimit-Limit": str(self.rate_limit),
                   "X-RateLimit-Remaining": str(self.remaining)}
        return FakeResponse(status, body, headers, delay)

    def _list(self, items: list[dict[str, Any]], query: dict[str, str],
              id_key: str) -> FakeResponse:
        since = int(query.get("sinceid", "0"))
        found = [_public(i) for i in items if i[id_key] > since]
        offset = int(query.get("offset", "0"))
        return self._reply(200, found[offset:offset + PAGE])

    def route(self, request: FakeRequest) -> FakeResponse:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        if request.headers.get("authorization") != expected:
            return FakeResponse(401, {"error": True, "error_message": "Unauthorized"})
        if "@" not in request.headers.get("user-agent", ""):
            return FakeResponse(400, {"error": True, "error_message":
                                      "Provide a User-Agent with your app name and contact"})
        path, method, query = request.path, request.method, request.query
        if path == "/api/v1/orders" and method == "POST":
            return self._create(request.json() or {})
        if path == "/api/v1/orders" and method == "GET":
            orders = [o for o in self.orders.values()
                      if ("reference" not in query or o["reference"] == query["reference"])
                      and ("status" not in query or o["status"] == query["status"])]
            return self._list(orders, query, "idorder")
        match = _ORDER.match(path)
        if match and int(match.group(1)) in self.orders:
            return self._order(self.orders[int(match.group(1))], method, bool(match.group(2)),
                               request.json() or {}, force=query.get("force") == "true")
        match = _PICKLIST.match(path)
        if match and method == "GET" and int(match.group(1)) in self.picklists:
            idpicklist = int(match.group(1))
            if match.group(2):
                return self._reply(200, [s for s in self.shipments
                                         if s["idpicklist"] == idpicklist])
            return self._reply(200, _public(self.picklists[idpicklist]))
        if path == "/api/v1/picklists" and method == "GET":
            picklists = [p for p in self.picklists.values()
                         if "status" not in query or p["status"] == query["status"]]
            return self._list(picklists, query, "idpicklist")
        if path == "/api/v1/shipments" and method == "GET":
            return self._list(self.shipments, query, "idshipment")
        if path == "/api/v1/products" and method == "GET":
            return self._list(list(self.products.values()), query, "idproduct")
        return FakeResponse(404, {"error": True, "error_message": "Not found"})

    def _create(self, body: dict[str, Any]) -> FakeResponse:
        products = body.get("products") or []
        if any(not (p.get("productcode") or p.get("idproduct")) for p in products):
            return self._reply(400, {"error": True, "error_message":
                                     "Products need an idproduct or productcode"})
        idorder = next(self._ids)
        order = fixture("picqer", "order")
        order.update(body)
        order["products"] = [
            {**fixture("picqer", "order")["products"][0], "idorder_product": idorder * 100 + i,
             "idproduct": None, "remarks": "", **p}
            for i, p in enumerate(products, start=1)
        ]
        order.update(idorder=idorder, orderid=f"2026{idorder}", status="concept",
                     created=_now(), updated=_now(), reference=body.get("reference"),
                     _revision=1, _content=_content(body))
        self.orders[idorder] = order
        delay, self._next_create_delay = self._next_create_delay, 0.0
        return self._reply(200, _public(order), delay)

    def _new_picklist(self, order: dict[str, Any], amounts: dict[str, int]) -> dict[str, Any]:
        picklist = fixture("picqer", "picklist")
        template = picklist["products"][0]
        idpicklist = next(self._ids)
        by_code = {p["productcode"]: p for p in order["products"]}
        picklist.update(
            idpicklist=idpicklist, picklistid=f"P{idpicklist}", idorder=order["idorder"],
            reference=order.get("reference"), status="new", created=_now(), updated=_now(),
            totalproducts=sum(amounts.values()), totalpicked=0,
            products=[{**template, "idpicklist_product": idpicklist * 100 + i,
                       "idproduct": by_code[code].get("idproduct"),
                       "idorder_product": by_code[code]["idorder_product"],
                       "productcode": code, "name": by_code[code].get("name"),
                       "amount": amount, "amount_picked": 0}
                      for i, (code, amount) in enumerate(amounts.items(), start=1)],
        )
        self.picklists[idpicklist] = picklist
        return picklist

    def _order(self, order: dict[str, Any], method: str, process: bool,
               body: dict[str, Any], *, force: bool = False) -> FakeResponse:
        if process and method == "POST":
            if order["status"] != "concept":
                return self._reply(400, {"error": True, "error_message": "Already processed"})
            order["status"] = "processing"
            return self._reply(200, _public(order))
        if method == "GET":
            return self._reply(200, _public(order))
        if method == "PUT":
            if order["status"] in {"completed", "cancelled"}:
                return self._reply(400, {"error": True, "error_message":
                                         f"Order is {order['status']}"})
            order.update(body)
            if _content(body) != order["_content"]:
                order["_revision"] += 1
                order["_content"] = _content(body)
            return self._reply(200, _public(order))
        if method == "DELETE":
            return self._cancel(order, force)
        return FakeResponse(405, {"error": True, "error_message": "Method not allowed"})

    def _cancel(self, order: dict[str, Any], force: bool) -> FakeResponse:
        """Picqer's docs: cancelling removes orders in status ``concept`` or ``expected``
        only; ``?force=true`` cancels regardless of status, removing attached picklists even
        if picked. ASSUMPTIONS (the docs do not say): an order with a shipment (a closed
        picklist with a label that was not cancelled) cannot be cancelled even with force, and
        a refusal is a 400 with Picqer's usual error body."""
        if order["status"] == "cancelled":
            return self._reply(409, {"error": True, "error_message": "Already cancelled"})
        shipped = any(s["idorder"] == order["idorder"] and not s["cancelled"]
                      for s in self.shipments)
        if shipped or order["status"] == "completed":
            return self._reply(400, {"error": True, "error_code": 24, "error_message":
                                     "Order cannot be cancelled: it has been shipped"})
        if not force and order["status"] not in {"concept", "expected"}:
            return self._reply(400, {"error": True, "error_code": 24, "error_message":
                                     f"Order cannot be cancelled: status {order['status']}; "
                                     "use force to cancel it anyway"})
        order["status"] = "cancelled"
        for picklist in self.picklists.values():
            if picklist["idorder"] == order["idorder"]:
                picklist["status"] = "cancelled"
        return self._reply(204, None)


def _content(body: dict[str, Any]) -> str:
    return json.dumps(body.get("products"), sort_keys=True)
