"""ACCEPTANCE (issue 15, mapping): ``oc-bridge`` as a subprocess against the sandbox with the CSV
adapter: the SKU map (file and table, reversed for shipments, a parked unmapped SKU), the
carrier map, and shipment method and parcel weight per shipment."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from e2e_bridge import Bridge

pytestmark = pytest.mark.slow

SHIPMENT_COLUMNS = ["order_number", "sku", "quantity", "carrier", "tracking_number",
                    "tracking_url", "shipped_at", "estimated_transit_days", "method", "weight"]


def ok(result: Any, code: int = 0) -> Any:
    assert result.returncode == code, f"rc {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def configure(bridge: Bridge, sync: str, csv_extra: str = "") -> None:
    text = bridge.config.read_text(encoding="utf-8")
    text = text.replace("default_transit_days = 3", "default_transit_days = 3\n" + sync)
    text = text.replace(f'inbound_dir = "{bridge.inbound}"',
                        f'inbound_dir = "{bridge.inbound}"\n{csv_extra}')
    bridge.config.write_text(text, encoding="utf-8")


def exported_skus(bridge: Bridge, order_id: str) -> list[str]:
    skus: list[str] = []
    for path in sorted(bridge.outbound.glob("orders-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            skus += [row["sku"] for row in csv.DictReader(handle) if row["order_id"] == order_id]
    return skus


def drop(bridge: Bridge, name: str, rows: list[dict[str, object]]) -> None:
    bridge.inbound.mkdir(parents=True, exist_ok=True)
    tmp = bridge.inbound / f".{name}.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHIPMENT_COLUMNS)
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in SHIPMENT_COLUMNS} for row in rows)
    tmp.replace(bridge.inbound / name)


def new_order(bridge: Bridge, lines: int) -> tuple[dict[str, Any], list[str]]:
    """A confirmed order of ``lines`` distinct catalogue SKUs, and those SKUs in line order."""
    while True:
        order = bridge.sandbox.create_order(confirmed=True, lines=lines)
        skus = [p["sku"] for p in bridge.sandbox.get_order(order["id"])["products"]]
        if len(set(skus)) == lines:
            return order, skus


def write_map(path: Path, pairs: dict[str, str]) -> None:
    path.write_text("orderchamp_sku,warehouse_sku\n"
                    + "".join(f"{k},{v}\n" for k, v in pairs.items()), encoding="utf-8")


def test_sku_map_carrier_map_method_and_weight_end_to_end(bridge: Bridge) -> None:
    ok(bridge.run("sync"))  # the seeded history, before any mapping
    order, (mug, cup) = new_order(bridge, 2)
    sku_file = bridge.root / "skus.csv"
    write_map(sku_file, {mug: "W-0001"})
    configure(bridge, f'sku_map_file = "{sku_file}"\n'
                      f'[sync.sku_map]\n"{cup}" = "W-0002"\n'
                      '[sync.carriers.postnl]\nname = "PostNL"\n'
                      'tracking_url = "https://t.example/{tracking}"\n',
              csv_extra='shipment_method = "SHIP_YOURSELF"')
    ok(bridge.run("sync"))
    assert sorted(exported_skus(bridge, order["id"])) == ["W-0001", "W-0002"]
    # The warehouse ships in its own SKUs: one parcel per line, each its own carrier/method.
    full = bridge.sandbox.get_order(order["id"])
    qty = {p["sku"]: p["quantity"] for p in full["products"]}
    drop(bridge, "ship-1.csv", [
        {"order_number": order["number"], "sku": "W-0001", "quantity": qty[mug],
         "carrier": "POSTNL", "tracking_number": "3SXYZ 1", "shipped_at": "2026-11-27",
         "method": "orderchamp", "weight": "1250"},
        {"order_number": order["number"], "sku": "W-0002", "quantity": qty[cup],
         "carrier": "gls", "tracking_number": "GLS77", "tracking_url": "https://gls.example/77",
         "shipped_at": "2026-11-27"}])
    summary = json.loads(ok(bridge.run("sync", "--json")).stdout)
    assert summary["shipments_reported"] == 2 and summary["unmapped_carriers"] == 1
    assert any("carrier 'gls' is not in [sync.carriers]" in w for w in summary["warnings"])
    shipments = {s["trackingNumber"]: s for s in bridge.sandbox.get_order(order["id"])
                 ["shipments"]}
    postnl, gls = shipments["3SXYZ 1"], shipments["GLS77"]
    assert (postnl["carrier"], postnl["trackingUrl"]) == ("PostNL",
                                                         "https://t.example/3SXYZ%201")
    assert (postnl["method"], postnl["weight"]) == ("ORDERCHAMP", 1250)
    assert (gls["carrier"], gls["trackingUrl"]) == ("gls", "https://gls.example/77")
    assert (gls["method"], gls["weight"]) == ("SHIP_YOURSELF", None)  # the instance default
    assert all(p["unshippedQuantity"] == 0
               for p in bridge.sandbox.get_order(order["id"])["products"])


def test_required_sku_map_parks_an_order_naming_the_sku_then_retry(bridge: Bridge) -> None:
    ok(bridge.run("sync"))  # history first, without the requirement
    order, (mug, plate) = new_order(bridge, 2)
    sku_file = bridge.root / "skus.csv"
    write_map(sku_file, {mug: "W-0001"})
    configure(bridge, f'sku_map_file = "{sku_file}"\nrequire_sku_map = true')
    summary = json.loads(ok(bridge.run("sync", "--json"), 4).stdout)
    assert summary["parked"] == 1 and plate in summary["parked_reasons"][0]
    assert exported_skus(bridge, order["id"]) == []  # never half an order
    parked = json.loads(ok(bridge.run("parked", "--json")).stdout)
    [item] = [i for i in parked["items"] if i["reference"] == order["id"]]
    assert plate in item["reason"] and mug not in item["reason"]
    write_map(sku_file, {mug: "W-0001", plate: "W-0009"})
    ok(bridge.run("retry", str(item["id"])))
    assert sorted(exported_skus(bridge, order["id"])) == ["W-0001", "W-0009"]


def test_required_carrier_map_parks_the_shipment_before_anything_is_created(
        bridge: Bridge) -> None:
    configure(bridge, 'require_carrier_map = true\n'
                      '[sync.carriers.postnl]\nname = "PostNL"\n')
    ok(bridge.run("sync"))
    order, (mug,) = new_order(bridge, 1)
    ok(bridge.run("sync"))
    line = bridge.sandbox.get_order(order["id"])["products"][0]
    drop(bridge, "ship-2.csv", [{"order_number": order["number"], "sku": mug,
                                 "quantity": line["quantity"], "carrier": "pigeon-post",
                                 "tracking_number": "P1", "shipped_at": "2026-11-27"}])
    summary = json.loads(ok(bridge.run("sync", "--json"), 4).stdout)
    assert summary["parked"] == 1 and "'pigeon-post' is not in [sync.carriers]" in \
        summary["parked_reasons"][0]
    assert bridge.sandbox.get_order(order["id"])["shipments"] == []


def test_bad_sku_map_file_is_a_configuration_error_naming_file_and_line(bridge: Bridge) -> None:
    sku_file = bridge.root / "skus.csv"
    sku_file.write_text("orderchamp_sku,warehouse_sku\nA,W1\nA,W2\nB,\n", encoding="utf-8")
    configure(bridge, f'sku_map_file = "{sku_file}"')
    for command in (("config", "check"), ("sync",)):
        result = bridge.run(*command)
        assert result.returncode == 2, result.stderr
        assert f"{sku_file}:3: orderchamp_sku 'A' is given twice (first on line 2)" in \
            result.stderr + result.stdout
        assert f"{sku_file}:4: empty warehouse_sku" in result.stderr + result.stdout
    sku_file.write_text("sku,target\nA,W1\n", encoding="utf-8")
    result = bridge.run("config", "check")
    assert result.returncode == 2 and f"{sku_file}:1: the header must name" in \
        result.stderr + result.stdout


def test_a_bad_method_or_weight_in_the_shipment_file_is_parked_with_the_row(
        bridge: Bridge) -> None:
    ok(bridge.run("sync"))
    order, (mug,) = new_order(bridge, 1)
    ok(bridge.run("sync"))
    drop(bridge, "ship-3.csv", [{"order_number": order["number"], "sku": mug,
                                 "quantity": 1, "carrier": "x", "tracking_number": "T",
                                 "shipped_at": "2026-11-27", "method": "pigeon",
                                 "weight": "1.5kg"}])
    summary = json.loads(ok(bridge.run("sync", "--json"), 4).stdout)
    reason = summary["parked_reasons"][0]
    assert "method: shipment method 'pigeon' is not one of" in reason
    assert "weight" in reason
    assert bridge.sandbox.get_order(order["id"])["shipments"] == []
