"""ACCEPTANCE: ``sync.auto_confirm = "when-in-stock"`` and invoices handed to the CSV adapter
once each, through ``oc-bridge sync``/``status``/``invoices list`` as subprocesses."""

from __future__ import annotations

import csv

from workflow_bridge import WorkflowBridge, assert_ok


def _skus(bridge: WorkflowBridge, count: int) -> list[str]:
    return [v.sku for v in bridge.sandbox.state.variants[:count]]


def test_in_stock_confirmed_and_exported_short_left_and_reported(bridge: WorkflowBridge) -> None:
    bridge.write_config(sync='auto_confirm = "when-in-stock"')
    plenty, scarce = _skus(bridge, 2)
    bridge.write_stock({plenty: 1000, scarce: 0})
    in_stock = bridge.sandbox.create_order(confirmed=False, skus=[plenty])
    short = bridge.sandbox.create_order(confirmed=False, skus=[scarce])
    needed = bridge.order(short["id"])["products"][0]["quantity"]

    summary = bridge.run_json("sync", "--json")
    assert summary["confirmed"] == 1 and summary["exported"] == 1
    assert bridge.order(in_stock["id"])["isConfirmed"]
    assert bridge.exported_ids() == {in_stock["id"]}
    assert not bridge.order(short["id"])["isConfirmed"]
    assert summary["awaiting_stock"] == [{
        "order_id": short["id"], "number": short["number"],
        "short_lines": [{"sku": scarce, "needed": needed, "available": 0}]}]
    status = bridge.run_json("status", "--json")
    assert [(a["order_number"], a["short_lines"]) for a in status["awaiting_stock"]] == [
        (short["number"], [{"sku": scarce, "needed": needed, "available": 0}])]
    text = bridge.run("status")
    assert f"order {short['number']}" in text.stdout and f"{scarce} needs {needed}, has 0" \
        in text.stdout

    # Stock arrives: the next run re-checks the waiting order even though it did not change.
    bridge.write_stock({plenty: 1000, scarce: needed})
    summary = bridge.run_json("sync", "--json")
    assert summary["confirmed"] == 1 and summary["awaiting_stock"] == []
    assert bridge.order(short["id"])["isConfirmed"]
    assert bridge.exported_ids() == {in_stock["id"], short["id"]}
    assert bridge.run_json("status", "--json")["awaiting_stock"] == []


def test_never_is_the_default(bridge: WorkflowBridge) -> None:
    bridge.write_stock({_skus(bridge, 1)[0]: 1000})
    waiting = bridge.sandbox.create_order(confirmed=False, skus=_skus(bridge, 1))
    summary = bridge.run_json("sync", "--json")
    assert summary["confirmed"] == 0 and summary["awaiting_stock"] == []
    assert not bridge.order(waiting["id"])["isConfirmed"]


def _invoice_rows(bridge: WorkflowBridge) -> list[dict[str, str]]:
    rows = []
    for path in sorted(bridge.invoices_dir.glob("invoice-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def test_each_invoice_reaches_the_csv_folder_once(bridge: WorkflowBridge) -> None:
    order = bridge.sandbox.create_order(confirmed=True, lines=2)
    summary = bridge.run_json("sync", "--json")
    assert summary["exported"] == 1 and summary["invoices_delivered"] == 1
    rows = _invoice_rows(bridge)
    assert [(r["order_id"], r["type"]) for r in rows] == [(order["id"], "DIRECT_INVOICE")]
    assert rows[0]["number"] and rows[0]["total"] and rows[0]["pdf_url"].startswith("http")
    assert rows[0]["order_number"] == order["number"] and rows[0]["currency"] == "EUR"

    again = bridge.run_json("sync", "--json")
    assert again["invoices_delivered"] == 0 and len(_invoice_rows(bridge)) == 1

    # Shipping everything makes the commission invoice appear; the next look hands it over.
    full = bridge.order(order["id"])
    with bridge.client() as client:
        shipment = client.create_shipment(order["id"], [(p["id"], p["quantity"])
                                                        for p in full["products"]])
        client.ship_shipment(shipment.id, is_tracked=False, estimated_transit_days=2)
    later = bridge.run_json("sync", "--order", order["id"], "--json")
    assert later["invoices_delivered"] == 1
    assert sorted(r["type"] for r in _invoice_rows(bridge)) == ["COMMISSION_INVOICE",
                                                                "DIRECT_INVOICE"]
    assert bridge.run_json("sync", "--json")["invoices_delivered"] == 0

    listed = bridge.run_json("invoices", "list", "--json")
    assert len(listed) == 2 and all(i["delivered_to"] == ["csv"] for i in listed)
    live = bridge.run_json("invoices", "list", "--order", order["id"], "--json")
    assert {i["invoice_id"] for i in live} == {i["invoice_id"] for i in listed}
    table = bridge.run("invoices", "list")
    assert_ok(table)
    assert "DIRECT_INVOICE" in table.stdout and "csv" in table.stdout


def test_one_long_lived_engine_reads_stock_afresh_each_run(bridge: WorkflowBridge) -> None:
    """The daemon keeps one engine for its whole life: stock read in one run must not be
    reused in the next."""
    from oc_bridge.runtime import open_runtime
    from oc_bridge.settings import load_settings

    bridge.write_config(sync='auto_confirm = "when-in-stock"')
    (scarce,) = _skus(bridge, 1)
    bridge.write_stock({scarce: 0})
    short = bridge.sandbox.create_order(confirmed=False, skus=[scarce])
    needed = bridge.order(short["id"])["products"][0]["quantity"]
    with open_runtime(load_settings(bridge.config, environ={})) as runtime:
        engine = runtime.engine()
        assert engine.sync().awaiting_stock
        bridge.write_stock({scarce: needed})
        assert engine.sync().confirmed == 1
    assert bridge.order(short["id"])["isConfirmed"]
