"""State and business rules of the fake ShipStation (no HTTP here; see ``server``).

Written from ShipStation's V1 documentation (the pages named in ``fixtures/``), never from the
adapter: orders are upserted by ``orderKey`` and only open ones change; a *split* order keeps
its ``orderKey`` on the child, which gets its own ``orderId``, the number ``<parent>-1`` and
``advancedOptions.parentId`` (so updating a split order needs its ``orderId``); labels are
listed under ``/shipments`` and orders marked shipped under ``/fulfillments``, by date window
in Pacific wall time (no offset), paged. Every record is built from the documented example
(:func:`fakes.shipstation.docs.shaped`), so it has exactly the documented fields.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .docs import example, shaped, undocumented

__all__ = ["OPEN_STATUSES", "FakeStore", "InvalidRequest", "paged"]

OPEN_STATUSES = frozenset({"awaiting_payment", "awaiting_shipment", "pending_fulfillment",
                           "on_hold"})
PACIFIC = ZoneInfo("America/Los_Angeles")

_ORDER = example("v1/orders-get.json")
_ORDER_REQUEST = example("v1/orders-createorder.json", "request")
_RESULT = example("v1/orders-createorders.json")["results"][0]
_SHIPMENT = example("v1/shipments-list.json")["shipments"][0]
_FULFILLMENT = example("v1/fulfillments-list.json")["fulfillments"][0]
_STORE = example("v1/stores-list.json")[0]
_WEBHOOK = example("v1/webhooks-list.json")["webhooks"][0]
_INVENTORY = example("v2/inventory-list.json")["inventory"][0]

#: A rule that refuses an order: returns ShipStation's ``errorMessage`` or None to accept.
OrderRule = Callable[[Mapping[str, Any]], "str | None"]


class InvalidRequest(ValueError):
    """The request itself is refused (HTTP 400 with ShipStation's error body)."""


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


def _check_fields(where: str, given: Mapping[str, Any] | None,
                  documented: Mapping[str, Any]) -> None:
    if given is None:
        return
    if not isinstance(given, Mapping):
        raise InvalidRequest(f"{where} must be an object")
    unknown = undocumented(given, documented)
    if unknown:
        raise InvalidRequest(f"{where}: {', '.join(unknown)} not in ShipStation's documented "
                             "order model")


def validate_order_request(payload: Any) -> None:
    """Refuse an order whose fields the docs do not show, or without a required one."""
    if not isinstance(payload, Mapping):
        raise InvalidRequest("an order must be a JSON object")
    _check_fields("order", payload, {**_ORDER_REQUEST, "orderId": None})
    for part in ("billTo", "shipTo"):
        _check_fields(part, payload.get(part), _ORDER_REQUEST[part])
    _check_fields("advancedOptions", payload.get("advancedOptions"),
                  _ORDER_REQUEST["advancedOptions"])
    for item in payload.get("items") or []:
        _check_fields("items[]", item, _ORDER_REQUEST["items"][0])
        if item.get("name") is None:
            raise InvalidRequest("items[].name cannot be null")
    for name in ("orderNumber", "orderDate", "orderStatus", "billTo", "shipTo"):
        if payload.get(name) in (None, ""):
            raise InvalidRequest(f"{name} is required")


class FakeStore:
    """Orders, shipments, fulfillments, webhooks, stores and stock of one fake account."""

    def __init__(self, zone: ZoneInfo = PACIFIC,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.zone = zone
        #: Wall clock for creation dates when a helper is not given one (settable by tests).
        self.now = now
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        #: Every order by ``orderId`` (split children included).
        self.orders_by_id: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        self.fulfillments: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.batches: dict[int, list[int]] = {}
        self.stores: list[dict[str, Any]] = [shaped(_STORE, dict(
            _STORE, storeId=12345, storeName="Orderchamp", marketplaceId=0,
            marketplaceName="ShipStation", active=True))]
        self.inventory: dict[str, dict[str, Any]] = {}
        #: Every accepted upsert, in order: (orderKey, orderStatus).
        self.upserts: list[tuple[str, str]] = []
        self.rules: list[OrderRule] = [_needs_country]

    # --- orders ---------------------------------------------------------------------------

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """The original (not split-off) order of each ``orderKey``."""
        with self.lock:
            found: dict[str, dict[str, Any]] = {}
            for order in self.orders_by_id.values():
                if order["advancedOptions"]["parentId"] is None:
                    found.setdefault(order["orderKey"], order)
            return found

    def with_key(self, order_key: str) -> list[dict[str, Any]]:
        """Every order with this ``orderKey`` (more than one after a split), oldest first."""
        with self.lock:
            return [o for o in self.orders_by_id.values() if o["orderKey"] == order_key]

    def order_by_id(self, order_id: int) -> dict[str, Any] | None:
        """The stored order with this ``orderId``."""
        with self.lock:
            return self.orders_by_id.get(order_id)

    def upsert_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update by ``orderKey`` (and ``orderId`` for split orders); returns one
        ``createorders`` result entry. Raises :class:`InvalidRequest` for undocumented fields."""
        validate_order_request(payload)
        with self.lock:
            key = payload.get("orderKey") or f"generated-{next(self._ids)}"
            result = shaped(_RESULT, {"orderNumber": payload.get("orderNumber"),
                                      "orderKey": key, "success": False})
            for rule in self.rules:
                message = rule(payload)
                if message:
                    result["errorMessage"] = message
                    return result
            existing = self.with_key(key)
            if payload.get("orderId") is not None:
                existing = [o for o in existing if o["orderId"] == payload["orderId"]]
                if not existing:
                    result["errorMessage"] = f"Order {payload['orderId']} not found"
                    return result
            elif len(existing) > 1:
                result["errorMessage"] = (f"orderKey {key} belongs to a split order: the orderId "
                                          "is required to update it")
                return result
            current = existing[0] if existing else None
            if current is not None and current["orderStatus"] not in OPEN_STATUSES:
                result["orderId"] = current["orderId"]
                result["errorMessage"] = (
                    f"Order {current['orderNumber']} is {current['orderStatus']}; only open "
                    "orders can be updated")
                return result
            order = self._order_record(payload, key, current)
            self.orders_by_id[order["orderId"]] = order
            self.upserts.append((key, order["orderStatus"]))
            result.update(orderId=order["orderId"], success=True)
            return result

    def _order_record(self, payload: Mapping[str, Any], key: str,
                      current: dict[str, Any] | None) -> dict[str, Any]:
        now = _stamp(_local(self.now(), self.zone))
        values = {name: payload.get(name) for name in _ORDER_REQUEST if name in _ORDER}
        options = dict(payload.get("advancedOptions") or {})
        # Read-only fields keep the server's values; storeId defaults to the first store.
        options.update(mergedOrSplit=False, mergedIds=[], parentId=None)
        if current is not None:
            options.update({k: current["advancedOptions"][k]
                            for k in ("mergedOrSplit", "mergedIds", "parentId", "storeId")})
        options["storeId"] = options.get("storeId") or self.stores[0]["storeId"]
        items = [self._item(item, now) for item in payload.get("items") or []]
        total = sum((Decimal(str(i["unitPrice"] or 0)) * i["quantity"] for i in items),
                    Decimal(0))
        for name, template in _ORDER.items():  # weight, dimensions, insurance...: documented keys
            given = values.get(name)
            if isinstance(template, dict) and isinstance(given, Mapping):
                values[name] = shaped(template, {k: v for k, v in given.items() if k in template})
        values.update(
            orderId=current["orderId"] if current else next(self._ids), orderKey=key,
            orderStatus=payload.get("orderStatus") or "awaiting_shipment",
            createDate=current["createDate"] if current else now, modifyDate=now,
            items=items, orderTotal=float(total),
            billTo=shaped(_ORDER["billTo"], payload["billTo"]),
            shipTo=shaped(_ORDER["shipTo"], payload["shipTo"]),
            advancedOptions=shaped(_ORDER["advancedOptions"], options),
            externallyFulfilled=False)
        return shaped(_ORDER, values)

    def _item(self, item: Mapping[str, Any], now: str) -> dict[str, Any]:
        return shaped(_ORDER["items"][0], {**item, "orderItemId": next(self._ids),
                                           "adjustment": bool(item.get("adjustment")),
                                           "createDate": now, "modifyDate": now})

    def split_order(self, order_key: str, lines: Mapping[str, int]) -> dict[str, Any]:
        """ShipStation's *Split Order*: move ``lines`` (lineItemKey -> quantity) of the order
        with this key into a new child order. The child keeps the ``orderKey``, gets its own
        ``orderId``, the number ``<parent number>-<n>`` and ``advancedOptions.parentId``; both
        are marked ``mergedOrSplit``. Returns the child."""
        with self.lock:
            parent = self.orders[order_key]
            children = [o for o in self.with_key(order_key) if o is not parent]
            now = _stamp(_local(self.now(), self.zone))
            moved = []
            for line_key, quantity in lines.items():
                item = next(i for i in parent["items"] if i["lineItemKey"] == line_key)
                if not 0 < quantity <= item["quantity"]:
                    raise ValueError(f"cannot split {quantity} of {line_key}")
                item["quantity"] -= quantity
                moved.append(self._item({**item, "quantity": quantity}, now))
            parent["items"] = [i for i in parent["items"] if i["quantity"] > 0]
            child = dict(parent, orderId=next(self._ids), items=moved, createDate=now,
                         modifyDate=now, orderNumber=f"{parent['orderNumber']}-{len(children) + 1}",
                         advancedOptions=dict(parent["advancedOptions"], mergedOrSplit=True,
                                              parentId=parent["orderId"]))
            parent["advancedOptions"]["mergedOrSplit"] = True
            parent["modifyDate"] = now
            self.orders_by_id[child["orderId"]] = child
            return child

    def reject_sku(self, sku: str, message: str | None = None) -> None:
        """Make every order containing ``sku`` fail with ``message``."""
        text = message or f"Item with SKU '{sku}' is not allowed"
        self.rules.append(
            lambda order: text if any(i.get("sku") == sku for i in order.get("items") or [])
            else None)

    # --- shipments ------------------------------------------------------------------------

    def _pick(self, order_key: str, order_id: int | None) -> dict[str, Any]:
        if order_id is not None:
            order = self.orders_by_id.get(order_id)
            if order is None or order["orderKey"] != order_key:
                raise KeyError(f"no order {order_id} with orderKey {order_key!r}")
            return order
        found = self.with_key(order_key)
        if not found:
            raise KeyError(f"no order with orderKey {order_key!r}")
        if len(found) > 1:
            raise KeyError(f"orderKey {order_key!r} is split: say which orderId")
        return found[0]

    def create_label(self, order_key: str, lines: Mapping[str, int] | None = None, *,
                     order_id: int | None = None, tracking_number: str = "TRACK1",
                     carrier: str = "postnl", service: str = "postnl_standard",
                     create_date: datetime | None = None, ship_date: datetime | None = None,
                     is_return: bool = False, batch: int | None = None) -> dict[str, Any]:
        """A label shipment for an order (``order_id`` picks one part of a split order);
        ``lines`` maps lineItemKey to quantity (None: all items). The order becomes
        ``shipped`` (return labels leave it alone)."""
        with self.lock:
            order = self._pick(order_key, order_id)
            items = order["items"] if lines is None else [
                next(i for i in order["items"] if i["lineItemKey"] == key) | {"quantity": n}
                for key, n in lines.items()]
            created = _local(create_date or self.now(), self.zone)
            shipped = _local(ship_date, self.zone) if ship_date else created
            shipment = shaped(_SHIPMENT, {
                "shipmentId": next(self._ids), "orderId": order["orderId"],
                "orderKey": order["orderKey"], "orderNumber": order["orderNumber"],
                "createDate": _stamp(created), "shipDate": shipped.date().isoformat(),
                "shipmentCost": 6.95, "insuranceCost": 0, "trackingNumber": tracking_number,
                "isReturnLabel": is_return, "batchNumber": None if batch is None else str(batch),
                "carrierCode": carrier, "serviceCode": service, "packageCode": "package",
                "confirmation": "none", "warehouseId": order["advancedOptions"]["warehouseId"],
                "voided": False, "marketplaceNotified": False,
                "shipTo": shaped(_SHIPMENT["shipTo"], {
                    k: v for k, v in order["shipTo"].items() if k in _SHIPMENT["shipTo"]}),
                "weight": {"value": 1200, "units": "grams"},
                "insuranceOptions": dict(_SHIPMENT["insuranceOptions"]),
                "shipmentItems": [shaped(_SHIPMENT["shipmentItems"][0], {
                    k: v for k, v in item.items() if k in _SHIPMENT["shipmentItems"][0]})
                    for item in items],
            })
            shipment["_storeId"] = order["advancedOptions"]["storeId"]  # for storeId filters
            self.shipments[shipment["shipmentId"]] = shipment
            if not is_return:
                order["orderStatus"] = "shipped"
            return _public(shipment)

    def mark_shipped(self, order_key: str, *, order_id: int | None = None,
                     tracking_number: str = "TRACK1", carrier: str = "dhl",
                     create_date: datetime | None = None,
                     ship_date: datetime | None = None) -> dict[str, Any]:
        """Mark an order shipped outside ShipStation: a fulfillment (as documented: no items,
        no orderKey) and the order becomes ``shipped``."""
        with self.lock:
            order = self._pick(order_key, order_id)
            created = _local(create_date or self.now(), self.zone)
            shipped = _local(ship_date, self.zone) if ship_date else created
            fulfillment = shaped(_FULFILLMENT, {
                "fulfillmentId": next(self._ids), "orderId": order["orderId"],
                "orderNumber": order["orderNumber"], "customerEmail": order["customerEmail"],
                "trackingNumber": tracking_number, "createDate": _stamp(created),
                "shipDate": _stamp(shipped.replace(hour=0, minute=0, second=0)),
                "carrierCode": carrier, "fulfillmentFee": 0, "voidRequested": False,
                "voided": False, "marketplaceNotified": False,
                "shipTo": shaped(_FULFILLMENT["shipTo"], order["shipTo"]),
            })
            self.fulfillments[fulfillment["fulfillmentId"]] = fulfillment
            order["orderStatus"] = "shipped"
            return dict(fulfillment)

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
        """``GET /shipments`` or ``GET /fulfillments`` with the documented filters and paging."""
        id_field = "shipmentId" if kind == "shipments" else "fulfillmentId"
        with self.lock:
            source = self.shipments if kind == "shipments" else self.fulfillments
            records = list(source.values())
            if params.get("batchId"):
                wanted = set(self.batches.get(int(params["batchId"]), []))
                records = [r for r in records if r[id_field] in wanted]
            records = list(_filtered(records, params))
            store = params.get("storeId") or params.get("storeID")
            if kind == "shipments" and store:
                records = [r for r in records if str(r["_storeId"]) == store]
            sort = {"ShipDate": "shipDate", "CreateDate": "createDate"}.get(
                params.get("sortBy") or "", "createDate")
            records.sort(key=lambda r: (r[sort] or "", r[id_field]),
                         reverse=(params.get("sortDir") or "ASC").upper() == "DESC")
            answer = [_public(r) for r in records]
            if kind == "shipments" and params.get("includeShipmentItems", "").lower() != "true":
                answer = [dict(r, shipmentItems=None) for r in answer]
            return paged(answer, kind, params)

    # --- inventory (V2) -------------------------------------------------------------------

    def set_stock(self, sku: str, available: int, *, on_hand: int | None = None,
                  allocated: int = 0, warehouse: str = "se-1") -> None:
        """Set V2 inventory of one SKU (one warehouse, one location)."""
        with self.lock:
            self.inventory[sku] = shaped(_INVENTORY, {
                "sku": sku, "on_hand": available + allocated if on_hand is None else on_hand,
                "allocated": allocated, "available": available,
                "average_cost": {"amount": 0, "currency": "USD"},
                "inventory_warehouse_id": warehouse, "inventory_location_id": "loc-1"})

    # --- webhooks -------------------------------------------------------------------------

    def subscribe(self, hook_id: int, payload: Mapping[str, Any]) -> None:
        """Store a subscription in the documented list shape."""
        with self.lock:
            self.webhooks[hook_id] = shaped(_WEBHOOK, {
                "IsLabelAPIHook": False, "WebHookID": hook_id, "SellerID": 1,
                "StoreID": payload.get("store_id"), "HookType": payload["event"],
                "MessageFormat": "Json", "Url": payload["target_url"],
                "Name": payload.get("friendly_name"), "Active": True, "WebhookLogs": []})


def _filtered(records: list[dict[str, Any]], params: Mapping[str, str]
              ) -> Iterator[dict[str, Any]]:
    for record in records:
        keep = True
        for field in ("createDate", "shipDate", "voidDate"):
            start, end = params.get(field + "Start"), params.get(field + "End")
            value = record.get(field)
            if (start or end) and not value:
                keep = False
            if start and value and _filter_time(value) < _filter_time(start):
                keep = False
            if end and value and _filter_time(value) > _filter_time(end):
                keep = False
        for name in ("orderNumber", "orderId", "trackingNumber", "fulfillmentId"):
            if params.get(name) and str(record.get(name)) != params[name]:
                keep = False
        if keep:
            yield record


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _needs_country(order: Mapping[str, Any]) -> str | None:
    if not (order.get("shipTo") or {}).get("country"):
        return "shipTo.country is required"
    return None
