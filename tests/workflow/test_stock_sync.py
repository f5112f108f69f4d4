"""ACCEPTANCE: ``oc-bridge stock sync`` pushes 5,000 SKUs in at most 50 mutations (absolute
SET), nothing when unchanged, and reports an unknown SKU once instead of retrying it forever."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from workflow_bridge import FAST, WorkflowBridge

from oc_bridge.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def big(tmp_path: Path) -> Iterator[WorkflowBridge]:
    config = SandboxConfig(orders=0, seed=7, throttle=False, webhooks_enabled=False,
                           catalogue_size=5000, **FAST)
    with Sandbox(config) as sandbox:
        installation = WorkflowBridge(root=tmp_path, sandbox=sandbox)
        installation.write_config()
        yield installation


def _mutations(bridge: WorkflowBridge) -> int:
    return int(bridge.sandbox.stats["inventory_mutations"])


def _quantity(bridge: WorkflowBridge, sku: str) -> int:
    variant = bridge.sandbox.state.variants_by_sku[sku]
    return sum(level.quantity for level in variant.inventory_levels)


def test_5000_skus_in_50_mutations_then_none(big: WorkflowBridge) -> None:
    skus = [v.sku for v in big.sandbox.state.variants]
    assert len(skus) == 5000
    figures = {sku: (i * 7) % 300 for i, sku in enumerate(skus)}
    big.write_stock(figures)

    dry = big.run_json("stock", "sync", "--dry-run", "--json")
    assert (dry["read"], dry["changed"], dry["mutations"]) == (5000, 5000, 50)
    assert _mutations(big) == 0

    first = big.run_json("stock", "sync", "--json")
    assert (first["read"], first["changed"], first["pushed"]) == (5000, 5000, 5000)
    assert first["mutations"] == 50 and _mutations(big) == 50
    assert all(_quantity(big, sku) == figures[sku] for sku in skus[::97])

    second = big.run_json("stock", "sync", "--json")
    assert (second["changed"], second["unchanged"], second["mutations"]) == (0, 5000, 0)
    assert _mutations(big) == 50

    figures[skus[10]] = 999
    big.write_stock(figures)
    third = big.run_json("stock", "sync", "--json")
    assert (third["changed"], third["pushed"], third["mutations"]) == (1, 1, 1)
    assert _quantity(big, skus[10]) == 999


def test_unknown_sku_is_reported_once_and_not_retried_every_run(bridge: WorkflowBridge) -> None:
    known = bridge.sandbox.state.variants[0].sku
    bridge.write_stock({known: 12, "NO-SUCH-SKU": 5})
    first = bridge.run_json("stock", "sync", "--json")
    assert first["pushed"] == 1 and first["mutations"] == 1
    assert [(u["sku"], u["available"]) for u in first["unknown"]] == [("NO-SUCH-SKU", 5)]
    assert "Unknown SKU" in first["unknown"][0]["message"]
    assert first["exit_code"] == 0

    second = bridge.run_json("stock", "sync", "--json")
    assert (second["mutations"], second["still_rejected"], second["unknown"]) == (0, 1, [])

    bridge.write_stock({known: 12, "NO-SUCH-SKU": 6})  # a new figure: tried once more
    third = bridge.run_json("stock", "sync", "--json")
    assert third["mutations"] == 1 and [u["sku"] for u in third["unknown"]] == ["NO-SUCH-SKU"]
    text = bridge.run("stock", "sync")
    assert "rejected before and unchanged (not resent): 1" in text.stdout
