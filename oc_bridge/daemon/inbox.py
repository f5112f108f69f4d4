"""Processing leased inbox items: one engine run per order, adapter deliveries by their reader.

A leased group holds every pending event of one order, so a burst of events for an order costs
one order fetch (``engine.process_order``). Effects are idempotent through the ledger: running
an order again after a crash never exports it twice. A failed run goes back to ``pending`` with
exponential backoff; after ``sync.max_attempts`` leases the items are parked for a human. A run
that left part of the order to another process holding its claim is looked at again after
:data:`HELD_RETRY_SECONDS` (not counted as an attempt).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence

from oc_bridge.canonical import ShipmentPull
from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.engine import SyncEngine, SyncSummary
from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.store import ORDERCHAMP_SOURCE, InboxItem, ParkedKind, Store

__all__ = ["ADAPTER_SOURCE_PREFIX", "InboxProcessor", "Reader"]

log = logging.getLogger(__name__)

ADAPTER_SOURCE_PREFIX = "adapter:"
#: Turns a stored adapter delivery (headers, raw body) into shipments.
Reader = Callable[[Mapping[str, str], bytes], ShipmentPull]
BACKOFF_BASE = 2.0
BACKOFF_MAX = 300.0
#: An order another process holds is looked at again after this long (attempt not counted).
HELD_RETRY_SECONDS = 10.0


class InboxProcessor:
    """Leases and processes inbox groups; called by several worker threads at once.

    ``engine`` gives the calling thread's engine (each worker its own, see
    :class:`~oc_bridge.daemon.app.DaemonContext`): one order is worked by one worker at a
    time because its group is leased to one worker, and its steps are claimed by that
    worker's engine."""

    def __init__(self, store: Store, engine: Callable[[], SyncEngine], metrics: DaemonMetrics,
                 *, lease_seconds: float, max_attempts: int,
                 readers: Mapping[str, Reader] | None = None) -> None:
        self.store = store
        self.engine = engine
        self.metrics = metrics
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.readers: dict[str, Reader] = dict(readers or {})

    def lease(self, owner: str) -> list[InboxItem]:
        """The next group for ``owner`` (empty when nothing is ready)."""
        return self.store.inbox_lease(owner, lease_seconds=self.lease_seconds)

    def process(self, items: Sequence[InboxItem]) -> bool:
        """Process one leased group and record the outcome; True when it succeeded."""
        first = items[0]
        try:
            summary = self._run(first, items)
        except (TransientError, PermanentError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a bug: keep the item, retry later, show the traceback
            log.exception("processing inbox item %d failed", first.id)
            error = f"{type(exc).__name__}: {exc}"
        else:
            if summary.held_elsewhere and not summary.failed \
                    and first.source == ORDERCHAMP_SOURCE:
                # Another process was bringing this order up to date, maybe from an older
                # read: look again shortly, so the change this event announced is not left
                # to the next reconciliation.
                self.store.inbox_defer(items, "left to another process holding the order; "
                                       "looked at again", delay_seconds=HELD_RETRY_SECONDS)
                self.metrics.processed.labels("held").inc()
                log.info("order %s: held by another process, looked at again in %.0fs",
                         first.order_id, HELD_RETRY_SECONDS)
                return False
            if not summary.failed:
                self.store.inbox_complete(items)
                self.metrics.processed.labels("done").inc()
                return True
            error = "; ".join(summary.errors) or "failed"
        self._failed(items, error)
        return False

    def _run(self, first: InboxItem, items: Sequence[InboxItem]) -> SyncSummary:
        events = ",".join(sorted({i.event for i in items}))
        if first.source == ORDERCHAMP_SOURCE:
            if first.order_id is None:
                return SyncSummary()
            started = time.perf_counter()
            # process_order also hands the order's new invoices out (INVOICE_CREATED).
            summary = self.engine().process_order(first.order_id)
            self.metrics.engine_seconds.labels("process_order").observe(
                time.perf_counter() - started)
            self.metrics.count_summary(summary)
            log.info("order %s processed after %d event(s) (%s): %d exported, %d updated, "
                     "%d cancelled", first.order_id, len(items), events, summary.exported,
                     summary.updated, summary.cancelled)
            return summary
        reader = self.readers.get(first.source)
        if reader is None or not first.source.startswith(ADAPTER_SOURCE_PREFIX):
            raise PermanentError(f"no reader for inbox source {first.source}")
        instance = first.source[len(ADAPTER_SOURCE_PREFIX):]
        headers = json.loads(first.headers_json or "{}")
        pull = reader(headers, first.body.encode("utf-8"))
        started = time.perf_counter()
        summary = self.engine().report_pull(instance, pull)
        self.metrics.engine_seconds.labels("report_pull").observe(time.perf_counter() - started)
        self.metrics.count_summary(summary)
        log.info("%s delivery %d (%s) processed: %d shipment(s) reported", instance, first.id,
                 first.event, summary.shipments_reported)
        return summary

    def _failed(self, items: Sequence[InboxItem], error: str) -> None:
        attempts = max(i.attempts for i in items)
        first = items[0]
        reference = first.order_id or f"inbox:{first.id}"
        if attempts >= self.max_attempts:
            self.store.inbox_park(items, error)
            if first.source == ORDERCHAMP_SOURCE and first.order_id:
                self.store.park(ParkedKind.ORDER, first.order_id, instance=None,
                                reason=f"webhook processing failed {attempts} times: {error}")
            else:
                self.store.park(ParkedKind.INBOUND, reference,
                                instance=first.source[len(ADAPTER_SOURCE_PREFIX):],
                                reason=f"webhook delivery failed {attempts} times: {error}",
                                payload=first.body)
            self.metrics.processed.labels("parked").inc()
            log.warning("inbox %s parked after %d attempts: %s", reference, attempts, error)
            return
        delay = min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)
        self.store.inbox_retry(items, error, delay_seconds=delay)
        self.metrics.processed.labels("retry").inc()
        log.warning("inbox %s failed (attempt %d), retrying in %.0fs: %s", reference, attempts,
                    delay, error)

    def release(self, items: Sequence[InboxItem]) -> None:
        """Give a leased group back untouched (shutdown)."""
        self.store.inbox_release(items)
