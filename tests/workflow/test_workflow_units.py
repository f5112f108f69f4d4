"""Units of the workflow: the CSV stock folder, CSV capabilities per instance, the ledger's
workflow tables and the stock batching rules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from oc_bridge_csv import CsvAdapter
from oc_bridge_csv.stock import read_stock_dir

from oc_bridge.adapter import AdapterContext, Capability
from oc_bridge.canonical import InvoiceDocument
from oc_bridge.cli.order_actions import parse_delivery
from oc_bridge.errors import PermanentError
from oc_bridge.store import ShortLine, SqliteStore


def _adapter(tmp_path: Path, **options: Any) -> CsvAdapter:
    config = CsvAdapter.parse_config("csv", {"outbound_dir": str(tmp_path / "out"),
                                             "inbound_dir": str(tmp_path / "in"), **options})
    return CsvAdapter(config, AdapterContext(instance="csv", state_dir=tmp_path / "state"))


def test_stock_files_both_delimiters_header_newest_wins_and_bad_lines(tmp_path: Path) -> None:
    folder = tmp_path / "stock"
    folder.mkdir()
    old = folder / "a.csv"
    old.write_text("sku;quantity\nA-1;5\nB-2;7\n", encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    (folder / "b.txt").write_text("A-1,9\nC-3;x\n;4\njust-a-sku\n# a comment\n",
                                  encoding="utf-8")
    (folder / ".c.csv.tmp").write_text("A-1;100\n", encoding="utf-8")
    read = read_stock_dir(folder, "utf-8")
    assert {s: lv.available for s, lv in read.levels.items()} == {"A-1": 9, "B-2": 7}
    assert [(p.source, p.message) for p in read.problems] == [
        ("b.txt:2", "quantity 'x' is not a whole number"),
        ("b.txt:3", "SKU is empty"),
        ("b.txt:4", "expected 'sku;quantity'")]
    assert sorted(p.name for p in folder.iterdir()) == [".c.csv.tmp", "a.csv", "b.txt"]


def test_csv_capabilities_follow_the_configured_folders(tmp_path: Path) -> None:
    plain = _adapter(tmp_path)
    assert not plain.supports(Capability.STOCK_LEVELS)
    assert not plain.supports(Capability.INVOICES)
    full = _adapter(tmp_path, stock_dir=str(tmp_path / "s"), invoices_dir=str(tmp_path / "i"))
    assert full.supports(Capability.STOCK_LEVELS) and full.supports(Capability.INVOICES)
    assert list(full.fetch_stock()) == []  # a missing folder is empty stock
    assert full.check() == []


def test_invoice_file_is_written_once(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path, invoices_dir=str(tmp_path / "inv"), delimiter=";",
                       decimal_separator=",")
    invoice = InvoiceDocument(invoice_id="SW52:1", order_ref="O1", order_number="OC-1",
                              number="INV/1", total="12.50", currency="EUR")
    adapter.receive_invoice(invoice)
    adapter.receive_invoice(invoice)
    files = list((tmp_path / "inv").iterdir())
    assert [f.name for f in files] == ["invoice-INV_1-SW52_1.csv"]
    lines = files[0].read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("order_id;order_number;invoice_id") and "12,50" in lines[1]


def test_ledger_workflow_tables(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "l.db") as store:
        assert store.schema_version >= 4
        store.record_stock_pushed({"A": 3})
        store.record_stock_rejected({"B": (2, "Unknown SKU B")})
        pushes = store.stock_pushes()
        assert pushes["A"].available == 3 and pushes["A"].rejected_at is None
        assert [r.sku for r in store.rejected_skus()] == ["B"]
        store.record_stock_pushed({"B": 2})
        assert store.rejected_skus() == []

        store.set_awaiting_stock("O1", "OC-1", [ShortLine("A", 5, 3)])
        store.set_awaiting_stock("O1", "OC-1", [ShortLine("A", 5, 4)])
        [waiting] = store.list_awaiting_stock()
        assert waiting.short_lines == (ShortLine("A", 5, 4),)
        store.clear_awaiting_stock("O1", "confirmed")
        assert store.list_awaiting_stock() == []

        invoice = InvoiceDocument(invoice_id="I1", order_ref="O1", number="INV-1")
        store.record_invoice(invoice)
        store.record_invoice_delivered("csv", invoice)
        store.record_invoice_delivered("csv", invoice)
        assert store.list_invoices("O1") == [invoice]
        assert list(store.invoice_deliveries()["I1"]) == ["csv"]

        assert store.get_delivery_date("O1") is None
        store.record_delivery_date("O1", "wh", "2030-01-01T12:00:00+00:00")
        assert store.get_delivery_date("O1") == "2030-01-01T12:00:00+00:00"


def test_delivery_argument() -> None:
    assert parse_delivery("2030-01-02").isoformat() == "2030-01-02T12:00:00+00:00"
    assert parse_delivery("2030-01-02T10:00:00+01:00").isoformat() == \
        "2030-01-02T09:00:00+00:00"
    for bad in ("2030-01-02T10:00", "tomorrow"):
        with pytest.raises(PermanentError):
            parse_delivery(bad)
