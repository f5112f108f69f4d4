"""Writing orders to ShipStation: batched upserts by ``orderKey`` with per-order outcomes.

Submit, update and cancel are the same call (``POST /orders/createorders``); only the status
and what a refusal means differ. When ShipStation refuses an order, the adapter looks the order
up once to tell *why*: an order that is no longer open (shipped, cancelled) means "already
done" for a repeated submit, "too late" for an update, and "already cancelled" (fine) or "too
late" (already shipped) for a cancel. Anything else is ShipStation's own rejection message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from oc_bridge.canonical import FulfilmentOrder, SubmitResult
from oc_bridge.errors import ConfigurationError, MappingError, OcBridgeError, RejectedError

from .client import ShipStationClient
from .config import ShipStationConfig
from .mapping import AWAITING_SHIPMENT, CANCELLED, order_key, order_payload

__all__ = ["Intent", "OrderWriter", "TooLateError"]

log = logging.getLogger(__name__)

Intent = Literal["submit", "update", "cancel"]
OPEN_STATUSES = frozenset({"awaiting_payment", "awaiting_shipment", "pending_fulfillment",
                           "on_hold"})
Outcome = SubmitResult | OcBridgeError


class TooLateError(RejectedError):
    """ShipStation refused because the order is no longer open there (shipped): the answer
    to a cancellation or an update that came too late."""


class OrderWriter:
    """Upserts canonical orders for one adapter instance."""

    def __init__(self, client: ShipStationClient, config: ShipStationConfig) -> None:
        self.client = client
        self.config = config

    def upsert(self, orders: Sequence[FulfilmentOrder], *, intent: Intent,
               reason: str | None = None) -> dict[str, Outcome]:
        """Send ``orders`` in batches; returns the outcome per ``order.reference``."""
        outcomes: dict[str, Outcome] = {}
        ready: list[tuple[FulfilmentOrder, dict[str, Any]]] = []
        status = CANCELLED if intent == "cancel" else AWAITING_SHIPMENT
        for order in orders:
            try:
                payload = order_payload(order, zone=self.config.zone,
                                        store_id=self.config.store_id, status=status)
            except MappingError as exc:
                outcomes[order.reference] = exc
                continue
            if intent == "cancel" and reason:
                payload["internalNotes"] += f"; cancelled in Orderchamp: {reason}"
            ready.append((order, payload))
        size = self.config.batch_size
        for start in range(0, len(ready), size):
            batch = ready[start:start + size]
            try:
                results = self.client.create_orders([payload for _, payload in batch])
            except ConfigurationError:
                raise
            except OcBridgeError as exc:
                for order, _ in batch:
                    outcomes[order.reference] = exc
                continue
            for (order, _), result in zip(batch, results, strict=True):
                outcomes[order.reference] = self._outcome(order, result, intent)
        return outcomes

    def _outcome(self, order: FulfilmentOrder, result: Mapping[str, Any],
                 intent: Intent) -> Outcome:
        if result.get("success"):
            log.info("order %s %s in ShipStation as %s", order.reference,
                     "cancelled" if intent == "cancel" else "upserted", result.get("orderId"))
            return SubmitResult(external_id=_id(result.get("orderId")))
        message = str(result.get("errorMessage") or "no reason given")
        try:
            existing = self.client.find_order(order.number, order_key(order.reference))
        except ConfigurationError:
            raise
        except OcBridgeError as exc:
            return exc
        status = (existing or {}).get("orderStatus")
        if existing is None or status in OPEN_STATUSES:
            return RejectedError(f"ShipStation rejected order {order.number}: {message}",
                                 service="shipstation")
        external_id = _id(existing.get("orderId"))
        if intent == "submit" and status == CANCELLED:
            # Not "already done": an order cancelled in ShipStation (by hand, or by a
            # cancel-and-reexport) cannot take this revision under its orderKey.
            return RejectedError(
                f"ShipStation order {order.number} is cancelled there and its orderKey cannot "
                "take a new order: create it in ShipStation by hand", service="shipstation")
        if intent == "submit":
            log.info("order %s already %s in ShipStation", order.reference, status)
            return SubmitResult(external_id=external_id, already_existed=True)
        if intent == "cancel" and status == CANCELLED:
            return SubmitResult(external_id=external_id, already_existed=True)
        action = "cancelled" if intent == "cancel" else "updated"
        return TooLateError(
            f"ShipStation order {order.number} is no longer open (status {status}) and cannot "
            f"be {action}", service="shipstation")


def _id(value: Any) -> str | None:
    return None if value is None else str(value)
