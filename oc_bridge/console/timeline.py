"""One order's story from the ledger, oldest first: seen, exported per adapter with revision,
shipments created and shipped with tracking, parked and retried, with timestamps.

The rows themselves (orders seen, exports, shipments, parked items) never expire, so their
milestones are always shown; the activity log (which keeps the latest lines only) adds every
intermediate step and who did it while it still has them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from oc_bridge.store import (
    ActivityEntry,
    ExportRecord,
    OrderSeen,
    ParkedItem,
    ShipmentRecord,
    Store,
)

__all__ = ["OrderLedger", "TimelineEvent", "order_ledger", "resolve_order_id"]


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing that happened to the order."""

    at: str
    kind: str
    what: str
    instance: str | None = None
    detail: str | None = None
    problem: bool = False


@dataclass
class OrderLedger:
    """Everything the ledger holds about one order."""

    order_id: str
    number: str | None
    seen: OrderSeen | None
    exports: list[ExportRecord]
    shipments: list[ShipmentRecord]
    parked: list[ParkedItem]
    events: list[TimelineEvent] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """True when the ledger has anything about the order."""
        return bool(self.seen or self.exports or self.shipments or self.parked)


def resolve_order_id(store: Store, ref: str) -> str:
    """The Orderchamp order id for ``ref`` (an id or an order number); ``ref`` itself when the
    ledger knows neither."""
    if store.get_order(ref) is not None:
        return ref
    return store.find_order_id(ref) or ref


def _tracking(record: ShipmentRecord) -> str | None:
    try:
        report = json.loads(record.report_json)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    parts = [str(report[k]) for k in ("carrier", "tracking_number") if report.get(k)]
    return " ".join(parts) if parts else "untracked"


def _export_events(record: ExportRecord) -> list[TimelineEvent]:
    events = [TimelineEvent(record.created_at, "export", f"first {record.operation.value} "
                            "step began", record.instance)]
    detail = f"revision {record.revision}" if record.revision is not None else None
    if record.external_id:
        detail = f"{detail or ''}, {record.external_id} in the back end".lstrip(", ")
    problem = record.state.value in ("parked", "failed")
    events.append(TimelineEvent(
        record.updated_at, "export", f"{record.state.value}" + (
            f" ({record.operation.value})" if problem else ""), record.instance,
        record.last_error if problem else detail, problem))
    return events


def _shipment_events(record: ShipmentRecord) -> list[TimelineEvent]:
    key = record.shipment_key
    events = [TimelineEvent(record.created_at, "shipment", f"shipment {key} reported",
                            record.instance, _tracking(record))]
    if record.create_done_at:
        events.append(TimelineEvent(record.create_done_at, "shipment",
                                    f"shipment {key} created in Orderchamp", record.instance,
                                    record.oc_shipment_id))
    if record.ship_done_at:
        events.append(TimelineEvent(record.ship_done_at, "shipment", f"shipment {key} shipped",
                                    record.instance, _tracking(record)))
    if record.state.value in ("parked", "failed"):
        events.append(TimelineEvent(record.updated_at, "shipment", f"shipment {key} "
                                    f"{record.state.value}", record.instance, record.last_error,
                                    True))
    return events


def _parked_events(item: ParkedItem) -> list[TimelineEvent]:
    events = [TimelineEvent(item.created_at, item.kind.value, f"parked #{item.id} "
                            f"({item.reference})", item.instance, item.reason, True)]
    if item.resolved_at:
        events.append(TimelineEvent(item.resolved_at, item.kind.value,
                                    f"parked #{item.id} resolved", item.instance,
                                    item.resolution))
    return events


def _activity_event(entry: ActivityEntry) -> TimelineEvent:
    what = f"{entry.state}" + (f" by {entry.actor}" if entry.actor else "")
    if entry.kind == "shipment":
        what = f"shipment {entry.reference} {what}"
    return TimelineEvent(entry.at, entry.kind, what, entry.instance, entry.message,
                         entry.state in ("parked", "failed"))


def order_ledger(store: Store, ref: str) -> OrderLedger:
    """Everything about the order ``ref`` (id or number), its timeline sorted by time."""
    order_id = resolve_order_id(store, ref)
    seen = store.get_order(order_id)
    exports = store.exports_for_order(order_id)
    number = seen.number if seen else next((e.order_number for e in exports), None)
    if number is None and ref != order_id:
        number = ref
    shipments = store.shipments_for_order(order_id, number)
    if number is None:
        number = next((s.order_number for s in shipments if s.order_number), None)
    parked = store.parked_for_order(order_id, number)
    ledger = OrderLedger(order_id, number, seen, exports, shipments, parked)
    events: list[TimelineEvent] = []
    if seen is not None:
        flags = ", ".join(f for f, on in (("confirmed", seen.is_confirmed),
                                          ("cancelled", seen.is_cancelled)) if on)
        events.append(TimelineEvent(seen.seen_at, "order", "last seen in Orderchamp", None,
                                    f"{seen.status or 'status unknown'}"
                                    + (f" ({flags})" if flags else "")))
    for export in exports:
        events.extend(_export_events(export))
    for shipment in shipments:
        events.extend(_shipment_events(shipment))
    for item in parked:
        events.extend(_parked_events(item))
    shown = {(e.at[:19], e.instance) for e in events}
    for entry in store.activity_for_order(order_id, number):
        if entry.actor or (entry.at[:19], entry.instance) not in shown:
            events.append(_activity_event(entry))
    # Stable: same-time events keep the order above (the row's own milestones first).
    ledger.events = sorted(events, key=lambda e: e.at)
    return ledger
