"""ACCEPTANCE (issue 15, mapping): ``oc-bridge run`` as a subprocess, orders arriving by signed
webhooks from the sandbox: mapped SKUs to the warehouse, an unmapped one parked, shipments in
warehouse SKUs reported with the mapped carrier, their method and weight; the unmapped-carrier
counter on /metrics."""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest
from daemon_helpers import Daemon, wait_for

pytestmark = pytest.mark.slow

COLUMNS = ["order_number", "sku", "quantity", "carrier", "tracking_number", "tracking_url",
           "shipped_at", "method", "weight"]


def exported_skus(daemon: Daemon, order_id: str) -> list[str]:
    skus: list[str] = []
    for path in sorted(daemon.outbound.glob("orders-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            skus += [row["sku"] for row in csv.DictReader(handle) if row["order_id"] == order_id]
    return skus


def unconfirmed(daemon: Daemon, lines: int, avoid: set[str]) -> tuple[dict[str, Any], list[str]]:
    while True:
        order = daemon.sandbox.create_order(confirmed=False, lines=lines)
        skus = [p["sku"] for p in daemon.sandbox.get_order(order["id"])["products"]]
        if len(set(skus)) == lines and not set(skus) & avoid:
            return order, skus


def test_daemon_maps_skus_carriers_method_and_weight(daemon: Daemon) -> None:
    mapped, (mug, cup) = unconfirmed(daemon, 2, set())
    unmapped, skus = unconfirmed(daemon, 1, {mug, cup})
    sku_file = daemon.root / "skus.csv"
    sku_file.write_text(f"orderchamp_sku,warehouse_sku\n{mug},W-1\n{cup},W-2\n",
                        encoding="utf-8")
    text = daemon.config.read_text(encoding="utf-8").replace(
        "shipments_interval = 600",
        f'shipments_interval = 1\nsku_map_file = "{sku_file}"\nrequire_sku_map = true\n'
        'shipment_method = "ORDERCHAMP"\n'
        '[sync.carriers.postnl]\nname = "PostNL"\ntracking_url = "https://t.example/{tracking}"')
    daemon.config.write_text(text, encoding="utf-8")
    daemon.start()
    daemon.register()
    daemon.sandbox.confirm_order(mapped["id"])
    daemon.sandbox.confirm_order(unmapped["id"])
    assert wait_for(lambda: sorted(exported_skus(daemon, mapped["id"])) == ["W-1", "W-2"], 30), \
        daemon.log()

    def parked() -> list[dict[str, Any]]:
        result = daemon.cli("parked", "--json")
        assert result.returncode == 0, result.stderr
        return [i for i in json.loads(result.stdout)["items"] if i["reference"] == unmapped["id"]]

    assert wait_for(lambda: bool(parked()), 30), daemon.log()
    assert skus[0] in parked()[0]["reason"] and exported_skus(daemon, unmapped["id"]) == []

    lines = {p["sku"]: p["quantity"] for p in daemon.sandbox.get_order(mapped["id"])["products"]}
    inbound = daemon.root / "in"
    inbound.mkdir(exist_ok=True)
    with (inbound / ".ship.tmp").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow({"order_number": mapped["number"], "sku": "W-1", "quantity": lines[mug],
                         "carrier": "postnl", "tracking_number": "3S1", "method": "",
                         "shipped_at": "2026-11-27", "weight": "900"})
        writer.writerow({"order_number": mapped["number"], "sku": "W-2", "quantity": lines[cup],
                         "carrier": "bpost", "tracking_number": "BP2", "tracking_url": "",
                         "shipped_at": "2026-11-27", "method": "ship-yourself", "weight": ""})
    (inbound / ".ship.tmp").replace(inbound / "ship.csv")

    def shipped() -> dict[str, dict[str, Any]]:
        return {s["trackingNumber"]: s for s in
                daemon.sandbox.get_order(mapped["id"])["shipments"] if s["isShipped"]}

    assert wait_for(lambda: len(shipped()) == 2, 30), daemon.log()
    postnl, bpost = shipped()["3S1"], shipped()["BP2"]
    assert (postnl["carrier"], postnl["trackingUrl"], postnl["method"], postnl["weight"]) == (
        "PostNL", "https://t.example/3S1", "ORDERCHAMP", 900)
    assert (bpost["carrier"], bpost["trackingUrl"], bpost["method"], bpost["weight"]) == (
        "bpost", None, "SHIP_YOURSELF", None)
    # counted when the shipments job's run ends, a moment after Orderchamp shows the parcel
    assert wait_for(lambda: daemon.metric("oc_bridge_unmapped_carriers_total") == 1, 15)
    assert daemon.metric('oc_bridge_held_orders{kind="manual"}') == 0
    assert daemon.terminate() == 0
