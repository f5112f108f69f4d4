"""Workflow fixtures: an in-process sandbox over HTTP (no generated orders, so every order a
test looks at is one it created) and a CSV installation with stock and invoice folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from workflow_bridge import FAST, WorkflowBridge

from oc_bridge.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[WorkflowBridge]:
    config = SandboxConfig(orders=0, seed=5, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, **FAST)
    with Sandbox(config) as sandbox:
        installation = WorkflowBridge(root=tmp_path, sandbox=sandbox)
        installation.write_config()
        yield installation
