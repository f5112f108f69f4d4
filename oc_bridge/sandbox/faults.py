"""Fault injection for the GraphQL endpoint: 5xx answers, 429 with ``Retry-After``, latency.

Draws come from a ``random.Random`` seeded from the sandbox seed, so a sequential client sees
the same faults on every run. Rates and latency can be changed while the sandbox runs.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["Fault", "FaultInjector"]

_5XX_BODIES: tuple[tuple[int, str, bytes], ...] = (
    (
        500,
        "application/json",
        json.dumps({"errors": [{"message": "Internal server error"}]}).encode(),
    ),
    (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    (503, "text/plain", b"Service Temporarily Unavailable"),
)


@dataclass(frozen=True)
class Fault:
    """An answer to send instead of running the request."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class FaultInjector:
    """Decides, per GraphQL request, whether to misbehave and how long to stall first."""

    def __init__(self, seed: int, rate_5xx: float, rate_429: float, latency_ms: int) -> None:
        self._rng = random.Random(f"faults:{seed}")
        self._lock = threading.Lock()
        self.rate_5xx = rate_5xx
        self.rate_429 = rate_429
        self.latency_ms = latency_ms

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change ``fault_5xx_rate``, ``fault_429_rate`` and/or ``latency_ms``; returns all three.

        Raises ``ValueError`` for unknown keys or values out of range (rates 0..1, latency >= 0).
        """
        allowed = {
            "fault_5xx_rate": "rate_5xx",
            "fault_429_rate": "rate_429",
            "latency_ms": "latency_ms",
        }
        unknown = set(changes) - set(allowed)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        for key, value in changes.items():
            number = float(value)
            if key == "latency_ms":
                if number < 0:
                    raise ValueError("latency_ms must be >= 0")
            elif not 0.0 <= number <= 1.0:
                raise ValueError(f"{key} must be between 0 and 1")
        with self._lock:
            for key, value in changes.items():
                attr = allowed[key]
                setattr(self, attr, int(value) if attr == "latency_ms" else float(value))
        return self.settings()

    def settings(self) -> dict[str, Any]:
        """Current rates and latency."""
        with self._lock:
            return {
                "fault_5xx_rate": self.rate_5xx,
                "fault_429_rate": self.rate_429,
                "latency_ms": self.latency_ms,
            }

    def latency_seconds(self) -> float:
        """Delay to add before answering."""
        with self._lock:
            return self.latency_ms / 1000.0

    def draw(self) -> Fault | None:
        """A fault to answer with, or ``None`` to serve the request normally."""
        with self._lock:
            if self.rate_5xx <= 0 and self.rate_429 <= 0:
                return None
            roll = self._rng.random()
            if roll < self.rate_5xx:
                status, content_type, body = self._rng.choice(_5XX_BODIES)
                return Fault(status, content_type, body)
            if roll < self.rate_5xx + self.rate_429:
                body = json.dumps({"errors": [{"message": "Too many requests"}]}).encode()
                return Fault(429, "application/json", body, (("Retry-After", "1"),))
            return None
