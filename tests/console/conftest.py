"""Fixtures: a sandbox with webhooks, and a daemon installation with the console switched on
(password log-in as ``admin``), run as ``oc-bridge run`` in a subprocess."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "daemon"))
sys.path.insert(0, str(Path(__file__).parent))

from console_helpers import FAST, SCREENSHOTS, MakeDaemon, console_config
from daemon_helpers import SECRET, Daemon

from oc_bridge.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=0, seed=5, throttle=False, webhook_secret=SECRET,
                           webhooks_enabled=True, large_order_rate=0.0,
                           webhook_retry_base=0.2, webhook_retry_max_delay=1.0,
                           webhook_max_attempts=30, **FAST)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def make_console_daemon(tmp_path: Path, sandbox: Sandbox) -> Iterator[MakeDaemon]:
    """Start a daemon with the console on (``console`` adds keys to ``[console]``;
    ``shipments_interval`` sets how often shipment files are read); the sandbox's webhooks
    point at it."""
    started: list[Daemon] = []

    def make(console: str = "", *, shipments_interval: int = 600, start: bool = True,
             name: str = "bridge") -> Daemon:
        installation = Daemon(root=tmp_path / name, sandbox=sandbox)
        installation.root.mkdir(parents=True, exist_ok=True)
        installation.write_config(console_config(console))
        text = installation.config.read_text(encoding="utf-8")
        installation.config.write_text(text.replace(
            "shipments_interval = 600", f"shipments_interval = {shipments_interval}"),
            encoding="utf-8")
        started.append(installation)
        if start:
            installation.start()
            installation.register()
        return installation

    yield make
    for installation in started:
        installation.stop()


@pytest.fixture
def console_daemon(make_console_daemon: MakeDaemon) -> Daemon:
    """A started daemon with the console on (password log-in as ``admin``)."""
    return make_console_daemon()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the browser tests left their screenshots (for review)."""
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"console screenshots: {SCREENSHOTS}")
