"""A small registry of named periodic jobs, each single-flight, with jitter.

A :class:`Job` is ``(name, interval, fn)``. The :class:`Scheduler` runs each job in its own
thread: once shortly after start (after a random delay up to the jitter), then every
``interval`` seconds plus jitter. A job never overlaps itself (a run asked for while one is in
progress is skipped). :func:`default_jobs` builds the daemon's jobs; other code extends the
list (``jobs.append(Job("stock", 900, fn))``) before the scheduler starts.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oc_bridge.alerts import lost_webhook_alerts

if TYPE_CHECKING:
    from oc_bridge.daemon.app import DaemonContext
    from oc_bridge.settings import Settings

__all__ = ["Job", "Scheduler", "default_jobs"]

log = logging.getLogger(__name__)

#: Expired claims are deleted by ``inbox-prune`` once they expired this long ago.
CLAIMS_KEEP_SECONDS = 86400.0


@dataclass(frozen=True)
class Job:
    """A named periodic job; ``fn`` raising counts as a failed run (logged, retried next)."""

    name: str
    interval: float
    fn: Callable[[], object]


class Scheduler:
    """Runs jobs periodically in background threads; see the module docstring."""

    def __init__(self, jobs: list[Job], *, jitter: float = 0.0,
                 on_run: Callable[[str, str, float], None] | None = None) -> None:
        self.jobs = {job.name: job for job in jobs}
        self.jitter = jitter
        self.on_run = on_run
        self._stop = threading.Event()
        self._locks = {name: threading.Lock() for name in self.jobs}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start one thread per job."""
        for job in self.jobs.values():
            thread = threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def _delay(self, base: float) -> float:
        return base + (random.uniform(0, self.jitter) if self.jitter else 0.0)

    def _loop(self, job: Job) -> None:
        wait = self._delay(0.0)
        while not self._stop.wait(wait):
            self.run_now(job.name)
            wait = self._delay(job.interval)

    def run_now(self, name: str) -> bool:
        """Run job ``name`` in this thread unless it is already running; True when it ran
        (whatever the outcome)."""
        lock = self._locks[name]
        if not lock.acquire(blocking=False):
            log.debug("job %s still running; this run is skipped", name)
            return False
        started = time.monotonic()
        outcome = "ok"
        try:
            self.jobs[name].fn()
        except Exception:
            outcome = "failed"
            log.exception("scheduled job %s failed", name)
        finally:
            lock.release()
        if self.on_run is not None:
            self.on_run(name, outcome, time.monotonic() - started)
        return True

    def stop(self, timeout: float) -> None:
        """Stop scheduling; wait up to ``timeout`` for running jobs to end."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def default_jobs(ctx: DaemonContext, settings: Settings) -> list[Job]:
    """The daemon's jobs: ``reconcile`` every ``sync.reconcile_interval``, ``shipments`` every
    ``sync.shipments_interval``, ``stock`` every ``sync.stock_interval``
    (a no-op without stock adapters), ``holds`` every ``sync.hold_check_seconds`` (held-back
    orders whose time has come), ``inbox-prune`` hourly (also long-expired claims),
    ``alerts`` every ``alerts.check_interval`` (unless ``alerts.enabled`` is false).
    Append to extend."""

    def reconcile() -> None:
        started = time.perf_counter()
        summary = ctx.engine.reconcile()
        ctx.metrics.engine_seconds.labels("reconcile").observe(time.perf_counter() - started)
        ctx.metrics.count_summary(summary)
        if summary.reconcile_incomplete:
            raise RuntimeError("; ".join(summary.errors))
        if summary.skipped:  # another process holds job:reconcile; try again next interval
            log.info("reconciliation skipped: %s", "; ".join(summary.skipped))
            return
        ctx.last_reconcile_summary = summary  # what the console shows
        ctx.mark_reconciled()
        log.info("reconciliation done: %d orders seen, %d exported, %d updated, %d cancelled, "
                 "%d picked up without a webhook", summary.orders_seen, summary.exported,
                 summary.updated, summary.cancelled, summary.repaired_by_reconcile)
        if summary.repaired:
            try:
                ctx.alerts.raise_events(lost_webhook_alerts(summary))
            except Exception:  # alerting must never fail the reconciliation
                log.exception("alerting about lost webhooks failed")

    def shipments() -> None:
        started = time.perf_counter()
        summary = ctx.engine.pull_shipments()
        ctx.metrics.engine_seconds.labels("pull_shipments").observe(time.perf_counter() - started)
        ctx.metrics.count_summary(summary)
        if summary.shipments_reported:
            log.info("shipment pull: %d shipment(s) reported", summary.shipments_reported)

    def stock() -> None:
        summary = ctx.engine.push_stock()
        if summary.changed or summary.unknown:
            log.info("stock push: %d changed, %d pushed in %d mutation(s), %d rejected",
                     summary.changed, summary.pushed, summary.mutations, len(summary.unknown))
        if summary.errors:
            raise RuntimeError("; ".join(summary.errors))

    def holds() -> None:
        if not ctx.engine.orders.gate.due_now():
            return  # nothing due: one ledger query
        summary = ctx.engine.export_due()
        ctx.metrics.count_summary(summary)
        if summary.exported:
            log.info("held-back orders: %d exported now their time has come", summary.exported)

    def prune() -> None:
        removed = ctx.store.inbox_prune(settings.daemon.inbox_keep_days)
        if removed:
            log.info("inbox: %d processed item(s) pruned", removed)
        # Claims left by processes that died and whose work nobody needed since.
        stale = ctx.store.prune_claims(CLAIMS_KEEP_SECONDS)
        if stale:
            log.info("claims: %d long-expired claim(s) pruned", stale)

    def alerts() -> None:
        result = ctx.alerts.check()
        failed = [f"{r.channel}: {r.error}" for r in result.channels if not r.ok]
        if failed:
            raise RuntimeError("alert channel(s) failed: " + "; ".join(failed))

    jobs = [Job("reconcile", settings.sync.reconcile_interval, reconcile),
            Job("shipments", settings.sync.shipments_interval, shipments),
            Job("stock", settings.sync.stock_interval, stock),
            Job("holds", settings.sync.hold_check_seconds, holds),
            Job("inbox-prune", 3600.0, prune)]
    if settings.alerts.enabled:
        jobs.append(Job("alerts", settings.alerts.check_interval, alerts))
    return jobs
