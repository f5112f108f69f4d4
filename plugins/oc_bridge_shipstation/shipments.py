"""Reading shipments back from ShipStation: label shipments and fulfillments, by poll or webhook.

Both sources are mapped the same way (:func:`oc_bridge_shipstation.mapping.shipment_report`).
Rules: dedupe by shipment/fulfillment id within one pull; skip return labels; skip voided
records, except that a record voided *after* the engine acknowledged reporting it becomes an
:class:`~oc_bridge.canonical.InboundProblem` (raised once, see :mod:`.reported`); skip records
of orders that did not come from oc-bridge (no ``orderchamp:`` order key).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from oc_bridge.canonical import InboundProblem, ShipmentPull, ShipmentReport
from oc_bridge.errors import MappingError, PermanentError

from .client import ShipStationClient
from .config import ShipStationConfig
from .dates import format_local, parse_utc_cursor, to_utc_cursor, widen_for_dst
from .mapping import fulfillment_key, order_ref_of, shipment_key, shipment_report
from .reported import ReportedShipments

__all__ = ["PullHandle", "ShipmentReader"]

log = logging.getLogger(__name__)

SHIPMENTS, FULFILLMENTS = "shipments", "fulfillments"
ORDER_CACHE_SIZE = 5000


@dataclass
class PullHandle:
    """The adapter's part of a :class:`ShipmentPull`: voids raised as problems in it."""

    voided_keys: list[str] = field(default_factory=list)


@dataclass
class _Collected:
    shipments: list[ShipmentReport] = field(default_factory=list)
    problems: list[InboundProblem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    handle: PullHandle = field(default_factory=PullHandle)

    def pull(self, cursor: str | None) -> ShipmentPull:
        return ShipmentPull(shipments=self.shipments, problems=self.problems, cursor=cursor,
                            handle=self.handle)


class ShipmentReader:
    """Turns ShipStation records into a :class:`ShipmentPull` for one adapter instance."""

    def __init__(self, client: ShipStationClient, config: ShipStationConfig,
                 reported: ReportedShipments, now: Callable[[], datetime]) -> None:
        self.client = client
        self.config = config
        self.reported = reported
        self.now = now
        # Orders behind fulfillments, kept across pulls: the overlap re-reads a fulfillment
        # many times, and a shipped order no longer changes.
        self._orders: OrderedDict[Any, dict[str, Any]] = OrderedDict()

    def poll(self, cursor: str | None) -> ShipmentPull:
        """Both lists for the window (cursor - overlap, now] (no cursor: the last
        ``initial_lookback_days``); the new cursor is ``now``."""
        end = self.now()
        zone = self.config.zone
        if cursor:
            start = parse_utc_cursor(cursor) - timedelta(minutes=self.config.poll_overlap_minutes)
        else:
            # Every order oc-bridge wrote was written after its first pull; no need to read
            # years of other labels (and fulfillments cost a call each).
            start = end - timedelta(days=self.config.initial_lookback_days)
        window = {"createDateStart": format_local(widen_for_dst(start, end, zone), zone),
                  "createDateEnd": format_local(end, zone)}
        collected = _Collected()
        shipment_params = {**window, "includeShipmentItems": "true", "sortBy": "CreateDate",
                           "sortDir": "ASC", "pageSize": self.config.page_size}
        if self.config.store_id is not None:
            shipment_params["storeId"] = self.config.store_id
        self._collect(collected, SHIPMENTS,
                      self.client.pages("/shipments", SHIPMENTS, shipment_params))
        self._collect(collected, FULFILLMENTS, self.client.pages(
            "/fulfillments", FULFILLMENTS, {**window, "pageSize": self.config.page_size}))
        log.debug("ShipStation poll to %s: %d shipments, %d problems", window["createDateEnd"],
                  len(collected.shipments), len(collected.problems))
        return collected.pull(to_utc_cursor(end))

    def read(self, kind: str, records: Iterable[Mapping[str, Any]]) -> ShipmentPull:
        """Map records fetched some other way (a webhook's ``resource_url``); no cursor."""
        collected = _Collected()
        self._collect(collected, kind, records)
        return collected.pull(None)

    def _collect(self, collected: _Collected, kind: str,
                 records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self._one(collected, kind, record)

    def _one(self, collected: _Collected, kind: str, record: Mapping[str, Any]) -> None:
        if kind == SHIPMENTS:
            key = shipment_key(record.get("shipmentId"))
        else:
            key = fulfillment_key(record.get("fulfillmentId"))
        if key in collected.seen or record.get("isReturnLabel"):
            return
        collected.seen.add(key)
        if record.get("voided"):
            if self.reported.void_pending(key):
                collected.problems.append(InboundProblem(
                    source=key,
                    message=f"shipment {key} voided after it was reported to Orderchamp "
                            f"(order {record.get('orderNumber')}); correct it in Orderchamp",
                    raw={"orderNumber": record.get("orderNumber"),
                         "trackingNumber": record.get("trackingNumber"),
                         "voidDate": record.get("voidDate")}))
                collected.handle.voided_keys.append(key)
            return
        order = None
        if order_ref_of(record) is None or (kind == FULFILLMENTS and not
                                             record.get("shipmentItems")):
            try:
                order = self._order(record.get("orderId"))
            except PermanentError as exc:
                collected.problems.append(InboundProblem(
                    source=key, message=f"cannot read the order of {key}: {exc}",
                    raw={"orderNumber": record.get("orderNumber")}))
                return
            if order is not None and order_ref_of(order) is None:
                order = self._parent_if_ours(order)
            if order is None or order_ref_of(order) is None:
                log.debug("skipping %s: not an oc-bridge order", key)
                return
        try:
            collected.shipments.append(shipment_report(
                record, key=key, order=order, zone=self.config.zone,
                transit_days=self.config.default_transit_days))
        except (MappingError, ValidationError, ValueError) as exc:
            collected.problems.append(InboundProblem(
                source=key, message=f"cannot read ShipStation {kind[:-1]} {key}: {exc}",
                raw={"orderNumber": record.get("orderNumber")}))

    def _parent_if_ours(self, order: dict[str, Any]) -> dict[str, Any]:
        """A split child whose key is not ours stands in for its parent when the parent is
        ours (``advancedOptions.parentId``); the child's own items stay. ShipStation keeps the
        ``orderKey`` on a split child, so this is only a second line of defence."""
        parent_id = (order.get("advancedOptions") or {}).get("parentId")
        if parent_id is None:
            return order
        parent = self._order(parent_id)
        if parent is None or order_ref_of(parent) is None:
            return order
        return {**order, "orderKey": parent.get("orderKey"),
                "advancedOptions": parent.get("advancedOptions")}

    def _order(self, order_id: Any) -> dict[str, Any] | None:
        """The ShipStation order of a record (fulfillments name no items); cached."""
        if order_id is None:
            return None
        if order_id in self._orders:
            self._orders.move_to_end(order_id)
            return self._orders[order_id]
        order = self.client.get_order(order_id)
        self._orders[order_id] = order
        while len(self._orders) > ORDER_CACHE_SIZE:
            self._orders.popitem(last=False)
        return order
