"""Clocks and the fake's rate-limit window, shared by the fake server and tests.

A :class:`ManualClock` passed both to :class:`~fakes.shipstation.server.FakeShipStation`
(as its window clock) and to the adapter (as ``clock``/``sleep``) lets a test run minutes of
rate-limited traffic in milliseconds: the adapter's sleeps advance the fake's window.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ManualClock", "RateDecision", "RateWindow"]


class ManualClock:
    """A monotonic clock that only moves when told: ``sleep`` records and advances."""

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        """Current time in seconds."""
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        """Record a sleep and advance the clock by it (never really sleeps)."""
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Let time pass without recording a sleep."""
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class RateDecision:
    """What the window says about one request: allowed or not, and the headers to send."""

    allowed: bool
    limit: int
    remaining: int
    reset: int
    forced: bool = False


class RateWindow:
    """ShipStation's fixed window: ``limit`` requests per ``window`` seconds per key pair.

    The window starts with the first request after the previous one ended. ``reset`` is the
    whole number of seconds until it ends (at least 1), as in ``X-Rate-Limit-Reset``. A request
    over the limit is refused (HTTP 429) and does not count. ``force_throttle`` makes the next
    ``count`` requests fail with 429 regardless (a "429 storm" caused by another tool).
    """

    def __init__(self, limit: int = 40, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._start: float | None = None
        self._used = 0
        self._forced = 0
        self._forced_reset = 1
        #: 429s served because the limit was really exceeded (not forced).
        self.over_limit = 0
        #: 429s served by ``force_throttle``.
        self.forced_served = 0

    def _roll(self, now: float) -> None:
        if self._start is None or now >= self._start + self.window:
            self._start, self._used = now, 0

    def _reset(self, now: float) -> int:
        assert self._start is not None
        return max(1, math.ceil(self._start + self.window - now))

    def take(self) -> RateDecision:
        """Count one request and decide whether it is allowed."""
        with self._lock:
            now = self.clock()
            self._roll(now)
            if self._forced > 0:
                self._forced -= 1
                self.forced_served += 1
                return RateDecision(False, self.limit, 0, self._forced_reset, forced=True)
            if self._used >= self.limit:
                self.over_limit += 1
                return RateDecision(False, self.limit, 0, self._reset(now))
            self._used += 1
            return RateDecision(True, self.limit, self.limit - self._used, self._reset(now))

    def consume(self, count: int) -> None:
        """Spend ``count`` requests of the current window (another tool using the key)."""
        with self._lock:
            self._roll(self.clock())
            self._used = min(self.limit, self._used + count)

    def force_throttle(self, count: int, reset: int = 1) -> None:
        """Answer the next ``count`` requests with 429 and ``X-Rate-Limit-Reset: reset``."""
        with self._lock:
            self._forced, self._forced_reset = count, reset
