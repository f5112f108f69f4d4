"""Client-side pacing of ShipStation V1 calls, so the adapter never causes a 429 itself.

Two rules, both driven by an injectable ``clock``/``sleep``:

1. Read ``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset`` on every answer; when the
   remaining budget is at or below ``reserve``, the next call waits until the window resets
   (the budget is shared with every other tool on the same key pair, so slow down *before* it
   is spent).
2. Never send more than ``per_minute`` calls in any 60 seconds of our own (useful to leave a
   share of the budget to other tools).

A 429 still happens when another tool spends the budget; the shared HTTP layer then waits
``X-Rate-Limit-Reset`` seconds and retries, and :meth:`observe` sees the 429's headers too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

__all__ = ["RateLimiter", "header_seconds"]

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0


def header_seconds(headers: Mapping[str, str], name: str) -> float | None:
    """A numeric header as float, or None when missing or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class RateLimiter:
    """Paces calls on one ShipStation key pair; thread-safe."""

    def __init__(self, *, per_minute: int = 40, reserve: int = 2,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = per_minute
        self.reserve = reserve
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._resume_at: float | None = None
        #: Seconds waited so far (for logs and tests).
        self.waited = 0.0
        #: The last rate-limit headers seen: ``limit``, ``remaining``, ``reset`` (strings).
        self.last_headers: dict[str, str] = {}

    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        log.info("ShipStation rate limit: waiting %.1f s (%s)", seconds, why)
        self.waited += seconds
        self.sleep(seconds)

    def before_request(self) -> None:
        """Block until a call may be sent, then count it."""
        with self._lock:
            if self._resume_at is not None:
                self._wait(self._resume_at - self.clock(), "budget nearly spent")
                self._resume_at = None
            now = self.clock()
            while self._sent and now - self._sent[0] >= WINDOW_SECONDS:
                self._sent.popleft()
            if len(self._sent) >= self.per_minute:
                self._wait(self._sent[0] + WINDOW_SECONDS - now, "requests_per_minute")
                now = self.clock()
                self._sent.popleft()
            self._sent.append(now)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the rate-limit headers of an answer (2xx or 429 alike)."""
        remaining = header_seconds(headers, "X-Rate-Limit-Remaining")
        reset = header_seconds(headers, "X-Rate-Limit-Reset")
        if remaining is None or reset is None:
            return
        with self._lock:
            self.last_headers = {
                "limit": headers.get("X-Rate-Limit-Limit", "?"),
                "remaining": headers.get("X-Rate-Limit-Remaining", "?"),
                "reset": headers.get("X-Rate-Limit-Reset", "?"),
            }
            if remaining <= self.reserve:
                resume = self.clock() + reset
                self._resume_at = max(resume, self._resume_at or resume)
