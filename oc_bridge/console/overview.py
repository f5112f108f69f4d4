"""What the console's pages show, gathered from the daemon's services (no HTML here).

:class:`ConsoleServices` is what the daemon hands the console: its runtime (settings, store,
client, adapters), readiness check, engine context and metrics. The ``*_page`` functions
return plain dicts for the templates; they read the ledger and process state, and only the
webhooks and order pages ask Orderchamp anything (one lean query each).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from oc_bridge.console.charts import bar_chart, hourly_counts
from oc_bridge.errors import OcBridgeError
from oc_bridge.store import ORDERCHAMP_SOURCE

if TYPE_CHECKING:
    from oc_bridge.daemon.app import DaemonContext
    from oc_bridge.daemon.metrics import DaemonMetrics
    from oc_bridge.runtime import Runtime

__all__ = ["REJECTED_OUTCOMES", "ConsoleServices", "adapters_page", "overview_page",
           "webhooks_page"]

log = logging.getLogger(__name__)

#: Webhook outcomes that mean the delivery was refused (counted as rejected on the page).
REJECTED_OUTCOMES = ("bad_signature", "wrong_account", "bad_request")


@dataclass
class ConsoleServices:
    """The daemon's services the console reads and acts through."""

    runtime: Runtime
    context: DaemonContext
    metrics: DaemonMetrics
    readiness: Callable[[], tuple[bool, dict[str, Any]]]


def _age_seconds(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


def human_age(seconds: float | None) -> str:
    """``42s``, ``7m``, ``3h 5m``, ``2d 4h``; ``-`` for None."""
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def _summary_lines(summary: Any) -> list[str]:
    if summary is None:
        return []
    data = asdict(summary)
    lines = [f"{key.replace('_', ' ')}: {value}" for key, value in data.items()
             if isinstance(value, int) and not isinstance(value, bool) and value]
    lines += [f"error: {e}" for e in data.get("errors", [])]
    lines += [f"parked: {r}" for r in data.get("parked_reasons", [])]
    return lines


def overview_page(services: ConsoleServices) -> dict[str, Any]:
    """Health, inbox, last reconciliation, API budget, per-instance states and charts."""
    runtime, ctx = services.runtime, services.context
    store, settings = runtime.store, runtime.settings
    ready, checks = services.readiness()
    inbox = store.inbox_counts()
    oldest = store.inbox_oldest_open()
    last = ctx.last_reconciled
    stats = runtime.client.stats
    bucket = runtime.client.bucket
    states = store.states_by_instance()
    instances = []
    for name in sorted(set(settings.adapters) | set(states)):
        section = settings.adapters.get(name)
        per = states.get(name, {"exports": {}, "shipments": {}})
        instances.append({"name": name,
                          "type": settings.adapter_type(name) if section else "(removed)",
                          "enabled": bool(section and section.enabled),
                          "exports": dict(sorted(per["exports"].items())),
                          "shipments": dict(sorted(per["shipments"].items()))})
    days = settings.console.chart_days
    since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")
    exported, shipped = store.throughput_times(since)
    counts = store.counts()
    return {
        "ready": ready,
        "checks": {k: v for k, v in checks.items() if k != "reconcile_age_seconds"},
        "inbox": {"pending": inbox.get("pending", 0), "leased": inbox.get("leased", 0),
                  "parked": inbox.get("parked", 0), "done": inbox.get("done", 0),
                  "depth": inbox.get("pending", 0) + inbox.get("leased", 0),
                  "oldest_age": human_age(_age_seconds(oldest)), "oldest_at": oldest},
        "reconcile": {
            "at": datetime.fromtimestamp(last, UTC).isoformat(timespec="seconds")
            if last else None,
            "age": human_age(datetime.now(UTC).timestamp() - last) if last else None,
            "summary": _summary_lines(getattr(ctx, "last_reconcile_summary", None))},
        "api": {"points_spent": stats.points_spent, "requests": stats.requests,
                "retries": stats.retries, "throttle_waits": stats.throttle_waits,
                "throttle_wait_seconds": round(stats.throttle_wait_seconds, 1),
                "throttled_answers": stats.throttled_answers,
                "bucket_level": int(bucket.level) if bucket is not None else None,
                "bucket_size": int(bucket.capacity) if bucket is not None else None,
                "restore_rate": settings.orderchamp.restore_rate,
                "by_operation": sorted(stats.by_operation.items(),
                                       key=lambda item: -item[1].get("points", 0))[:8]},
        "counts": counts,
        "instances": instances,
        "chart_days": days,
        "exported_chart": bar_chart(hourly_counts(exported, days=days),
                                    label=f"Orders exported per hour, last {days} days"),
        "shipped_chart": bar_chart(hourly_counts(shipped, days=days),
                                   label=f"Shipments reported per hour, last {days} days",
                                   css_class="bars shipped"),
        "exported_total": len(exported), "shipped_total": len(shipped),
    }


def adapters_page(services: ConsoleServices) -> dict[str, Any]:
    """Each configured instance: type, enabled, declared and enabled capabilities, and the
    problems its ``check()`` reports now (an empty list means healthy)."""
    settings = services.runtime.settings
    rows = []
    for name in sorted(settings.adapters):
        bound = services.runtime.adapters.get(name)
        row: dict[str, Any] = {"name": name, "type": settings.adapter_type(name),
                               "enabled": settings.adapters[name].enabled}
        if bound is None:
            row.update(capabilities=[], declared=[], problems=["not built (disabled)"])
        else:
            row["capabilities"] = sorted(c.value for c in bound.enabled_capabilities)
            row["declared"] = sorted(c.value for c in type(bound.adapter).capabilities)
            row["problems"] = bound.check()
        rows.append(row)
    return {"adapters": rows}


def webhooks_page(services: ConsoleServices) -> dict[str, Any]:
    """Orderchamp's subscriptions (one API call), the last stored delivery per topic, and
    deliveries received and refused by this process, per outcome."""
    subscriptions: list[dict[str, Any]] = []
    error = None
    try:
        subscriptions = [{"id": w.id, "topic": w.topic, "endpoint": w.endpoint,
                          "template": w.template} for w in services.runtime.client.list_webhooks()]
    except OcBridgeError as exc:
        error = str(exc)
    outcomes: dict[str, dict[str, int]] = {}
    for metric in services.metrics.webhooks.collect():
        for sample in metric.samples:
            if not sample.name.endswith("_total"):
                continue
            labels = sample.labels
            if labels.get("source") != ORDERCHAMP_SOURCE:
                continue
            per = outcomes.setdefault(labels["event"], {})
            per[labels["outcome"]] = per.get(labels["outcome"], 0) + int(sample.value)
    rejected = sum(n for per in outcomes.values() for o, n in per.items()
                   if o in REJECTED_OUTCOMES)
    last = services.runtime.store.inbox_last_received(ORDERCHAMP_SOURCE)
    topics = sorted(set(last) | {s["topic"] for s in subscriptions} | set(outcomes))
    return {"subscriptions": subscriptions, "error": error, "rejected": rejected,
            "topics": [{"topic": t, "last": last.get(t), "outcomes": outcomes.get(t, {})}
                       for t in topics],
            "secret_set": services.runtime.settings.orderchamp.webhook_secret is not None}
