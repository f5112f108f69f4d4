"""Fixtures: a sandbox with webhooks switched on and a daemon installation in tmp_path."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from daemon_helpers import SECRET, Daemon

from oc_bridge.sandbox import Sandbox, SandboxConfig

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=0, seed=5, throttle=False, webhook_secret=SECRET,
                           webhooks_enabled=True, large_order_rate=0.0,
                           webhook_retry_base=0.2, webhook_retry_max_delay=1.0,
                           webhook_max_attempts=30, **FAST)
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def daemon(tmp_path: Path, sandbox: Sandbox) -> Iterator[Daemon]:
    installation = Daemon(root=tmp_path, sandbox=sandbox)
    installation.write_config()
    yield installation
    installation.stop()
