"""End-to-end fixtures: an in-process sandbox over HTTP and a bridge installation in tmp_path
with the real CSV adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_bridge import FAST, Bridge

from oc_bridge.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Bridge]:
    config = SandboxConfig(orders=16, seed=11, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, **FAST)
    with Sandbox(config) as sandbox:
        installation = Bridge(root=tmp_path, sandbox=sandbox)
        installation.write_config()
        yield installation
