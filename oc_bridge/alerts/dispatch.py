"""Delivering alerts: always to the log and metrics, then to each configured channel, each
deduplicated and rate-limited with state kept in the ledger (so a restart neither resends nor
forgets, and several processes on one ledger send an alert once).

Per channel (``log`` is one too, so a persisting problem is logged once per window, not on
every check):

1. each alert key is *reserved* on the channel (:meth:`Store.reserve_alert`): granted only
   when the key was never sent there or last sent more than ``alerts.dedupe_window`` ago;
2. a channel that already sent ``alerts.max_per_hour`` messages in the last hour sends
   nothing: the reservations are given back, so the alerts go out once the hour allows
   (the problems are detected again on the next check);
3. the reserved alerts go out as one message; when the channel fails, the reservations are
   given back (the next check tries again) and the failure is logged and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from oc_bridge.alerts.channels import AlertChannel
from oc_bridge.alerts.model import Alert, AlertBatch, AlertKind
from oc_bridge.errors import OcBridgeError
from oc_bridge.settings import AlertSettings
from oc_bridge.store import Store
from oc_bridge.store.sql_extras import utc_in

__all__ = ["LOG_CHANNEL", "AlertDispatcher", "AlertObserver", "ChannelResult"]

log = logging.getLogger(__name__)

#: The always-on channel: a WARNING log line per alert, and ``oc_bridge_alerts_total``.
LOG_CHANNEL = "log"
RATE_WINDOW_SECONDS = 3600.0


class AlertObserver(Protocol):
    """Told what alerting did (the daemon's metrics implement it)."""

    def alert_raised(self, kind: str) -> None:
        """An alert was logged for the first time within the dedupe window."""

    def alert_notification(self, channel: str, outcome: str) -> None:
        """A channel ``sent`` a message, ``failed`` to, or was ``rate_limited``."""


@dataclass(frozen=True)
class ChannelResult:
    """What one channel did with a set of alerts: ``outcome`` is ``sent``, ``failed``,
    ``rate_limited`` or ``nothing_new``; ``alerts`` how many went out; ``error`` why not."""

    channel: str
    outcome: str
    alerts: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True unless the channel failed."""
        return self.outcome != "failed"


class AlertDispatcher:
    """Sends alerts to the log and the channels; see the module docstring."""

    def __init__(self, store: Store, settings: AlertSettings,
                 channels: Sequence[AlertChannel], *,
                 observer: AlertObserver | None = None, account: str | None = None) -> None:
        self.account = account
        self.store = store
        self.settings = settings
        self.channels = list(channels)
        self.observer = observer

    def deliver(self, alerts: Sequence[Alert]) -> list[ChannelResult]:
        """Log the alerts of enabled kinds that are new on the log channel, and send those new
        on each channel; one result per configured channel."""
        wanted = [a for a in alerts if a.kind.value in self.settings.kinds]
        for alert, _at in self._reserve(LOG_CHANNEL, wanted):
            log.warning("ALERT %s: %s", alert.kind.value, alert.message)
            if self.observer is not None:
                self.observer.alert_raised(alert.kind.value)
        return [self._send(channel, wanted) for channel in self.channels]

    def _reserve(self, channel: str, alerts: Sequence[Alert]) -> list[tuple[Alert, str]]:
        granted = []
        # One transaction (one commit) for the whole set, however many items are parked.
        with self.store.transaction():
            for alert in dict((a.key, a) for a in alerts).values():  # one per key
                at = self.store.reserve_alert(channel, alert.key, alert.kind.value,
                                              window_seconds=self.settings.dedupe_window)
                if at is not None:
                    granted.append((alert, at))
        return granted

    def _release(self, channel: str, reserved: Sequence[tuple[Alert, str]]) -> None:
        with self.store.transaction():
            for alert, at in reserved:
                self.store.release_alert(channel, alert.key, at)

    def _notify(self, channel: str, outcome: str) -> None:
        if self.observer is not None:
            self.observer.alert_notification(channel, outcome)

    def _send(self, channel: AlertChannel, alerts: Sequence[Alert]) -> ChannelResult:
        reserved = self._reserve(channel.name, alerts)
        if not reserved:
            return ChannelResult(channel.name, "nothing_new")
        sent = self.store.alert_sends_since(channel.name, utc_in(-RATE_WINDOW_SECONDS))
        if sent >= self.settings.max_per_hour:
            self._release(channel.name, reserved)
            self._notify(channel.name, "rate_limited")
            log.warning("alerts: %s already sent %d message(s) this hour (alerts.max_per_hour); "
                        "%d alert(s) wait", channel.name, sent, len(reserved))
            return ChannelResult(channel.name, "rate_limited")
        batch = AlertBatch(tuple(a for a, _at in reserved), max_items=self.settings.max_items,
                           account=self.account)
        try:
            channel.send(batch)
        except OcBridgeError as exc:
            self._release(channel.name, reserved)
            self.store.record_alert_send(channel.name, alerts=len(reserved), outcome="failed",
                                         message=str(exc))
            self._notify(channel.name, "failed")
            log.error("alerts: sending %d alert(s) to %s failed: %s", len(reserved),
                      channel.name, exc)
            return ChannelResult(channel.name, "failed", error=str(exc))
        self.store.record_alert_send(channel.name, alerts=len(reserved), outcome="sent",
                                     message=batch.subject(""))
        self._notify(channel.name, "sent")
        log.info("alerts: %d alert(s) sent to %s", len(reserved), channel.name)
        return ChannelResult(channel.name, "sent", alerts=len(reserved))

    def send_test(self, names: Sequence[str] | None = None) -> list[ChannelResult]:
        """Send one test alert to each channel (only ``names`` when given), bypassing
        deduplication and the rate limit; one result per channel."""
        results = []
        for channel in self.channels:
            if names and channel.name not in names:
                continue
            alert = Alert(AlertKind.TEST, "test", "test alert from `oc-bridge alerts test`: "
                          "this channel works")
            batch = AlertBatch((alert,), max_items=self.settings.max_items,
                               account=self.account)
            try:
                channel.send(batch)
            except OcBridgeError as exc:
                self.store.record_alert_send(channel.name, alerts=1, outcome="failed",
                                             message=f"test: {exc}")
                results.append(ChannelResult(channel.name, "failed", error=str(exc)))
                continue
            self.store.record_alert_send(channel.name, alerts=1, outcome="test",
                                         message=batch.subject(""))
            results.append(ChannelResult(channel.name, "sent", alerts=1))
        return results

    def close(self) -> None:
        """Close every channel."""
        for channel in self.channels:
            channel.close()
