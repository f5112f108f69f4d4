"""Progress of long runs: a redrawn bar on a terminal, a periodic log line otherwise."""

from __future__ import annotations

import io
import logging

import pytest

from oc_bridge.cli.progress import LogProgress, TerminalProgress, progress_for
from oc_bridge.orderchamp.execution import ClientStats


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _stats() -> ClientStats:
    return ClientStats(points_spent=1234, throttle_wait_seconds=17.0)


def test_a_terminal_gets_a_bar_with_total_eta_and_budget() -> None:
    stream = Tty()
    bar = progress_for(stream, True, _stats)
    assert isinstance(bar, TerminalProgress)
    bar.start("reconcile", 200)
    for done in range(1, 201):
        bar.advance(done, f"reconcile: {done} orders seen, 3 exported")
    bar.finish("reconcile: 200 orders seen, 3 exported")
    text = stream.getvalue()
    assert "reconcile" in text and "/200" in text and "\r" in text
    assert "1234 API points" in text and "17 s waited for the budget" in text
    assert text.endswith("reconcile: 200 orders seen, 3 exported\n")


def test_without_a_terminal_one_log_line_every_interval(caplog: pytest.LogCaptureFixture,
                                                        ) -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = LogProgress(stream, _stats, every=10.0, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="oc_bridge.cli.progress")
    progress.start("reconcile", 100)
    for done in range(1, 101):
        now[0] += 0.5  # 50 s in all: five lines
        progress.advance(done, f"reconcile: {done} orders seen")
    progress.finish("reconcile: 100 orders seen")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 5 and stream.getvalue() == "reconcile: 100 orders seen\n"
    assert lines[0].startswith("reconcile: 20 orders seen [20/100, about 40 s left]")
    assert "1234 API points" in lines[0]
    assert isinstance(progress_for(io.StringIO(), False, _stats), LogProgress)
