"""Progress of long CLI runs (``sync``, ``stock sync``, ``customers export``).

On a terminal: a tqdm bar on stderr with items done/total, the ETA, and the Orderchamp API
points spent and seconds waited for the budget (at 50 points/s the budget, not the CPU, sets
the pace). Without a terminal (cron, CI, a log shipper): one INFO log line every
:data:`LOG_EVERY_SECONDS` with the same figures. Either way the result line ends on stderr.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TextIO

from tqdm import tqdm

from oc_bridge.engine.progress import ProgressReporter
from oc_bridge.orderchamp.execution import ClientStats

__all__ = ["LOG_EVERY_SECONDS", "LogProgress", "TerminalProgress", "progress_for"]

log = logging.getLogger(__name__)

#: Seconds between two progress lines in the log when stderr is not a terminal.
LOG_EVERY_SECONDS = 10.0

StatsSource = Callable[[], ClientStats] | None


def _budget(stats: StatsSource) -> str:
    if stats is None:
        return ""
    now = stats()
    return (f"{now.points_spent} API points, {now.throttle_wait_seconds:.0f} s waited for the "
            "budget")


class TerminalProgress:
    """A bar redrawn in place on ``stream`` (a terminal)."""

    def __init__(self, stream: TextIO, stats: StatsSource = None, unit: str = "order") -> None:
        self._stream = stream
        self._stats = stats
        self._unit = unit
        self._bar: tqdm[Any] | None = None

    def start(self, what: str, total: int | None) -> None:
        self._bar = tqdm(total=total, desc=what, unit=f" {self._unit}", file=self._stream,
                         dynamic_ncols=True, mininterval=0.25, leave=False)

    def advance(self, done: int, note: str) -> None:
        if self._bar is None:
            return
        if self._bar.total is not None and done > self._bar.total:
            self._bar.total = done  # orders changed while listed come twice
        self._bar.update(done - self._bar.n)
        budget = _budget(self._stats)
        self._bar.set_postfix_str(f"{note.split(': ', 1)[-1]}; {budget}" if budget else note,
                                  refresh=False)

    def finish(self, line: str) -> None:
        if self._bar is not None:
            self._bar.refresh()  # the last figures, even when the run was quicker than a redraw
            self._bar.close()
            self._bar = None
        self._stream.write(line + "\n")
        self._stream.flush()


class LogProgress:
    """A log line every ``every`` seconds; the result line at the end goes to ``stream``."""

    def __init__(self, stream: TextIO, stats: StatsSource = None,
                 every: float = LOG_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._stats = stats
        self._every = every
        self._clock = clock
        self._total: int | None = None
        self._started = self._last = clock()

    def start(self, what: str, total: int | None) -> None:
        self._total = total
        self._started = self._last = self._clock()

    def advance(self, done: int, note: str) -> None:
        now = self._clock()
        if now - self._last < self._every:
            return
        self._last = now
        of = f"{done}/{self._total}" if self._total else str(done)
        eta = ""
        if self._total and done and self._total > done:
            left = (now - self._started) / done * (self._total - done)
            eta = f", about {left:.0f} s left"
        budget = _budget(self._stats)
        log.info("%s [%s%s]%s", note, of, eta, f"; {budget}" if budget else "")

    def finish(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


def progress_for(stream: TextIO, is_tty: bool, stats: StatsSource = None,
                 unit: str = "order") -> ProgressReporter:
    """A bar on a terminal, periodic log lines otherwise."""
    if is_tty:
        return TerminalProgress(stream, stats, unit)
    return LogProgress(stream, stats)
