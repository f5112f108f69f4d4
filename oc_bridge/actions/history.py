"""Everything the ledger knows about one order: the audit trail an operator asks for first.

``order_history`` gathers the order's sighting, its export rows per adapter, its shipments,
parked items, invoices and delivery date, and every activity line about it (the bridge's own
steps and operators' actions, with who did them), oldest first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from oc_bridge.actions.orders import resolve_order_id
from oc_bridge.errors import OcBridgeError
from oc_bridge.store import (
    ActivityEntry,
    ExportRecord,
    OrderSeen,
    ParkedItem,
    ShipmentRecord,
    Store,
)

__all__ = ["OrderHistory", "order_history"]


@dataclass
class OrderHistory:
    """One order's ledger record; :meth:`to_dict` for ``--json`` and the console."""

    order_id: str
    number: str | None
    seen: OrderSeen | None
    exports: list[ExportRecord] = field(default_factory=list)
    shipments: list[ShipmentRecord] = field(default_factory=list)
    parked: list[ParkedItem] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    delivery_date: str | None = None
    events: list[ActivityEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (shipments without their raw report)."""
        shipments = []
        for shipment in self.shipments:
            data = asdict(shipment)
            data.pop("report_json", None)
            data["lines"] = [list(line) for line in shipment.lines]
            shipments.append(data)
        return {
            "order_id": self.order_id, "number": self.number,
            "seen": asdict(self.seen) if self.seen else None,
            "exports": [_export(r) for r in self.exports],
            "shipments": shipments,
            "parked": [asdict(p) for p in self.parked],
            "invoices": self.invoices,
            "delivery_date": self.delivery_date,
            "events": [asdict(e) for e in self.events],
        }

    def lines(self) -> list[str]:
        """A readable report: the current state, then every event with its time."""
        out = [f"order {self.number or '?'} ({self.order_id})"]
        if self.seen is not None:
            flags = ", ".join(name for name, on in (("confirmed", self.seen.is_confirmed),
                                                    ("cancelled", self.seen.is_cancelled)) if on)
            out.append(f"  last seen {self.seen.seen_at[:19]}Z: status {self.seen.status}"
                       + (f" ({flags})" if flags else ""))
        for rec in self.exports:
            held = f"revision {rec.revision}" if rec.revision is not None else "not exported"
            extra = f", external id {rec.external_id}" if rec.external_id else ""
            error = f"; last error: {rec.last_error}" if rec.last_error else ""
            out.append(f"  at {rec.instance}: {rec.state.value} ({rec.operation.value}), "
                       f"{held}{extra}{error}")
        for shipment in self.shipments:
            oc = f" as {shipment.oc_shipment_id}" if shipment.oc_shipment_id else ""
            out.append(f"  shipment {shipment.shipment_key} from {shipment.instance}: "
                       f"{shipment.state.value}{oc}")
        for item in self.parked:
            state = f"resolved {item.resolved_at[:19]}Z: {item.resolution}" \
                if item.resolved_at else "open"
            out.append(f"  parked #{item.id} at {item.instance or '-'} ({state}): "
                       f"{item.reason}")
        for invoice in self.invoices:
            out.append(f"  invoice {invoice['number'] or invoice['invoice_id']}")
        if self.delivery_date:
            out.append(f"  estimated delivery pushed: {self.delivery_date}")
        out.append("events:" if self.events else "no events recorded")
        for event in self.events:
            who = f" by {event.actor}" if event.actor else ""
            where = f" at {event.instance}" if event.instance else ""
            what = f": {event.message}" if event.message else ""
            out.append(f"  {event.at[:19]}Z  {event.kind} {event.state}{where}{who}{what}")
        return out


def _export(rec: ExportRecord) -> dict[str, Any]:
    data = asdict(rec)
    for key in ("fingerprint", "pending_fingerprint", "digest", "pending_digest"):
        data.pop(key, None)  # hashes: of no use to a reader
    return data


def order_history(store: Store, order: str) -> OrderHistory:
    """The ledger's record of ``order`` (Orderchamp id or order number). Raises
    ``OcBridgeError`` when the ledger knows nothing about it."""
    order_id = resolve_order_id(store, order)
    seen = store.get_order(order_id)
    exports = store.exports_for_order(order_id)
    number = seen.number if seen else (exports[0].order_number if exports else None)
    if number is None and order != order_id:
        number = order
    history = OrderHistory(
        order_id=order_id, number=number, seen=seen, exports=exports,
        shipments=store.shipments_for_order(order_id, number),
        parked=store.parked_for_order(order_id, number),
        invoices=[{"invoice_id": i.invoice_id, "number": i.number}
                  for i in store.list_invoices(order_id)],
        delivery_date=store.get_delivery_date(order_id),
        events=store.activity_for_order(order_id, number),
    )
    if not (seen or exports or history.shipments or history.parked or history.events):
        raise OcBridgeError(f"the ledger has no record of order {order} (an Orderchamp id or "
                            "an order number the bridge has seen)")
    return history
