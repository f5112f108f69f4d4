"""Client-side pacing of calls to a rate-limited service, so an adapter never causes a 429.

One limiter for every adapter (ShipStation, REST warehouses). Two rules, both driven by an
injectable ``clock``/``sleep``:

1. Never send more than ``requests`` calls in any ``per_seconds`` window of our own
   (a sliding window).
2. When the service says (``remaining_header``) that its budget is at or below ``reserve``,
   wait until its window resets (``reset_header``, seconds or epoch time; the whole window when
   the service does not say) before the next call — the budget may be shared with other tools.

A 429 still happens when another tool spends the budget; the shared HTTP layer then waits as
the server says (``Retry-After`` or a reset header) and retries. Given to
:class:`~oc_bridge.http.HttpClient` (``rate_limiter=``), the limiter sees every answer, errors
included, so a 429 that ends the retries still holds back the *next* call until the reset
(:meth:`RateLimiter.pause`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

__all__ = ["RateLimiter"]

log = logging.getLogger(__name__)


def _number(headers: Mapping[str, str], name: str | None) -> float | None:
    if not name:
        return None
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class RateLimiter:
    """Paces the calls of one adapter instance; thread-safe. ``waited`` sums the seconds
    slept (for logs and tests); ``last_headers`` holds the last rate-limit headers seen."""

    def __init__(self, *, requests: int, per_seconds: float = 60.0, service: str = "service",
                 limit_header: str | None = None,
                 remaining_header: str | None = None, reset_header: str | None = None,
                 reset_is_epoch: bool = False, reserve: int = 1,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.requests = requests
        self.service = service
        self.limit_header = limit_header
        self.per_seconds = per_seconds
        self.remaining_header = remaining_header
        self.reset_header = reset_header
        self.reset_is_epoch = reset_is_epoch
        self.reserve = reserve
        self.clock = clock
        self.wall_clock = wall_clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._resume_at: float | None = None
        self.waited = 0.0
        self.last_headers: dict[str, str] = {}

    def _wait(self, seconds: float, why: str) -> None:
        if seconds <= 0:
            return
        log.info("%s rate limit: waiting %.1f s (%s)", self.service, seconds, why)
        self.waited += seconds
        self.sleep(seconds)

    def before_request(self) -> None:
        """Block until a call may be sent, then count it."""
        with self._lock:
            if self._resume_at is not None:
                self._wait(self._resume_at - self.clock(), "budget nearly spent")
                self._resume_at = None
            now = self.clock()
            while self._sent and now - self._sent[0] >= self.per_seconds:
                self._sent.popleft()
            if len(self._sent) >= self.requests:
                self._wait(self._sent[0] + self.per_seconds - now,
                           f"{self.requests} requests per {self.per_seconds:g} s")
                now = self.clock()
                while self._sent and now - self._sent[0] >= self.per_seconds:
                    self._sent.popleft()
                if len(self._sent) >= self.requests:  # the sleep was cut short
                    self._sent.popleft()
            self._sent.append(now)

    def pause(self, seconds: float | None) -> None:
        """The service refused a call (429): send nothing for ``seconds`` from now (the whole
        window when it did not say how long). Kept after the caller gives up, so the next call
        waits instead of drawing another 429."""
        wait = self.per_seconds if seconds is None else max(0.0, seconds)
        with self._lock:
            resume = self.clock() + wait
            self._resume_at = max(resume, self._resume_at or resume)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the rate-limit headers of an answer (2xx or 429 alike)."""
        remaining = _number(headers, self.remaining_header)
        if remaining is not None:
            with self._lock:
                self.last_headers = {
                    "limit": headers.get(self.limit_header or "", "?"),
                    "remaining": headers.get(self.remaining_header or "", "?"),
                    "reset": headers.get(self.reset_header or "", "?"),
                }
        if remaining is None or remaining > self.reserve:
            return
        reset = _number(headers, self.reset_header)
        if reset is None:
            reset = self.per_seconds
        elif self.reset_is_epoch:
            reset = max(0.0, reset - self.wall_clock())
        with self._lock:
            resume = self.clock() + reset
            self._resume_at = max(resume, self._resume_at or resume)
