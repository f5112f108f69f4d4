"""Stuck-item detection: what the ledger holds that waits longer than it should.

Read-only queries over the ledger (any process may run them: the daemon's ``alerts`` job,
``oc-bridge alerts check`` from cron, ``oc-bridge status``):

- ``stuck_inbox``: a stored webhook delivery pending or leased for longer than
  ``alerts.stuck_after`` (received time);
- ``stuck_export``: an export in flight (intent recorded, no outcome) or failed and retrying,
  whose work began longer than ``stuck_after`` ago (a new export: when its row was created;
  an update or cancellation: Orderchamp's time of the change it carries);
- ``stuck_shipment``: a shipment report not shipped at Orderchamp (nor parked) longer than
  ``stuck_after`` after it was received;
- ``not_exported``: an order last seen confirmed and awaiting fulfilment, held by no adapter
  instance and not parked, whose last change is older than ``alerts.export_within``;
- ``not_shipped``: an order exported longer than ``alerts.ship_within`` ago with no shipped
  parcel in the ledger, last seen still awaiting fulfilment at Orderchamp;
- ``parked``: every open parked item, with its reason (parked items wait for a human).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from oc_bridge.alerts.model import ALERT_KINDS, Alert, AlertKind, age_text
from oc_bridge.settings import AlertSettings
from oc_bridge.store import Store, WorkItem

__all__ = ["StuckReport", "detect", "parse_time"]


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time from the ledger or from Orderchamp as an aware UTC datetime (a naive
    one is taken as UTC); None when missing or unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class StuckReport:
    """The result of one check: every alert found (all kinds, whatever ``alerts.kinds`` says)
    and how many items of each kind (for the ``oc_bridge_stuck_items`` gauges)."""

    checked_at: str
    alerts: list[Alert] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Items per kind, every detection kind present (0 when none)."""
        counts = {kind.value: 0 for kind in ALERT_KINDS if kind is not AlertKind.LOST_WEBHOOK}
        for alert in self.alerts:
            counts[alert.kind.value] = counts.get(alert.kind.value, 0) + 1
        return counts

    def enabled(self, kinds: list[str]) -> list[Alert]:
        """The alerts of the kinds that alert (``alerts.kinds``)."""
        return [a for a in self.alerts if a.kind.value in kinds]


def _where(item: WorkItem) -> str:
    what = f"order {item.order_number}" if item.order_number else item.reference
    return what + (f" at {item.instance}" if item.instance else "")


def _clip(text: str, limit: int = 300) -> str:
    """Outside error texts can be long: an alert line keeps the start."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _retrying(item: WorkItem) -> str:
    if not item.attempts and not item.last_error:
        return ""
    text = f", {item.attempts} attempt(s)"
    return text + (f", last error: {_clip(item.last_error)}" if item.last_error else "")


def detect(store: Store, settings: AlertSettings, *, now: datetime | None = None) -> StuckReport:
    """Every stuck item and open parked item the ledger holds at ``now`` (default: now)."""
    now = now or datetime.now(UTC)
    report = StuckReport(checked_at=_iso(now))
    stuck_before = now - timedelta(seconds=settings.stuck_after)
    found = report.alerts

    for item in store.unprocessed_inbox(_iso(stuck_before)):
        since = parse_time(item.since) or now
        found.append(Alert(
            AlertKind.STUCK_INBOX, f"stuck_inbox:{item.reference}",
            f"inbox item {item.reference} {item.state} unprocessed for "
            f"{age_text((now - since).total_seconds())}{_retrying(item)}",
            reference=item.reference, since=item.since))
    for item in store.unfinished_exports():
        began = parse_time(item.since)
        if began is None or began > stuck_before:
            continue
        found.append(Alert(
            AlertKind.STUCK_EXPORT, f"stuck_export:{item.instance}:{item.reference}:{item.since}",
            f"{_where(item)}: export {item.state} for "
            f"{age_text((now - began).total_seconds())}{_retrying(item)}",
            reference=item.reference, order_number=item.order_number, instance=item.instance,
            since=item.since))
    for item in store.unfinished_shipments(_iso(stuck_before)):
        since = parse_time(item.since) or now
        found.append(Alert(
            AlertKind.STUCK_SHIPMENT, f"stuck_shipment:{item.instance}:{item.reference}",
            f"shipment {item.reference} of {_where(item)}: {item.state} for "
            f"{age_text((now - since).total_seconds())}{_retrying(item)}",
            reference=item.reference, order_number=item.order_number, instance=item.instance,
            since=item.since))
    export_before = now - timedelta(seconds=settings.export_within)
    for order in store.confirmed_unexported():
        changed = parse_time(order.updated_at)
        if changed is None or changed > export_before:
            continue
        found.append(Alert(
            AlertKind.NOT_EXPORTED, f"not_exported:{order.order_id}:{order.updated_at}",
            f"order {order.number}: confirmed, not exported to any adapter "
            f"{age_text((now - changed).total_seconds())} after its last change",
            reference=order.order_id, order_number=order.number, since=order.updated_at))
    ship_before = now - timedelta(seconds=settings.ship_within)
    for item in store.exported_unshipped(_iso(ship_before)):
        exported = parse_time(item.since) or now
        found.append(Alert(
            AlertKind.NOT_SHIPPED, f"not_shipped:{item.instance}:{item.reference}",
            f"{_where(item)}: exported {age_text((now - exported).total_seconds())} ago, "
            "nothing shipped yet",
            reference=item.reference, order_number=item.order_number, instance=item.instance,
            since=item.since))
    for parked in store.list_parked():
        what = f"order {parked.order_number}" if parked.order_number else parked.reference
        where = f" at {parked.instance}" if parked.instance else ""
        found.append(Alert(
            AlertKind.PARKED, f"parked:{parked.id}",
            f"parked #{parked.id} ({parked.kind.value} {what}{where}): {_clip(parked.reason)}",
            reference=parked.reference, order_number=parked.order_number,
            instance=parked.instance, since=parked.created_at))
    return report
