"""Records the alert checks read from the ledger, and what the alert channels sent."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AlertSend", "WorkItem"]


@dataclass(frozen=True)
class WorkItem:
    """A piece of work the ledger holds unfinished (a candidate for a stuck-item alert).

    ``kind`` is ``export``, ``shipment`` or ``inbox``; ``reference`` the order id, shipment key
    or inbox item id. ``since`` is when its work began as far as the ledger knows (ISO-8601;
    for an update or cancellation, Orderchamp's time of the change it carries), None when
    unknown.
    """

    kind: str
    reference: str
    instance: str | None
    order_number: str | None
    state: str
    attempts: int
    last_error: str | None
    since: str | None


@dataclass(frozen=True)
class AlertSend:
    """One message an alert channel sent (or failed to send): how many alerts it carried."""

    id: int
    channel: str
    sent_at: str
    alerts: int
    outcome: str
    message: str | None
