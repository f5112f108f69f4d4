"""One alert check: detect what is stuck, publish the gauges, deliver the alerts, prune old
channel state. The daemon's ``alerts`` job and ``oc-bridge alerts check`` both run this."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from oc_bridge.alerts.channels import configured_channels
from oc_bridge.alerts.detect import StuckReport, detect
from oc_bridge.alerts.dispatch import AlertDispatcher, AlertObserver, ChannelResult
from oc_bridge.alerts.model import Alert
from oc_bridge.settings import AlertSettings
from oc_bridge.store import Store

__all__ = ["AlertService", "CheckResult"]

log = logging.getLogger(__name__)

#: Channel state is kept this long beyond the dedupe window (and at least the rate window).
KEEP_EXTRA_SECONDS = 86400.0


@dataclass
class CheckResult:
    """A check's findings and what each channel did with them (empty in a dry run)."""

    report: StuckReport
    alerting: list[Alert]
    channels: list[ChannelResult] = field(default_factory=list)


class AlertService:
    """Detection plus delivery over one store. ``on_counts`` receives the items per kind of
    each check (the daemon sets its ``oc_bridge_stuck_items`` gauges with it)."""

    def __init__(self, store: Store, settings: AlertSettings, *,
                 observer: AlertObserver | None = None,
                 on_counts: Callable[[Mapping[str, int]], None] | None = None,
                 dispatcher: AlertDispatcher | None = None,
                 account: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.on_counts = on_counts
        self.dispatcher = dispatcher or AlertDispatcher(
            store, settings, configured_channels(settings), observer=observer, account=account)

    def check(self, *, send: bool = True, now: datetime | None = None) -> CheckResult:
        """Detect, publish counts, and (unless ``send`` is False) deliver; prune old state."""
        report = detect(self.store, self.settings, now=now)
        if self.on_counts is not None:
            self.on_counts(report.counts())
        result = CheckResult(report, report.enabled(self.settings.kinds))
        if send:
            result.channels = self.dispatcher.deliver(result.alerting)
            self.store.prune_alerts(self.settings.dedupe_window + KEEP_EXTRA_SECONDS)
        return result

    def raise_events(self, alerts: Sequence[Alert]) -> list[ChannelResult]:
        """Deliver alerts about events (not conditions), e.g. lost webhooks."""
        return self.dispatcher.deliver(alerts) if alerts else []

    def close(self) -> None:
        """Close the channels."""
        self.dispatcher.close()
