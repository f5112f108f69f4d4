"""Group commit: one writer thread stores deliveries from concurrent requests in one transaction.

With ``synchronous=FULL`` every SQLite commit waits for an fsync, so one commit per request caps
the receiver at the disk's fsync rate. Requests instead hand their delivery to the writer and
wait; the writer takes everything queued (up to ``batch_limit``), inserts it in ONE transaction,
commits, and then wakes each waiting request with its result. A request is still answered only
after its delivery is committed; under load one fsync covers many requests.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from oc_bridge.store import InboxDelivery, Store

__all__ = ["InboxWriter", "IntakeError"]

log = logging.getLogger(__name__)


class IntakeError(RuntimeError):
    """The delivery could not be stored (the caller answers 5xx so the sender retries)."""


@dataclass
class _Pending:
    delivery: InboxDelivery
    done: threading.Event = field(default_factory=threading.Event)
    new: bool = False
    error: BaseException | None = None


class InboxWriter:
    """Stores deliveries with group commit; :meth:`add` returns once the delivery is durable."""

    def __init__(self, store: Store, *, batch_limit: int = 256, timeout: float = 10.0,
                 settle_seconds: float = 0.0) -> None:
        self.store = store
        self.settle_seconds = settle_seconds
        self.batch_limit = batch_limit
        self.timeout = timeout
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.batches = 0

    def add(self, delivery: InboxDelivery) -> bool:
        """Store one delivery durably; True when new, False when identical to a stored one.
        Raises :class:`IntakeError` when it could not be stored."""
        self._ensure_started()
        pending = _Pending(delivery)
        self._queue.put(pending)
        if not pending.done.wait(self.timeout):
            raise IntakeError("the inbox writer did not answer in time")
        if pending.error is not None:
            raise IntakeError(f"storing the delivery failed: {pending.error}") from pending.error
        return pending.new

    def _ensure_started(self) -> None:
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
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.batch_limit:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._store(batch)
            if stop:
                return

    def _store(self, batch: list[_Pending]) -> None:
        try:
            results = self.store.inbox_add([p.delivery for p in batch],
                                           delay_seconds=self.settle_seconds)
        except Exception as exc:
            log.exception("storing %d webhook deliveries failed", len(batch))
            for pending in batch:
                pending.error = exc
                pending.done.set()
            return
        self.batches += 1
        for pending, new in zip(batch, results, strict=True):
            pending.new = new
            pending.done.set()
