"""What an alert is: its kind (an explicit list), the key that deduplicates it, and the message
one channel sends for a batch of alerts."""

from __future__ import annotations

import socket
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["ALERT_KINDS", "Alert", "AlertBatch", "AlertKind", "age_text"]


class AlertKind(StrEnum):
    """Every kind of alert oc-bridge raises. ``alerts.kinds`` chooses which of them alert."""

    #: An inbox item (a stored webhook delivery) unprocessed longer than ``stuck_after``.
    STUCK_INBOX = "stuck_inbox"
    #: An export in flight or retrying longer than ``stuck_after``.
    STUCK_EXPORT = "stuck_export"
    #: A shipment report not yet shipped at Orderchamp after ``stuck_after``.
    STUCK_SHIPMENT = "stuck_shipment"
    #: A confirmed order no adapter instance holds after ``export_within``.
    NOT_EXPORTED = "not_exported"
    #: An exported order without a shipped parcel after ``ship_within``.
    NOT_SHIPPED = "not_shipped"
    #: An open parked item (bad input, rejected or unsupported cancellation, unmapped SKU or
    #: carrier, ...), with its reason.
    PARKED = "parked"
    #: Reconciliation picked up an order change no webhook brought.
    LOST_WEBHOOK = "lost_webhook"
    #: ``oc-bridge alerts test``.
    TEST = "test"


#: The kinds that detection raises (``test`` only comes from ``oc-bridge alerts test``).
ALERT_KINDS: tuple[AlertKind, ...] = tuple(k for k in AlertKind if k is not AlertKind.TEST)


def age_text(seconds: float) -> str:
    """``2d 3h``, ``3h 5m``, ``4m 10s`` or ``12s``."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


@dataclass(frozen=True)
class Alert:
    """One alert. ``key`` identifies it for deduplication: the same key is not sent again on a
    channel within ``alerts.dedupe_window``; a new episode of the same problem (another change,
    another parking) gets a new key. ``message`` is one line for a human."""

    kind: AlertKind
    key: str
    message: str
    reference: str | None = None
    order_number: str | None = None
    instance: str | None = None
    since: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


@dataclass(frozen=True)
class AlertBatch:
    """The alerts one channel sends in one message (at most ``max_items`` listed)."""

    alerts: tuple[Alert, ...]
    max_items: int = 20
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sent_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(
        timespec="seconds"))
    host: str = field(default_factory=socket.gethostname)
    #: The Orderchamp account (``[accounts.<name>]``) the alerts are about; None for one.
    account: str | None = None

    def _where(self) -> str:
        return self.host + (f" (account {self.account})" if self.account else "")

    @property
    def is_test(self) -> bool:
        """True for the message of ``oc-bridge alerts test``."""
        return all(a.kind is AlertKind.TEST for a in self.alerts)

    def counts(self) -> dict[str, int]:
        """Alerts per kind."""
        return dict(sorted(Counter(a.kind.value for a in self.alerts).items()))

    def subject(self, prefix: str = "[oc-bridge]") -> str:
        """One line: how many alerts of which kinds."""
        if self.is_test:
            return f"{prefix} test alert from {self._where()}".strip()
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.counts().items())
        return f"{prefix} {len(self.alerts)} alert(s) on {self._where()}: {kinds}".strip()

    def text(self) -> str:
        """The plain-text body (e-mail)."""
        lines = [self.subject(""), ""]
        lines += [f"- [{a.kind.value}] {a.message}" for a in self.alerts[:self.max_items]]
        more = len(self.alerts) - self.max_items
        if more > 0:
            lines.append(f"... and {more} more")
        lines += ["", f"sent {self.sent_at} by oc-bridge on {self._where()} (message {self.id});",
                  "see `oc-bridge alerts check`, `oc-bridge status` and `oc-bridge parked`."]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """The JSON body (webhook)."""
        listed = self.alerts[:self.max_items]
        return {"source": "oc-bridge", "id": self.id, "host": self.host, "account": self.account,
                "sent_at": self.sent_at,
                "test": self.is_test, "summary": self.subject(""), "counts": self.counts(),
                "alerts": [a.to_dict() for a in listed],
                "more": len(self.alerts) - len(listed)}
