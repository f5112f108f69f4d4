"""The daemon's Prometheus metrics, in a per-app ``CollectorRegistry`` (never the global one).

Counters are updated where things happen; gauges that mirror other state (inbox depth, parked
items, Orderchamp client totals) are refreshed from the store and ``client.stats`` on scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from oc_bridge.engine import SyncSummary
from oc_bridge.orderchamp.execution import ClientStats
from oc_bridge.store import Store

__all__ = ["DaemonMetrics"]

log = logging.getLogger(__name__)


def _age_seconds(iso: str) -> float:
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


class DaemonMetrics:
    """Every metric of one daemon app; :meth:`render` gives the Prometheus text format."""

    def __init__(self, store: Store, client_stats: Callable[[], ClientStats] | None) -> None:
        self.store = store
        self.client_stats = client_stats
        self.registry = registry = CollectorRegistry()
        self._orders_seen = 0
        self.webhooks = Counter("oc_bridge_webhooks_received_total",
                                "Webhook deliveries received, by source, event and outcome.",
                                ["source", "event", "outcome"], registry=registry)
        self.inbox_depth = Gauge("oc_bridge_inbox_depth",
                                 "Inbox items not processed yet (pending or leased).",
                                 registry=registry)
        self.inbox_items = Gauge("oc_bridge_inbox_items", "Inbox items by state.", ["state"],
                                 registry=registry)
        self.processed = Counter("oc_bridge_inbox_processed_total",
                                 "Inbox groups processed, by outcome.", ["outcome"],
                                 registry=registry)
        self.exported = Counter("oc_bridge_orders_exported_total",
                                "Orders handed to adapters (new exports).", registry=registry)
        self.updated = Counter("oc_bridge_orders_updated_total",
                               "Order updates and cancellations handed to adapters.",
                               registry=registry)
        self.shipments = Counter("oc_bridge_shipments_reported_total",
                                 "Shipments reported to Orderchamp.", registry=registry)
        self.cancellations = Counter(
            "oc_bridge_cancellations_total",
            "Cancellation requests answered by adapters, by outcome: accepted (recorded), "
            "rejected (too late: picked or shipped) or unsupported (both parked for a human; "
            "alert on a non-zero rate).", ["outcome"], registry=registry)
        for outcome in ("accepted", "rejected", "unsupported"):
            self.cancellations.labels(outcome)  # present at 0, so a rate() alert works at once
        self.unmapped_carriers = Counter(
            "oc_bridge_unmapped_carriers_total", "Shipments reported with a carrier code that "
            "[sync.carriers] does not map (sent as given).", registry=registry)
        self.held_orders = Gauge("oc_bridge_held_orders",
                                 "Orders held back from export: held by hand (manual) or "
                                 "waiting for sync.hold_minutes or a release (waiting).",
                                 ["kind"], registry=registry)
        self.parked = Gauge("oc_bridge_parked_items", "Open parked items.", registry=registry)
        self.points = Gauge("oc_bridge_orderchamp_points_spent",
                            "Orderchamp API points spent by this process.", registry=registry)
        self.requests = Gauge("oc_bridge_orderchamp_requests",
                              "Orderchamp API requests sent by this process.", registry=registry)
        self.operation_points = Gauge("oc_bridge_orderchamp_operation_points_spent",
                                      "Orderchamp API points spent by this process, by "
                                      "GraphQL operation.", ["operation"], registry=registry)
        self.operation_requests = Gauge("oc_bridge_orderchamp_operation_requests",
                                        "Orderchamp API requests sent by this process, by "
                                        "GraphQL operation.", ["operation"], registry=registry)
        self.orders_seen = Counter("oc_bridge_orders_seen_total",
                                   "Orders looked at (listed by reconciliation or named by a "
                                   "webhook).", registry=registry)
        self.orders_fetched = Counter("oc_bridge_orders_fetched_total",
                                      "Orders whose details were fetched (new or changed).",
                                      registry=registry)
        self.points_per_order = Gauge("oc_bridge_orderchamp_points_per_order",
                                      "Orderchamp API points spent per order looked at, since "
                                      "the process started.", registry=registry)
        self.throttle_waits = Gauge("oc_bridge_orderchamp_throttle_waits",
                                    "Waits on the client-side rate-limit bucket.",
                                    registry=registry)
        self.throttle_seconds = Gauge("oc_bridge_orderchamp_throttle_wait_seconds",
                                      "Seconds waited on the client-side rate-limit bucket.",
                                      registry=registry)
        self.engine_seconds = Histogram("oc_bridge_engine_call_seconds",
                                        "Engine (adapter) call latency by job.", ["job"],
                                        registry=registry)
        self.adapter_seconds = Histogram(
            "oc_bridge_adapter_call_seconds",
            "Adapter method calls through the boundary, by instance, method and outcome "
            "(ok, the oc-bridge error raised, or fault for a foreign exception).",
            ["instance", "method", "outcome"], registry=registry)
        self.jobs = Counter("oc_bridge_scheduled_runs_total",
                            "Scheduled job runs by job and outcome.", ["job", "outcome"],
                            registry=registry)
        self.last_reconcile = Gauge("oc_bridge_last_reconcile_timestamp_seconds",
                                    "Unix time of the last successful reconciliation.",
                                    registry=registry)
        self.http_seconds = Histogram("oc_bridge_http_request_seconds",
                                      "HTTP request latency by route status.", ["status"],
                                      registry=registry)
        # --- alerting (docs/operations.md, "Alerting") ---
        self.repaired = Counter("oc_bridge_repaired_by_reconcile_total",
                                "Order changes reconciliation picked up that no webhook "
                                "brought (each one a lost webhook).", registry=registry)
        self.alerts = Counter("oc_bridge_alerts_total",
                              "Alerts raised (logged once per alerts.dedupe_window), by kind.",
                              ["kind"], registry=registry)
        self.alert_notifications = Counter(
            "oc_bridge_alert_notifications_total",
            "Alert messages per channel and outcome (sent, failed, rate_limited).",
            ["channel", "outcome"], registry=registry)
        self.stuck = Gauge("oc_bridge_stuck_items",
                           "Items the last alert check found stuck or parked, by kind.",
                           ["kind"], registry=registry)
        self.inbox_oldest_age = Gauge("oc_bridge_inbox_oldest_age_seconds",
                                      "Age of the oldest unprocessed inbox item (0 when none).",
                                      registry=registry)

    def observe_adapter_call(self, instance: str, method: str, seconds: float,
                             outcome: str) -> None:
        """Record one adapter call (the :class:`~oc_bridge.boundary.BoundAdapter` observer)."""
        self.adapter_seconds.labels(instance, method, outcome).observe(seconds)

    def count_summary(self, summary: SyncSummary) -> None:
        """Add an engine run's effects to the counters."""
        self.orders_seen.inc(summary.orders_seen)
        self._orders_seen += summary.orders_seen
        self.orders_fetched.inc(summary.orders_fetched)
        self.exported.inc(summary.exported)
        self.updated.inc(summary.updated + summary.cancelled)
        self.shipments.inc(summary.shipments_reported)
        for outcome, count in summary.cancellations.items():
            self.cancellations.labels(outcome).inc(count)
        self.unmapped_carriers.inc(summary.unmapped_carriers)
        self.repaired.inc(summary.repaired_by_reconcile)

    def alert_raised(self, kind: str) -> None:
        """An alert was raised (the alert dispatcher's observer)."""
        self.alerts.labels(kind).inc()

    def alert_notification(self, channel: str, outcome: str) -> None:
        """A channel sent, failed or was rate-limited (the alert dispatcher's observer)."""
        self.alert_notifications.labels(channel, outcome).inc()

    def set_stuck(self, counts: Mapping[str, int]) -> None:
        """Publish the item counts per kind of the last alert check."""
        for kind, count in counts.items():
            self.stuck.labels(kind).set(count)

    def refresh(self) -> None:
        """Refresh the mirrored gauges (inbox, parked, client totals)."""
        try:
            counts = self.store.inbox_counts()
            self.inbox_depth.set(counts.get("pending", 0) + counts.get("leased", 0))
            for state in ("pending", "leased", "done", "parked"):
                self.inbox_items.labels(state).set(counts.get(state, 0))
            self.parked.set(self.store.counts().parked_open)
            self.held_orders.labels("manual").set(len(self.store.list_holds()))
            self.held_orders.labels("waiting").set(len(self.store.list_waits()))
            oldest = self.store.inbox_oldest_open()
            self.inbox_oldest_age.set(_age_seconds(oldest) if oldest else 0)
        except Exception:
            log.warning("metrics: reading the store failed", exc_info=True)
        if self.client_stats is not None:
            stats = self.client_stats()
            self.points.set(stats.points_spent)
            self.requests.set(stats.requests)
            self.throttle_waits.set(stats.throttle_waits)
            self.throttle_seconds.set(stats.throttle_wait_seconds)
            for operation, totals in stats.by_operation.items():
                self.operation_points.labels(operation).set(totals.get("points", 0))
                self.operation_requests.labels(operation).set(totals.get("requests", 0))
            seen = self._orders_seen
            self.points_per_order.set(stats.points_spent / seen if seen else 0)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric (refreshed first)."""
        self.refresh()
        return generate_latest(self.registry)
