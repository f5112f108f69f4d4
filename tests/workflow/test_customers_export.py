"""ACCEPTANCE: ``oc-bridge customers export`` streams customers to CSV or JSON."""

from __future__ import annotations

import csv
import json

from workflow_bridge import WorkflowBridge, assert_ok

from oc_bridge.engine.customers import CUSTOMER_COLUMNS


def test_export_csv_to_a_file_and_json_per_channel(bridge: WorkflowBridge) -> None:
    everyone = bridge.sandbox.state.customers
    target = bridge.root / "customers.csv"
    result = bridge.run("customers", "export", "--format", "csv", "--output", str(target))
    assert_ok(result)
    with target.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == CUSTOMER_COLUMNS
    assert {r["customer_id"] for r in rows} == {c.id for c in everyone}
    assert f"{len(everyone)} customer(s) exported" in result.stderr
    assert not list(bridge.root.glob(".customers.csv*"))  # written atomically

    portal = {c.id for c in everyone if c.channel == "PORTAL"}
    result = bridge.run("customers", "export", "--channel", "PORTAL", "--format", "json")
    assert_ok(result)
    items = json.loads(result.stdout)
    assert {i["customer_id"] for i in items} == portal
    assert all(i["channel"] == "PORTAL" for i in items)


def test_to_adapters_needs_an_adapter_with_the_capability(bridge: WorkflowBridge) -> None:
    result = bridge.run("customers", "export", "--to-adapters")
    assert_ok(result, 1)
    assert "no adapter instance has the customers capability" in result.stderr
