"""ACCEPTANCE (issue 15, holds): ``oc-bridge`` as a subprocess against the sandbox with the CSV
adapter: ``sync.hold_minutes`` and ``orders hold|release``, shown in ``status``."""

from __future__ import annotations

import json
import time

import pytest
from e2e_bridge import Bridge

pytestmark = pytest.mark.slow


def ok(result, code: int = 0):  # type: ignore[no-untyped-def]
    assert result.returncode == code, f"rc {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def exported(bridge: Bridge, order_id: str) -> int:
    return sum(n for (oid, _), n in bridge.order_files().items() if oid == order_id)


def test_hold_minutes_holds_a_fresh_order_back_until_its_time(bridge: Bridge) -> None:
    config = bridge.config.read_text().replace("default_transit_days = 3",
                                               "default_transit_days = 3\nhold_minutes = 60")
    bridge.config.write_text(config)
    ok(bridge.run("sync"))  # the seeded history was confirmed long ago: it goes at once
    order = bridge.sandbox.create_order(confirmed=True, lines=2)
    first = json.loads(ok(bridge.run("sync", "--json")).stdout)
    assert exported(bridge, order["id"]) == 0
    # (seeded orders confirmed in the last hour wait too)
    [held] = [h for h in first["held_back"] if h["order_id"] == order["id"]]
    assert held["number"] == order["number"] and held["until"]
    status = json.loads(ok(bridge.run("status", "--json")).stdout)
    assert order["id"] in [w["order_id"] for w in status["waiting"]]
    assert f"order {order['number']} (due " in ok(bridge.run("status")).stdout
    ok(bridge.run("sync"))
    assert exported(bridge, order["id"]) == 0
    # Its time comes (here: a hold of 0.01 minutes, long over). The order did not change in
    # Orderchamp and lies behind the cursor: its waiting row brings it back.
    time.sleep(0.7)
    second = json.loads(ok(bridge.run("--set", "sync.hold_minutes=0.01", "sync",
                                      "--json")).stdout)
    assert second["exported"] >= 1 and exported(bridge, order["id"]) == 1
    assert json.loads(ok(bridge.run("status", "--json")).stdout)["waiting"] == []
    ok(bridge.run("sync"))
    assert exported(bridge, order["id"]) == 1


def test_orders_hold_and_release_through_the_cli(bridge: Bridge) -> None:
    ok(bridge.run("sync"))
    order = bridge.sandbox.create_order(confirmed=False, lines=1)
    dry = json.loads(ok(bridge.run("orders", "hold", order["id"], "--reason", "fraud check",
                                   "--dry-run", "--json")).stdout)
    assert dry["dry_run"] and not dry["changed"]
    assert json.loads(ok(bridge.run("status", "--json")).stdout)["held"] == []
    held = json.loads(ok(bridge.run("orders", "hold", order["id"], "--reason", "fraud check",
                                    "--actor", "alice", "--json")).stdout)
    assert held["changed"] and held["reason"] == "fraud check" and held["actor"] == "alice"
    bridge.sandbox.confirm_order(order["id"])
    summary = json.loads(ok(bridge.run("sync", "--json")).stdout)
    assert exported(bridge, order["id"]) == 0
    assert [h["number"] for h in summary["held_back"]] == [order["number"]]
    status = ok(bridge.run("status")).stdout
    assert "held (not exported until released): 1" in status
    assert "fraud check" in status and "by alice" in status
    [row] = json.loads(ok(bridge.run("status", "--json")).stdout)["held"]
    assert row["reason"] == "fraud check" and row["held_at"]
    ok(bridge.run("sync"))
    assert exported(bridge, order["id"]) == 0
    dry_release = ok(bridge.run("orders", "release", order["number"], "--dry-run"))
    assert "would release" in dry_release.stdout
    assert "released" in ok(bridge.run("orders", "release", order["number"])).stdout
    ok(bridge.run("sync"))
    assert exported(bridge, order["id"]) == 1
    again = bridge.run("orders", "release", order["id"])
    assert again.returncode == 1 and "is not held" in again.stderr
    assert json.loads(ok(bridge.run("status", "--json")).stdout)["held"] == []


def test_hold_needs_a_reason(bridge: Bridge) -> None:
    result = bridge.run("orders", "hold", "Order:1")
    assert result.returncode == 2 and "--reason" in result.stderr
