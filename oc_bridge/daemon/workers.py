"""Inbox worker threads: lease a group, process it, repeat; stop cleanly on request.

Workers run in parallel (each with its own engine); one order is worked by one worker at a
time because its inbox group is leased as a whole. While the store cannot be reached, leasing
fails: the worker waits (doubling up to :data:`OUTAGE_WAIT_MAX`), logs the outage once and its
end once, and goes on by itself when the store answers again.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from oc_bridge.daemon.inbox import InboxProcessor

__all__ = ["WorkerPool"]

log = logging.getLogger(__name__)

IDLE_WAIT = 0.25
#: Longest wait between leasing attempts while the store is unavailable.
OUTAGE_WAIT_MAX = 2.0


class WorkerPool:
    """``count`` threads that process the inbox until :meth:`stop`. :meth:`wake` shortens the
    idle wait after a new delivery was stored."""

    def __init__(self, processor: InboxProcessor, count: int) -> None:
        self.processor = processor
        self.count = count
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._owner = f"{os.getpid()}"

    def start(self) -> None:
        """Start the threads."""
        for number in range(self.count):
            thread = threading.Thread(target=self._loop, args=(f"{self._owner}-w{number}",),
                                      name=f"inbox-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Tell idle workers that something arrived."""
        with self._wake:
            self._wake.notify()

    def _loop(self, owner: str) -> None:
        outage_wait = 0.0  # > 0 while leasing fails (the store is unavailable)
        while not self._stop.is_set():
            try:
                items = self.processor.lease(owner)
            except Exception as exc:
                if outage_wait == 0.0:
                    log.error("leasing inbox items failed (%s: %s); retrying until the store "
                              "answers", type(exc).__name__, exc)
                    log.debug("leasing failed", exc_info=True)
                outage_wait = min(max(outage_wait * 2, IDLE_WAIT), OUTAGE_WAIT_MAX)
                self._stop.wait(outage_wait)
                continue
            if outage_wait:
                log.info("leasing inbox items works again")
                outage_wait = 0.0
            if items:
                try:
                    self.processor.process(items)
                except Exception:
                    # e.g. the ledger unavailable while recording the outcome: the lease
                    # expires and the items are taken again.
                    log.exception("processing %d inbox item(s) failed", len(items))
                continue
            with self._wake:
                self._wake.wait(IDLE_WAIT)

    def stop(self, timeout: float) -> bool:
        """Stop leasing; wait up to ``timeout`` for in-flight groups. False when a worker was
        still busy (its lease expires and another process takes the items again)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        busy = [t.name for t in self._threads if t.is_alive()]
        if busy:
            log.warning("workers still busy after %.0fs: %s", timeout, ", ".join(busy))
        return not busy
