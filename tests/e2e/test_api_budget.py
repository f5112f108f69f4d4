"""Issue 13 through ``oc-bridge sync`` as a subprocess: only new or changed orders are fetched
in full, the API points are reported per order and per operation, and per-order log lines
appear only with ``-v``."""

from __future__ import annotations

import json
from typing import Any

from e2e_bridge import Bridge


def _sync(bridge: Bridge, *args: str) -> tuple[dict[str, Any], str]:
    result = bridge.run(*args, "sync", "--json")
    assert result.returncode in (0, 4), result.stderr
    return json.loads(result.stdout), result.stderr


def test_full_pass_over_unchanged_orders_costs_a_few_points_each(bridge: Bridge) -> None:
    first, log = _sync(bridge)
    api = first["api"]
    assert first["exported"] > 0 and first["orders_fetched"] >= first["exported"]
    assert api["points_spent"] == sum(op["points"] for op in api["by_operation"].values())
    assert {"OrdersCount", "OrderChanges", "OrderLean"} <= set(api["by_operation"])
    assert "OrdersPage" not in api["by_operation"]  # no full-detail listing any more
    assert api["points_per_order"] == round(api["points_spent"] / first["orders_seen"], 1)
    assert "submitting revision" not in log  # per-order lines need -v

    again, _ = _sync(bridge)  # incremental: the overlap re-lists, nothing is fetched again
    assert again["orders_fetched"] == 0 and again["exported"] == 0
    rerun = bridge.run("sync", "--full", "--json")
    unchanged = json.loads(rerun.stdout)
    assert unchanged["orders_fetched"] == 0 and unchanged["orders_seen"] == first["orders_seen"]
    assert unchanged["api"]["points_per_order"] <= 8

    edited = next(iter(bridge.sandbox.state.orders_by_id))
    bridge.sandbox.update_order(edited, note="please ring twice")
    changed, _ = _sync(bridge)
    assert changed["orders_fetched"] == 1


def test_per_order_lines_with_verbose(bridge: Bridge) -> None:
    _, log = _sync(bridge, "-v")
    assert "submitting revision" in log
