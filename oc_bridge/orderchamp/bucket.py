"""A client-side mirror of Orderchamp's leaky bucket, so that the server never says ``Throttled``.

Orderchamp gives each token a bucket of ``capacity`` points (1000) that refills at
``restore_rate`` points per second (50). A query runs only if its *requested* cost fits in the
bucket; the difference to the *actual* cost is refunded afterwards. The client keeps its own
estimate of the level and waits *before* sending until the requested cost fits.

Why the estimate is safe yet tight:

- The estimate only errs low. Points are deducted locally when a request is *sent* (the server
  deducts later) and refunds are credited when the answer *arrives* (the server credits
  earlier). When the answer carries ``extensions.throttle``, :meth:`LeakyBucket.sync` adopts the
  server's ``remaining`` as the level *at the moment the answer is processed*: the server
  computed it earlier, and the bucket has only filled since, so no clock comparison between
  client and server is needed and the error is at most (round-trip time x restore rate).
- Requests still in flight (other threads) are subtracted from a synced level, because the
  server's figure may predate them.
- ``headroom`` (default 1 point, 20 ms at 50 points/s) absorbs rounding on the server side.

So the client waits at most (headroom + round-trip x rate) points' worth of time more than
strictly necessary per request, which keeps a long throttled listing within a few percent of
the theoretical minimum.

**Several processes on one token** (daemon replicas) each take a ``share`` of the budget: the
bucket holds ``share`` x capacity, refills at ``share`` x rate, and the server's figures are
scaled by the same share when adopted. N replicas with a share of 1/N each together never ask
for more than the server's bucket holds, without a round trip to a shared database per request
(which would tie every Orderchamp call to the database being up). The price: a replica alone
cannot use the whole budget (see docs/daemon.md, "Several replicas").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["LeakyBucket"]


class LeakyBucket:
    """Points available now, refilled continuously; thread-safe.

    Callers may rely on: the level stays within ``[0, capacity]``; :meth:`acquire` returns only
    when ``cost`` (plus headroom, capped at capacity) was available, and deducts it; a cost above
    the capacity waits for a full bucket and empties it (the server decides whether it runs).
    """

    def __init__(
        self,
        capacity: float = 1000.0,
        restore_rate: float = 50.0,
        *,
        headroom: float = 1.0,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if capacity <= 0 or restore_rate <= 0:
            raise ValueError("capacity and restore_rate must be positive")
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.share = float(share)
        self.capacity = float(capacity) * self.share
        self.restore_rate = float(restore_rate) * self.share
        self.headroom = max(0.0, headroom)
        self._clock = clock
        self._sleep = sleep
        self._level = self.capacity
        self._stamp = clock()
        self._in_flight = 0.0
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._level = min(self.capacity, self._level + elapsed * self.restore_rate)
        self._stamp = now

    @property
    def level(self) -> float:
        """The estimated points available now."""
        with self._lock:
            self._refill()
            return self._level

    @property
    def in_flight(self) -> float:
        """Points acquired by requests that have not been settled yet."""
        return self._in_flight

    def _target(self, cost: float) -> float:
        return min(cost + self.headroom, self.capacity)

    def wait_time(self, cost: float) -> float:
        """Seconds until ``cost`` could be acquired (0 when it fits now)."""
        with self._lock:
            self._refill()
            return max(0.0, (self._target(cost) - self._level) / self.restore_rate)

    def acquire(self, cost: float) -> float:
        """Block until ``cost`` points fit, deduct them, and return the seconds spent waiting."""
        cost = max(0.0, float(cost))
        started = self._clock()
        slept = False
        while True:
            with self._lock:
                self._refill()
                missing = self._target(cost) - self._level
                if missing <= 1e-9:
                    self._level -= min(cost, self._level)
                    self._in_flight += cost
                    return max(0.0, self._clock() - started) if slept else 0.0
                delay = missing / self.restore_rate
            self._sleep(delay)
            slept = True

    def settle(self, requested: float, actual: float) -> None:
        """A request acquired with ``requested`` finished having cost ``actual``: refund the rest.

        A failed request whose cost is unknown should be settled with ``actual=requested``.
        """
        with self._lock:
            self._refill()
            self._in_flight = max(0.0, self._in_flight - requested)
            self._level = min(self.capacity, max(0.0, self._level + requested - actual))

    def sync(
        self,
        remaining: float,
        restore_rate: float | None = None,
        limit: float | None = None,
    ) -> None:
        """Adopt the server's view (``extensions.throttle``): call after :meth:`settle`.

        ``remaining`` is taken as the level now (conservative: the server computed it earlier),
        minus whatever other requests still have in flight. ``restore_rate`` and ``limit``
        replace the configured values when the server reports them. All three are the server's
        whole-token figures, scaled here by ``share``.
        """
        with self._lock:
            self._refill()
            if limit is not None and limit > 0:
                self.capacity = float(limit) * self.share
            if restore_rate is not None and restore_rate > 0:
                self.restore_rate = float(restore_rate) * self.share
            level = float(remaining) * self.share - self._in_flight
            self._level = min(self.capacity, max(0.0, level))

    def drain(self) -> None:
        """Assume the bucket is empty (after a ``Throttled`` answer without throttle details)."""
        with self._lock:
            self._refill()
            self._level = 0.0
