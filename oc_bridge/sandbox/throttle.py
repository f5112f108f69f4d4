"""Orderchamp's cost-based leaky bucket, one per token, plus the sandbox's request statistics.

A bucket holds ``available`` points, refilled continuously at ``restore_rate`` points/s up to
``capacity``. A query runs only when its requested cost fits; the requested cost is charged up
front and ``requested - actual`` is refunded after it ran.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Bucket", "Stats", "ThrottleRegistry"]


class Bucket:
    """One token's points; not thread-safe on its own (the registry locks)."""

    def __init__(self, capacity: float, restore_rate: float, clock: Callable[[], float]) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = float(capacity)
        self._stamp = clock()

    @property
    def available(self) -> float:
        """Points available now (after refilling for the time that passed)."""
        now = self._clock()
        elapsed = max(now - self._stamp, 0.0)
        self._available = min(self.capacity, self._available + elapsed * self.restore_rate)
        self._stamp = now
        return self._available

    def take(self, cost: int, enforce: bool) -> bool:
        """Charge ``cost`` if it fits (or always when not enforcing; never below zero)."""
        available = self.available
        if enforce and cost > available:
            return False
        self._available = max(available - cost, 0.0)
        return True

    def refund(self, points: int) -> None:
        """Give back points charged but not used."""
        self._available = min(self.capacity, self.available + max(points, 0))


@dataclass
class Stats:
    """What the sandbox counted; ``points_spent`` sums actual costs."""

    requests: int = 0
    executed: int = 0
    points_spent: int = 0
    points_requested: int = 0
    throttled: int = 0
    max_cost_exceeded: int = 0
    unauthorized: int = 0
    bad_requests: int = 0
    faults_5xx: int = 0
    faults_429: int = 0


class ThrottleRegistry:
    """Buckets per token and the counters, behind one lock."""

    def __init__(
        self,
        capacity: int,
        restore_rate: float,
        enforce: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.enforce = enforce
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self.stats = Stats()

    def _bucket(self, token: str) -> Bucket:
        bucket = self._buckets.get(token)
        if bucket is None:
            bucket = self._buckets[token] = Bucket(self.capacity, self.restore_rate, self._clock)
        return bucket

    def charge(self, token: str, requested: int) -> tuple[bool, float]:
        """Try to charge ``requested`` points; ``(allowed, remaining)``. Counts throttles."""
        with self._lock:
            bucket = self._bucket(token)
            # Unthrottled, the bucket is never drained: answers report a full bucket, so a
            # well-behaved client (which adopts the server's figures) never waits either.
            allowed = bucket.take(requested, self.enforce) if self.enforce else True
            if not allowed:
                self.stats.throttled += 1
            return allowed, bucket.available

    def settle(self, token: str, requested: int, actual: int) -> float:
        """Refund ``requested - actual`` after a run; returns the points now remaining."""
        with self._lock:
            bucket = self._bucket(token)
            if self.enforce:
                bucket.refund(requested - actual)
            self.stats.executed += 1
            self.stats.points_requested += requested
            self.stats.points_spent += actual
            return bucket.available

    def remaining(self, token: str) -> float:
        """Points available to ``token`` now."""
        with self._lock:
            return self._bucket(token).available

    def count(self, name: str) -> None:
        """Increment one of the :class:`Stats` counters."""
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def throttle_extension(
        self, requested: int, actual: int | None, remaining: float
    ) -> dict[str, Any]:
        """The ``extensions.throttle`` object of an answer."""
        return {
            "requestedCost": requested,
            "actualCost": actual,
            "limit": self.capacity,
            "remaining": int(remaining),
            "restoreRate": self.restore_rate,
        }

    def snapshot(self) -> dict[str, Any]:
        """The counters as a plain dict."""
        with self._lock:
            return dict(vars(self.stats))
