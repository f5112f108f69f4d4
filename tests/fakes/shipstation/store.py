"""The state and business rules of the fake ShipStation (no HTTP here; see ``fake_server``).

Modelled on ShipStation V1's documented behaviour: orders upserted by ``orderKey`` (only open
orders can change), per-order results of ``createorders``, label shipments and fulfillments
listed by date window (Pacific wall time, no offset) and paged, webhook batches.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["OPEN_STATUSES", "FakeStore", "paged"]

OPEN_STATUSES = frozenset({"awaiting_payment", "awaiting_shipment", "pending_fulfillment",
                           "on_hold"})
PACIFIC = ZoneInfo("America/Los_Angeles")

#: A rule that refuses an order: returns ShipStation's ``errorMessage`` or None to accept.
OrderRule = Callable[[Mapping[str, Any]], "str | None"]


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall time in ``zone`` (naive input is taken as already local)."""
    if value.tzinfo is not None:
        value = value.astimezone(zone)
    return value.replace(tzinfo=None, microsecond=0)


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _filter_time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace(" ", "T")[:19])


def paged(records: list[dict[str, Any]], name: str, params: Mapping[str, str],
          default_size: int = 100) -> dict[str, Any]:
    """A V1 list answer ``{name, total, page, pages}`` for 1-based ``page``/``pageSize``."""
    size = max(1, min(500, int(params.get("pageSize") or default_size)))
    page = max(1, int(params.get("page") or 1))
    chunk = records[(page - 1) * size: page * size]
    return {name: chunk, "total": len(records), "page": page,
            "pages": max(1, math.ceil(len(records) / size))}


class FakeStore:
    """Orders, shipments, fulfillments, webhooks, stores and stock of one fake account."""

    def __init__(self, zone: ZoneInfo = PACIFIC,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.zone = zone
        #: Wall clock for creation dates when a helper is not given one (settable by tests).
        self.now = now
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        self.orders: dict[str, dict[str, Any]] = {}  # by orderKey
        self.shipments: dict[int, dict[str, Any]] = {}
        self.fulfillments: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.batches: dict[int, list[int]] = {}
        self.stores: list[dict[str, Any]] = [{
            "storeId": 12345, "storeName": "Orderchamp", "marketplaceId": 0,
            "marketplaceName": "ShipStation", "accountName": None, "active": True,
        }]
        self.inventory: dict[str, dict[str, Any]] = {}
        #: Every accepted upsert, in order: (orderKey, orderStatus).
        self.upserts: list[tuple[str, str]] = []
        self.rules: list[OrderRule] = [_needs_country]

    # --- orders ---------------------------------------------------------------------------

    def upsert_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update by ``orderKey``; returns one ``createorders`` result entry."""
        with self.lock:
            key = payload.get("orderKey") or f"generated-{next(self._ids)}"
            result = {"orderId": None, "orderNumber": payload.get("orderNumber"),
                      "orderKey": key, "success": False, "errorMessage": None}
            existing = self.orders.get(key)
            for rule in self.rules:
                message = rule(payload)
                if message:
                    result["errorMessage"] = message
                    return result
            if existing is not None and existing["orderStatus"] not in OPEN_STATUSES:
                result["orderId"] = existing["orderId"]
                result["errorMessage"] = (
                    f"Order {existing['orderNumber']} is {existing['orderStatus']}; only open "
                    "orders can be updated")
                return result
            order = dict(payload, orderKey=key)
            order["orderId"] = existing["orderId"] if existing else next(self._ids)
            order.setdefault("orderStatus", "awaiting_shipment")
            order["items"] = [dict(item, orderItemId=next(self._ids))
                              for item in payload.get("items") or []]
            self.orders[key] = order
            self.upserts.append((key, order["orderStatus"]))
            result.update(orderId=order["orderId"], success=True)
            return result

    def order_by_id(self, order_id: int) -> dict[str, Any] | None:
        """The stored order with this ``orderId``."""
        with self.lock:
            return next((o for o in self.orders.values() if o["orderId"] == order_id), None)

    def reject_sku(self, sku: str, message: str | None = None) -> None:
        """Make every order containing ``sku`` fail with ``message``."""
        text = message or f"Item with SKU '{sku}' is not allowed"
        self.rules.append(
            lambda order: text if any(i.get("sku") == sku for i in order.get("items") or [])
            else None)

    # --- shipments ------------------------------------------------------------------------

    def _order(self, order_key: str) -> dict[str, Any]:
        if order_key not in self.orders:
            raise KeyError(f"no order with orderKey {order_key!r}")
        return self.orders[order_key]

    def create_label(self, order_key: str, lines: Mapping[str, int] | None = None, *,
                     tracking_number: str = "TRACK1", carrier: str = "postnl",
                     service: str = "postnl_standard", create_date: datetime | None = None,
                     ship_date: datetime | None = None, is_return: bool = False,
                     batch: int | None = None) -> dict[str, Any]:
        """A label shipment for an order; ``lines`` maps lineItemKey to quantity (None: all
        items). The order becomes ``shipped`` (return labels leave it alone)."""
        with self.lock:
            order = self._order(order_key)
            items = order["items"] if lines is None else [
                next(i for i in order["items"] if i.get("lineItemKey") == key) | {"quantity": n}
                for key, n in lines.items()]
            created = _local(create_date or self.now(), self.zone)
            shipped = _local(ship_date, self.zone) if ship_date else created
            shipment = {
                "shipmentId": next(self._ids), "orderId": order["orderId"],
                "orderKey": order["orderKey"], "orderNumber": order["orderNumber"],
                "createDate": _stamp(created), "shipDate": shipped.date().isoformat(),
                "trackingNumber": tracking_number, "carrierCode": carrier,
                "serviceCode": service, "isReturnLabel": is_return, "voided": False,
                "voidDate": None, "batchNumber": batch,
                "weight": {"value": 1200, "units": "grams"},
                "advancedOptions": dict(order.get("advancedOptions") or {}),
                "shipmentItems": [{"orderItemId": i["orderItemId"], "lineItemKey":
                                   i.get("lineItemKey"), "sku": i.get("sku"), "name":
                                   i.get("name"), "quantity": i["quantity"]} for i in items],
            }
            self.shipments[shipment["shipmentId"]] = shipment
            if not is_return:
                order["orderStatus"] = "shipped"
            return shipment

    def mark_shipped(self, order_key: str, *, tracking_number: str = "TRACK1",
                     carrier: str = "dhl", create_date: datetime | None = None,
                     ship_date: datetime | None = None) -> dict[str, Any]:
        """Mark an order shipped outside ShipStation: a fulfillment (no items, no orderKey,
        as in V1) and the order becomes ``shipped``."""
        with self.lock:
            order = self._order(order_key)
            created = _local(create_date or self.now(), self.zone)
            shipped = _local(ship_date, self.zone) if ship_date else created
            fulfillment = {
                "fulfillmentId": next(self._ids), "orderId": order["orderId"],
                "orderNumber": order["orderNumber"], "customerEmail":
                order.get("customerEmail"), "trackingNumber": tracking_number,
                "createDate": _stamp(created),
                "shipDate": _stamp(shipped.replace(hour=0, minute=0, second=0)),
                "voidDate": None, "carrierCode": carrier, "fulfillmentProviderCode": None,
                "fulfillmentServiceCode": None, "voided": False,
            }
            self.fulfillments[fulfillment["fulfillmentId"]] = fulfillment
            order["orderStatus"] = "shipped"
            return fulfillment

    def void(self, shipment_id: int) -> None:
        """Void a label (or a fulfillment, by its id)."""
        with self.lock:
            record = self.shipments.get(shipment_id) or self.fulfillments[shipment_id]
            record["voided"] = True
            record["voidDate"] = _stamp(_local(self.now(), self.zone))

    def batch(self, ids: list[int]) -> int:
        """Group shipment or fulfillment ids into a webhook batch; returns the batch id."""
        with self.lock:
            batch_id = next(self._ids)
            self.batches[batch_id] = list(ids)
            return batch_id

    def query(self, kind: str, params: Mapping[str, str]) -> dict[str, Any]:
        """``GET /shipments`` or ``GET /fulfillments`` with filters and paging."""
        with self.lock:
            source = self.shipments if kind == "shipments" else self.fulfillments
            records = sorted(source.values(), key=lambda r: (r["createDate"], r[
                "shipmentId" if kind == "shipments" else "fulfillmentId"]))
            if params.get("batchId"):
                wanted = set(self.batches.get(int(params["batchId"]), []))
                records = [r for r in records if (r.get("shipmentId") or
                                                  r.get("fulfillmentId")) in wanted]
            for field in ("createDate", "shipDate"):
                start, end = params.get(field + "Start"), params.get(field + "End")
                if start:
                    records = [r for r in records if _filter_time(r[field]) >= _filter_time(
                        start)]
                if end:
                    records = [r for r in records if _filter_time(r[field]) <= _filter_time(
                        end)]
            for name in ("orderNumber", "orderId", "trackingNumber"):
                if params.get(name):
                    records = [r for r in records if str(r.get(name)) == params[name]]
            if kind == "shipments" and params.get("includeShipmentItems", "").lower() != "true":
                records = [dict(r, shipmentItems=None) for r in records]
            return paged([dict(r) for r in records], kind, params)


def _needs_country(order: Mapping[str, Any]) -> str | None:
    for part in ("shipTo", "billTo"):
        if not (order.get(part) or {}).get("country"):
            return f"{part}.country is required"
    return None
