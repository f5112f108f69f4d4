"""The daemon over HTTP: a cancellation webhook reaches the CSV adapter, whose outcome is
recorded (accepted) or parked (rejected: the warehouse already shipped), counted in
/metrics; an edit after export is parked and applied by ``orders resync`` while it runs."""

from __future__ import annotations

import csv
import json

from daemon_helpers import Daemon, wait_for


def _drop_shipment(daemon: Daemon, order: dict, rows: list[dict]) -> None:
    inbound = daemon.root / "in"
    inbound.mkdir(parents=True, exist_ok=True)
    tmp = inbound / ".ship.tmp"
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["order_number", "sku", "quantity",
                                                    "carrier", "tracking_number",
                                                    "tracking_url", "shipped_at"])
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(inbound / f"ship-{order['number']}.csv")


def _parked(daemon: Daemon) -> list[dict]:
    result = daemon.cli("parked", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["items"]


def test_cancellation_outcomes_and_repair_over_http(daemon: Daemon) -> None:
    daemon.start()
    daemon.register()
    sandbox = daemon.sandbox
    kept, shipped, edited = (sandbox.create_order(lines=1) for _ in range(3))
    ids = {o["id"] for o in (kept, shipped, edited)}
    assert wait_for(lambda: ids <= set(daemon.order_files()), 20), daemon.log()
    assert daemon.metric('oc_bridge_cancellations_total{outcome="rejected"}') == 0

    # accepted: the cancellation file is written and counted
    sandbox.cancel_order(kept["id"], reason="OUT_OF_STOCK")
    outbound = daemon.outbound
    assert wait_for(lambda: list(outbound.glob(f"cancel-*-{kept['number']}.csv")), 20), \
        daemon.log()
    assert wait_for(lambda: daemon.metric(
        'oc_bridge_cancellations_total{outcome="accepted"}') == 1, 10)

    # rejected: the warehouse's shipment file already lists the order
    lines = sandbox.get_order(shipped["id"])["products"]
    _drop_shipment(daemon, shipped, [{"order_number": shipped["number"], "sku": line["sku"],
                                      "quantity": line["quantity"], "carrier": "PostNL",
                                      "tracking_number": "3S99", "tracking_url": "",
                                      "shipped_at": "2026-11-30T10:00:00Z"} for line in lines])
    sandbox.cancel_order(shipped["id"], reason="OUT_OF_STOCK")
    assert wait_for(lambda: daemon.metric(
        'oc_bridge_cancellations_total{outcome="rejected"}') == 1, 20), daemon.log()
    [item] = [p for p in _parked(daemon) if p["reference"] == shipped["id"]]
    assert "rejected the cancellation (too late)" in item["reason"]
    assert not list(outbound.glob(f"cancel-*-{shipped['number']}.csv"))
    assert "cancellation rejected" in daemon.log()

    # an edit after export is parked (the default), then applied by hand while it runs
    sandbox.update_order(edited["id"], note="ring twice")
    assert wait_for(lambda: any(p["reference"] == edited["id"] for p in _parked(daemon)), 20)
    assert not list(outbound.glob(f"orders-*-{edited['number']}-r2.csv"))
    result = daemon.cli("orders", "resync", edited["id"], "--on-change", "update")
    assert result.returncode == 0, result.stderr
    assert list(outbound.glob(f"orders-*-{edited['number']}-r2.csv"))
    history = json.loads(daemon.cli("orders", "history", edited["id"], "--json").stdout)
    assert [e["state"] for e in history["events"] if e["actor"]] == ["resync"]
    assert history["exports"][0]["revision"] == 2
