"""Cancellation outcomes, edits after export and the repair tools end to end: the CLI as a
subprocess against the sandbox over HTTP, the real CSV adapter, a SQLite ledger on disk."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from e2e_bridge import Bridge


def _json(bridge: Bridge, *args: str, rc: int = 0) -> Any:
    result = bridge.run(*args)
    assert result.returncode == rc, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _me() -> str:
    return "cli:" + (os.environ.get("USER") or os.environ.get("LOGNAME") or getpass.getuser())


def _snapshot(bridge: Bridge) -> dict[str, str]:
    """Every file the bridge may write but the ledger (compared by its rows: SQLite may
    checkpoint its log into the file on close): outbound files, adapter state. Name -> hash."""
    files: dict[str, str] = {}
    for path in sorted(bridge.root.rglob("*")):
        if path.is_file() and not path.name.startswith("ledger.db"):
            files[str(path.relative_to(bridge.root))] = hashlib.sha256(
                path.read_bytes()).hexdigest()
    return files


def _ledger_rows(bridge: Bridge) -> list[tuple[Any, ...]]:
    import sqlite3
    with sqlite3.connect(bridge.root / "ledger.db") as db:
        rows: list[tuple[Any, ...]] = []
        for table in ("exports", "parked", "activity", "orders_seen", "shipments"):
            rows += [(table, *r) for r in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
        return rows


def _exported_order(bridge: Bridge) -> dict[str, Any]:
    """A fresh order, exported by one sync."""
    order = bridge.sandbox.create_order(lines=2)
    assert bridge.run("sync").returncode == 0
    assert (order["id"], "1") in bridge.order_files()
    return order


def _sku_rows(bridge: Bridge, order: dict[str, Any]) -> list[dict[str, object]]:
    full = bridge.sandbox.get_order(order["id"])
    return [{"order_number": order["number"], "sku": line["sku"],
             "quantity": line["quantity"], "carrier": "PostNL", "tracking_number": "3S1",
             "shipped_at": "2026-11-30T10:00:00Z"} for line in full["products"]]


def test_cancellation_accepted_and_recorded(bridge: Bridge) -> None:
    order = _exported_order(bridge)
    bridge.sandbox.cancel_order(order["id"], reason="OUT_OF_STOCK")
    summary = _json(bridge, "sync", "--json")
    assert summary["cancellations"] == {"accepted": 1} and summary["cancelled"] == 1
    assert list(bridge.outbound.glob(f"cancel-*-{order['number']}.csv"))
    history = _json(bridge, "orders", "history", order["id"], "--json")
    assert [e["state"] for e in history["exports"]] == ["cancelled"]
    states = [e["state"] for e in history["events"] if e["kind"] == "export"]
    assert states[-2:] == ["cancelling", "cancelled"]


def test_cancellation_after_the_warehouse_shipped_is_parked(bridge: Bridge) -> None:
    order = _exported_order(bridge)
    # The warehouse shipped it (its file waits in the inbound folder), then the retailer's
    # cancellation arrives: too late. No cancellation file; the order is parked for a human.
    bridge.drop_shipments("ship-1.csv", _sku_rows(bridge, order))
    bridge.sandbox.cancel_order(order["id"], reason="OUT_OF_STOCK")
    result = bridge.run("sync", "--json")
    assert result.returncode == 4, result.stderr
    summary = json.loads(result.stdout)
    assert summary["cancellations"] == {"rejected": 1}
    assert not list(bridge.outbound.glob("cancel-*.csv"))
    parked = _json(bridge, "parked", "--json")["items"]
    [item] = [p for p in parked if p["reference"] == order["id"]]
    assert "csv rejected the cancellation (too late)" in item["reason"]
    assert "ship-1.csv" in item["reason"]
    history = _json(bridge, "orders", "history", order["number"], "--json")
    parked_events = [e for e in history["events"] if e["state"] == "parked"]
    # one line per parking: the order's (with the reason), and its shipment's (the same sync
    # pulled the shipment file, which cannot be reported for a cancelled order)
    assert [e["kind"] for e in parked_events] == ["order", "shipment"]
    assert parked_events[0]["message"] == item["reason"]
    text = bridge.run("orders", "history", order["id"]).stdout
    assert "rejected the cancellation" in text and "events:" in text


def test_edit_after_export_parks_by_default_and_resync_applies_it(bridge: Bridge) -> None:
    order = _exported_order(bridge)
    bridge.sandbox.update_order(order["id"], note="ring twice")
    result = bridge.run("sync", "--json")
    assert result.returncode == 4
    assert "on_change_after_export = park" in json.loads(result.stdout)["parked_reasons"][0]
    assert (order["id"], "2") not in bridge.order_files()

    before, rows = _snapshot(bridge), _ledger_rows(bridge)
    dry = _json(bridge, "orders", "resync", order["id"], "--on-change", "update", "--dry-run",
                "--json")
    assert dry["dry_run"] and any("update order" in p for p in dry["planned"])
    assert _snapshot(bridge) == before and _ledger_rows(bridge) == rows  # nothing changed

    summary = _json(bridge, "orders", "resync", order["id"], "--on-change", "update", "--json")
    assert summary["updated"] == 1 and summary["parked"] == 0
    assert bridge.order_files()[(order["id"], "2")] == 1
    assert _json(bridge, "parked", "--json")["total"] == 0
    history = _json(bridge, "orders", "history", order["id"], "--json")
    [resync] = [e for e in history["events"] if e["state"] == "resync"]
    assert resync["actor"] == _me() and "on-change update" in resync["message"]


def test_cancel_and_reexport(bridge: Bridge) -> None:
    order = _exported_order(bridge)
    bridge.sandbox.update_order(order["id"], note="ring twice")
    summary = _json(bridge, "--set", "sync.on_change_after_export=cancel-and-reexport",
                    "sync", "--json")
    assert summary["cancellations"] == {"accepted": 1}
    assert summary["cancelled"] == 1 and summary["exported"] == 1 and summary["parked"] == 0
    files = bridge.order_files()
    assert files[(order["id"], "1")] == 1 and files[(order["id"], "2")] == 1
    assert len(list(bridge.outbound.glob(f"cancel-*-{order['number']}.csv"))) == 1
    [row] = _json(bridge, "orders", "history", order["id"], "--json")["exports"]
    assert (row["state"], row["revision"]) == ("exported", 2)


def test_forget_needs_yes_and_exports_again(bridge: Bridge) -> None:
    order = _exported_order(bridge)
    before, rows = _snapshot(bridge), _ledger_rows(bridge)
    refused = bridge.run("orders", "forget", order["id"], "--adapter", "csv")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    dry = bridge.run("orders", "forget", order["id"], "--adapter", "csv", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("would forget")
    assert _snapshot(bridge) == before and _ledger_rows(bridge) == rows

    unknown = bridge.run("orders", "forget", order["id"], "--adapter", "nope", "--yes")
    assert unknown.returncode == 1 and "no ledger entry at adapter 'nope'" in unknown.stderr

    done = bridge.run("orders", "forget", order["number"], "--adapter", "csv", "--yes")
    assert done.returncode == 0 and done.stdout.startswith("forgot order"), done.stderr
    # The warehouse lost it: the next sync exports it again, as a new revision (the CSV
    # adapter writes a new file: its own journal would keep revision 1 from being written twice).
    assert bridge.run("sync").returncode == 0
    assert bridge.order_files()[(order["id"], "2")] == 1
    history = _json(bridge, "orders", "history", order["id"], "--json")
    [forgot] = [e for e in history["events"] if e["state"] == "forgotten"]
    assert forgot["actor"] == _me() and forgot["instance"] == "csv"
    assert history["exports"][0]["state"] == "exported"


def test_history_of_an_unknown_order_is_an_error(bridge: Bridge) -> None:
    result = bridge.run("orders", "history", "T3JkZXI6OTk5OTk=")
    assert result.returncode == 1 and "no record of order" in result.stderr


def test_dry_runs_of_orderchamp_actions_change_nothing(bridge: Bridge) -> None:
    waiting = bridge.sandbox.create_order(confirmed=False, lines=1)
    order = _exported_order(bridge)
    state = {o: bridge.sandbox.get_order(o) for o in (waiting["id"], order["id"])}
    before, rows = _snapshot(bridge), _ledger_rows(bridge)
    checks = [
        (("orders", "confirm", waiting["id"], "--dry-run"), "would confirm order"),
        (("orders", "cancel", order["id"], "--reason", "OUT_OF_STOCK", "--dry-run"),
         "would cancel order"),
        (("orders", "set-delivery", order["id"], "2026-12-24", "--dry-run"),
         "would change the estimated delivery"),
        (("webhooks", "register", "--url", "http://127.0.0.1:9/hook", "--dry-run"),
         "would create ORDER_CREATED"),
        (("retry", "--all", "--dry-run"), "dry run: nothing was changed"),
        (("orders", "resync", order["id"], "--dry-run"), "dry run: nothing was changed"),
    ]
    for args, expected in checks:
        result = bridge.run(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert expected in result.stdout, (args, result.stdout)
    assert {o: bridge.sandbox.get_order(o) for o in state} == state
    assert bridge.run("webhooks", "list").stdout.strip() == ""
    assert _snapshot(bridge) == before and _ledger_rows(bridge) == rows
    missing = bridge.run("webhooks", "delete", "nope", "--dry-run")
    assert missing.returncode == 1 and "no webhook subscription nope" in missing.stderr


def test_actions_done_from_the_cli_are_in_the_audit_trail(bridge: Bridge) -> None:
    waiting = bridge.sandbox.create_order(confirmed=False, lines=1)
    assert bridge.run("orders", "confirm", waiting["id"]).returncode == 0
    assert bridge.run("sync").returncode == 0
    history = _json(bridge, "orders", "history", waiting["id"], "--json")
    [confirm] = [e for e in history["events"] if e["state"] == "confirm"]
    assert confirm["actor"] == _me()
    assert history["exports"][0]["state"] == "exported"


def test_resync_of_one_adapter_only(bridge: Bridge, tmp_path: Path) -> None:
    bridge.write_config(f"""
[adapters.csv2]
type = "csv"
outbound_dir = "{tmp_path / 'out2'}"
inbound_dir = "{tmp_path / 'in2'}"
""")
    order = _exported_order(bridge)
    assert list((tmp_path / "out2").glob(f"orders-*-{order['number']}-r1.csv"))
    bridge.sandbox.update_order(order["id"], note="changed")
    summary = _json(bridge, "orders", "resync", order["id"], "--adapter", "csv2",
                    "--on-change", "update", "--json")
    assert summary["updated"] == 1
    assert list((tmp_path / "out2").glob(f"orders-*-{order['number']}-r2.csv"))
    assert (order["id"], "2") not in bridge.order_files()  # csv was left alone
    bad = bridge.run("orders", "resync", order["id"], "--adapter", "nope")
    assert bad.returncode == 1 and "no adapter instance 'nope'" in bad.stderr


def test_dry_runs_of_file_writing_commands_write_nothing(bridge: Bridge) -> None:
    target = bridge.root / "customers.csv"
    result = bridge.run("customers", "export", "--output", str(target), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: would export" in result.stdout and str(target) in result.stdout
    assert not target.exists()
    package = bridge.root / "oc-bridge-acme"
    result = bridge.run("new-adapter", "acme", "--dir", str(package), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Would create oc-bridge-acme")
    assert "pyproject.toml" in result.stdout and not package.exists()
