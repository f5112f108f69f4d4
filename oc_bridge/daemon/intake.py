"""Group commit: one writer thread stores deliveries from concurrent requests in one transaction.

With ``synchronous=FULL`` every SQLite commit waits for an fsync, so one commit per request caps
the receiver at the disk's fsync rate. Requests instead hand their delivery to the writer and
wait; the writer takes everything queued (up to ``batch_limit``), inserts it in ONE transaction,
commits, and then wakes each waiting request with its result. A request is still answered only
after its delivery is committed; under load one fsync covers many requests.

**Store unavailable** (PostgreSQL restarting, the network to it cut): a request whose delivery
could not be stored within ``timeout`` seconds, or whose batch failed, gets
:class:`IntakeError` (the route answers 503 with ``Retry-After``; Orderchamp delivers again
later), and the writer marks the store *down*. While down, :meth:`InboxWriter.add` fails at
once (no request waits for a connection timeout) and the writer thread probes the store every
:data:`PROBE_INTERVAL` seconds; the first probe that answers marks it up again, so intake
resumes by itself. Nothing is half written: a batch is one transaction. A request that gave up
waiting is dropped from the queue if the writer has not started on it; if it was being written
it may still commit, and Orderchamp's redelivery is then stored once (same digest) and answered
200.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from oc_bridge.store import InboxDelivery, Store

__all__ = ["PROBE_INTERVAL", "InboxWriter", "IntakeError"]

log = logging.getLogger(__name__)

_WAKE = "wake"

#: While the store is down, the writer asks it every this many seconds whether it is back.
PROBE_INTERVAL = 1.0


class IntakeError(RuntimeError):
    """The delivery could not be stored (the caller answers 5xx so the sender retries)."""


@dataclass
class _Pending:
    delivery: InboxDelivery
    done: threading.Event = field(default_factory=threading.Event)
    new: bool = False
    error: BaseException | None = None
    abandoned: bool = False


class InboxWriter:
    """Stores deliveries with group commit; :meth:`add` returns once the delivery is durable.

    ``timeout``: the longest a request waits for its delivery to be committed before it is
    answered 503 (a webhook sender should not hang on a store that is not answering).
    """

    def __init__(self, store: Store, *, batch_limit: int = 256, timeout: float = 3.0,
                 settle_seconds: float = 0.0) -> None:
        self.store = store
        self.settle_seconds = settle_seconds
        self.batch_limit = batch_limit
        self.timeout = timeout
        # deliveries, None to stop, or _WAKE (start probing: the store was marked down)
        self._queue: queue.Queue[_Pending | str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.batches = 0
        self._down_since: float | None = None

    @property
    def store_down(self) -> bool:
        """True from a failed (or too slow) write until the store answers again."""
        return self._down_since is not None

    def mark_down(self, reason: str) -> None:
        """The store does not answer (seen here or by someone else, such as a readiness
        check): fail requests fast and probe until it answers."""
        with self._lock:
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.error("the store is unavailable (%s); webhooks are answered 503 until it is back",
                  reason)
        self.start()
        self._queue.put(_WAKE)  # the writer may be waiting for deliveries: make it probe

    def _mark_up(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            log.info("the store answers again after %.1fs; webhooks are accepted",
                     time.monotonic() - since)

    def add(self, delivery: InboxDelivery) -> bool:
        """Store one delivery durably; True when new, False when identical to a stored one.
        Raises :class:`IntakeError` when it could not be stored (at once while the store is
        down, see the module docstring)."""
        self.start()
        if self._down_since is not None:
            raise IntakeError("the store is unavailable")
        pending = _Pending(delivery)
        self._queue.put(pending)
        if not pending.done.wait(self.timeout):
            pending.abandoned = True
            self.mark_down(f"a delivery was not stored within {self.timeout:g}s")
            raise IntakeError("the inbox writer did not answer in time")
        if pending.error is not None:
            raise IntakeError(f"storing the delivery failed: {pending.error}") from pending.error
        return pending.new

    def start(self) -> None:
        """Start the writer thread (once; :meth:`add` does it too)."""
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def close(self) -> None:
        """Stop the writer after the queued deliveries are stored."""
        with self._lock:
            started, self._started = self._started, False
        if started:
            self._queue.put(None)
            self._thread.join(self.timeout)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=PROBE_INTERVAL if self.store_down else None)
            except queue.Empty:
                self._probe()
                continue
            if first is None:
                return
            if isinstance(first, str):  # _WAKE: go round again, probing while down
                continue
            batch = [first] if not first.abandoned else []
            stop = False
            while len(batch) < self.batch_limit:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                if isinstance(nxt, str):
                    continue
                if not nxt.abandoned:
                    batch.append(nxt)
            if batch:
                self._store(batch)
            if stop:
                return

    def _probe(self) -> None:
        try:
            self.store.inbox_counts()
        except Exception as exc:
            log.debug("the store is still unavailable: %s", exc)
            return
        self._mark_up()

    def _store(self, batch: list[_Pending]) -> None:
        try:
            results = self.store.inbox_add([p.delivery for p in batch],
                                           delay_seconds=self.settle_seconds)
        except Exception as exc:
            log.debug("storing %d webhook deliveries failed", len(batch), exc_info=True)
            self.mark_down(f"storing {len(batch)} webhook deliveries failed: "
                           f"{type(exc).__name__}: {exc}")
            for pending in batch:
                pending.error = exc
                pending.done.set()
            return
        self._mark_up()
        self.batches += 1
        for pending, new in zip(batch, results, strict=True):
            pending.new = new
            pending.done.set()
