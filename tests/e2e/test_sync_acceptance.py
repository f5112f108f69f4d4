"""ACCEPTANCE: ``oc-bridge sync`` as a subprocess against the sandbox with the CSV adapter.

Nothing is lost and nothing is done twice: every confirmed, uncancelled order with something
left to ship becomes exactly one order file per revision; unconfirmed and cancelled ones never
do; every dropped parcel becomes exactly one shipped Orderchamp shipment — across repeated
runs, re-dropped files and kills at the most dangerous moments.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest
from e2e_bridge import Bridge

from oc_bridge.faults import CRASH_EXIT_CODE
from oc_bridge.orderchamp.client import OrderchampClient

pytestmark = pytest.mark.slow


def orders(bridge: Bridge) -> list[dict[str, Any]]:
    """Every order of the sandbox in full (fields, lines, shipments)."""
    with OrderchampClient(bridge.sandbox.url, "t", throttle=False) as client:
        ids = [o.id for o in client.iter_orders(include_unconfirmed=True,
                                                include_cancelled=True, with_lines=False)]
    return [bridge.sandbox.get_order(order_id) for order_id in ids]


def exportable(bridge: Bridge) -> set[str]:
    return {o["id"] for o in orders(bridge)
            if o["isConfirmed"] and not o["isCancelled"]
            and o["status"] not in ("CANCELLED", "CANCELLATION_REQUESTED")
            and any(p["unshippedQuantity"] > 0 for p in o["products"])}


def parcel(order: dict[str, Any], *, tracked: bool = True,
           lines: list[dict[str, Any]] | None = None) -> list[dict[str, object]]:
    """Shipment rows for one parcel of ``order`` (by default every line in full)."""
    return [{
        "order_number": order["number"], "sku": line["sku"],
        "quantity": line["unshippedQuantity"], "carrier": "PostNL",
        "tracking_number": f"3S{order['number'][-4:]}NL" if tracked else "",
        "tracking_url": "https://postnl.nl/t" if tracked else "",
        "shipped_at": "2026-11-27T10:15:00Z",
        "estimated_transit_days": "" if tracked else "2",
    } for line in (lines or order["products"])]


def assert_ok(result: Any, code: int = 0) -> None:
    assert result.returncode == code, f"rc {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_two_runs_export_once_and_report_each_parcel_once(bridge: Bridge) -> None:
    expected = exportable(bridge)
    everyone = orders(bridge)
    first = bridge.run("sync", "--json")
    assert_ok(first)
    summary = json.loads(first.stdout)
    assert summary["exported"] == len(expected) and summary["exit_code"] == 0
    files = bridge.order_files()
    assert {order_id for order_id, _ in files} == expected
    assert all(count == 1 for count in files.values())
    never = {o["id"] for o in everyone if not o["isConfirmed"] or o["isCancelled"]}
    assert never and not never & {order_id for order_id, _ in files}

    exported = [o for o in everyone if o["id"] in expected]
    full, partial = exported[0], exported[1]
    bridge.drop_shipments("ship-1.csv", parcel(full) + parcel(
        partial, tracked=False, lines=partial["products"][:1]))
    second = bridge.run("sync", "--json")
    assert_ok(second)
    assert json.loads(second.stdout)["shipments_reported"] == 2
    assert bridge.order_files() == files  # nothing exported twice
    after_full = bridge.sandbox.get_order(full["id"])
    [shipment] = after_full["shipments"]
    assert shipment["isShipped"] and shipment["isTracked"]
    assert after_full["status"] == "AWAITING_DELIVERY"
    [untracked] = bridge.sandbox.get_order(partial["id"])["shipments"]
    assert (untracked["isTracked"], untracked["estimatedTransitDays"]) == (False, 2)
    assert (bridge.inbound / "processed" / "ship-1.csv").is_file()

    assert_ok(bridge.run("sync"))  # a run with nothing new changes nothing
    bridge.drop_shipments("ship-1-again.csv", parcel(full) + parcel(
        partial, tracked=False, lines=partial["products"][:1]))
    again = bridge.run("sync", "--json")
    assert_ok(again)
    assert json.loads(again.stdout)["duplicates_skipped"] == 2
    assert len(bridge.sandbox.get_order(full["id"])["shipments"]) == 1
    assert len(bridge.sandbox.get_order(partial["id"])["shipments"]) == 1
    assert bridge.order_files() == files

    status = bridge.run("status", "--json")
    assert_ok(status)
    counts = json.loads(status.stdout)["counts"]
    assert counts["exports"] == {"exported": len(expected)}
    assert counts["shipments"] == {"shipped": 2}


def test_crash_after_export_leaves_one_file_per_revision(bridge: Bridge) -> None:
    crashed = bridge.run("sync", crash_at="after_export")
    assert crashed.returncode == CRASH_EXIT_CODE
    assert sum(bridge.order_files().values()) == 1
    assert_ok(bridge.run("sync"))
    files = bridge.order_files()
    assert {order_id for order_id, _ in files} == exportable(bridge)
    assert all(count == 1 for count in files.values())


@pytest.mark.parametrize("crash_at", ["after_shipment_create", "after_shipment_created"])
def test_crash_around_shipment_create_leaves_no_duplicate(bridge: Bridge, crash_at: str) -> None:
    assert_ok(bridge.run("sync"))
    target = next(o for o in orders(bridge) if o["id"] in exportable(bridge))
    bridge.drop_shipments("ship.csv", parcel(target))
    crashed = bridge.run("sync", crash_at=crash_at)
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    [made] = bridge.sandbox.get_order(target["id"])["shipments"]
    assert not made["isShipped"]  # created, not shipped: the kill came in between
    resumed = bridge.run("sync", "--json")
    assert_ok(resumed)
    assert json.loads(resumed.stdout)["shipments_reported"] == 1
    [shipment] = bridge.sandbox.get_order(target["id"])["shipments"]
    assert shipment["id"] == made["id"] and shipment["isShipped"]
    assert (bridge.inbound / "processed" / "ship.csv").is_file()
    assert_ok(bridge.run("sync"))
    assert len(bridge.sandbox.get_order(target["id"])["shipments"]) == 1


def test_bad_shipment_row_exits_4_and_is_parked(bridge: Bridge) -> None:
    assert_ok(bridge.run("sync"))
    target = next(o for o in orders(bridge) if o["id"] in exportable(bridge))
    line = target["products"][0]
    rows = parcel(target, lines=[line])
    rows[0]["quantity"] = line["unshippedQuantity"] + 5
    bridge.drop_shipments("bad.csv", rows)
    result = bridge.run("sync")
    assert_ok(result, 4)
    reason = (f"line {line['sku']}: quantity {line['unshippedQuantity'] + 5} exceeds "
              f"unshipped {line['unshippedQuantity']} on order {target['number']}")
    assert reason in result.stdout
    assert bridge.sandbox.get_order(target["id"])["shipments"] == []
    assert reason in (bridge.inbound / "failed" / "bad.csv.errors.txt").read_text()
    parked = bridge.run("parked", "--json")
    assert_ok(parked)
    [item] = json.loads(parked.stdout)["items"]
    assert (item["kind"], item["instance"], item["reason"]) == ("shipment", "csv", reason)
    listing = bridge.run("parked")
    assert f"#{item['id']}" in listing.stdout and reason in listing.stdout
    retried = bridge.run("retry", str(item["id"]), "--json")  # still wrong: stays parked
    assert_ok(retried, 4)
    assert json.loads(retried.stdout)["parked_reasons"] == [reason]
    assert [p["id"] for p in json.loads(bridge.run("parked", "--json").stdout)["items"]] \
        == [item["id"]]
    assert bridge.sandbox.get_order(target["id"])["shipments"] == []


def test_dry_run_changes_nothing(bridge: Bridge) -> None:
    result = bridge.run("sync", "--dry-run", "--json")
    assert_ok(result)
    summary = json.loads(result.stdout)
    assert summary["dry_run"] and summary["exported"] == len(exportable(bridge))
    assert len(summary["planned"]) == summary["exported"]
    assert not bridge.outbound.exists() or not list(bridge.outbound.iterdir())
    status = json.loads(bridge.run("status", "--json").stdout)
    assert status["counts"]["exports"] == {} and status["activity"] == []


def test_configuration_and_plugin_problems(bridge: Bridge) -> None:
    broken = bridge.root / "broken.toml"
    broken.write_text(bridge.config.read_text().replace('token = "sandbox-token"', ""))
    result = bridge.run("sync", config=broken)
    assert_ok(result, 2)
    assert "orderchamp.token" in result.stderr
    broken.write_text(bridge.config.read_text() + "\n[adapters.nowhere]\ntype = \"ftp\"\n")
    assert_ok(bridge.run("sync", config=broken), 3)
    shutil.copy(bridge.config, broken)
    broken.write_text(broken.read_text().replace("[sync]", "[sync]\nunknown_key = 1"))
    assert_ok(bridge.run("sync", config=broken), 2)
