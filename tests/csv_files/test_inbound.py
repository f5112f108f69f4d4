"""Shipment files: grouping, keys, bad rows, filing into processed/ and failed/, re-drops."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from oc_bridge_csv import CsvAdapter

from oc_bridge.canonical import ShipmentOutcome, ShipmentPull

HEADER = "order_number;sku;quantity;carrier;tracking_number;tracking_url;shipped_at"


def drop(inbound: Path, name: str, text: str, *, encoding: str = "utf-8",
         mtime: int | None = None) -> Path:
    inbound.mkdir(parents=True, exist_ok=True)
    path = inbound / name
    path.write_bytes(text.encode(encoding))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def ok_all(pull: ShipmentPull) -> list[ShipmentOutcome]:
    return [ShipmentOutcome(shipment_key=s.shipment_key, ok=True) for s in pull.shipments]


def test_rows_with_one_tracking_number_form_one_shipment(
    adapter: CsvAdapter, tmp_path: Path
) -> None:
    drop(tmp_path / "in", "ship.csv", "\n".join([
        HEADER,
        "OC1;MUG;2;PostNL;3SABC;https://t/3SABC;2026-11-28",
        "OC1;TEA;1;PostNL;3SABC;https://t/3SABC;2026-11-28",
        "OC1;MUG;1;PostNL;3SABC;;2026-11-28",
        "OC1;CARD;5;DHL;JVGL1;;2026-11-28T09:30:00",
        "OC2;MUG;3;;;;2026-11-29T10:00:00+01:00",
    ]))
    pull = adapter.fetch_shipments(None)
    assert pull.problems == [] and pull.cursor is None
    by_key = {s.shipment_key: s for s in pull.shipments}
    assert set(by_key) == {"csv:OC1:3SABC", "csv:OC1:JVGL1",
                           "csv:OC2:untracked::2026-11-29T10:00:00+01:00"}
    parcel = by_key["csv:OC1:3SABC"]
    assert {(ln.sku, ln.quantity) for ln in parcel.lines} == {("MUG", 3), ("TEA", 1)}
    assert parcel.source == "ship.csv rows 2-4" and parcel.order_number == "OC1"
    assert parcel.tracking_url == "https://t/3SABC"
    assert parcel.shipped_at == datetime(2026, 11, 28, tzinfo=UTC)
    assert by_key["csv:OC1:JVGL1"].shipped_at == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert not by_key["csv:OC2:untracked::2026-11-29T10:00:00+01:00"].is_tracked


def test_shipment_id_groups_and_keys_and_header_is_forgiving(
    make_adapter: object, tmp_path: Path
) -> None:
    adapter = make_adapter(default_transit_days=4)  # type: ignore[operator]
    drop(tmp_path / "in", "b.csv", "\n".join([
        " Order_ID , LINE_ID ,Quantity,Carrier,Tracking_Number,Tracking_URL,Shipped_At,"
        "Shipment_ID,estimated_transit_days",
        "ord-1,op-1,2,PostNL,,,2026-11-28,S-9,",
        "ord-1,op-2,1,PostNL,,,2026-11-28,S-9,2",
    ]), encoding="utf-8-sig")
    (shipment,) = adapter.fetch_shipments(None).shipments
    assert shipment.shipment_key == "csv:ord-1:S-9"
    assert shipment.order_ref == "ord-1" and shipment.order_number is None
    assert {(ln.line_ref, ln.quantity) for ln in shipment.lines} == {("op-1", 2), ("op-2", 1)}
    assert shipment.estimated_transit_days == 2


def test_bad_rows_are_problems_naming_column_and_value(adapter: CsvAdapter, tmp_path: Path) -> None:
    drop(tmp_path / "in", "bad.csv", "\n".join([
        HEADER,
        "OC1;MUG;two;PostNL;T1;;2026-11-28",
        "OC1;MUG;0;PostNL;T2;;2026-11-28",
        "OC1;MUG;1;PostNL;T3;;28-11-2026",
        ";MUG;1;PostNL;T4;;2026-11-28",
        "OC1;MUG;1;PostNL;T5;;2026-11-28",
    ]))
    pull = adapter.fetch_shipments(None)
    assert [s.shipment_key for s in pull.shipments] == ["csv:OC1:T5"]
    [read] = pull.handle  # every row's problem, as the error report in failed/ lists them
    messages = {p.source: p.message for p in read.problems}
    assert "'two' is not a whole number" in messages["bad.csv:2"]
    assert "quantity: must be at least 1 (got '0')" in messages["bad.csv:3"]
    assert "shipped_at: '28-11-2026'" in messages["bad.csv:4"]
    assert "order_number/order_id: empty" in messages["bad.csv:5"]
    # the pull carries ONE problem for the file (one parked item), naming every bad row
    [problem] = pull.problems
    assert problem.source == "bad.csv" and "4 problem(s) in rows 2-5" in problem.message
    assert problem.raw is not None and problem.raw["first"][0]["raw"]["quantity"] == "two"


def test_a_parcel_with_a_bad_row_is_withheld_whole(adapter: CsvAdapter, tmp_path: Path) -> None:
    drop(tmp_path / "in", "p.csv", "\n".join([
        HEADER, "OC1;MUG;2;PostNL;T1;;2026-11-28", "OC1;TEA;-1;PostNL;T1;;2026-11-28",
    ]))
    pull = adapter.fetch_shipments(None)
    assert pull.shipments == []
    [read] = pull.handle
    messages = {p.source: p.message for p in read.problems}
    assert "row 3 of the same shipment is bad" in messages["p.csv:2"]
    assert [p.source for p in pull.problems] == ["p.csv"]


def test_whole_file_problems(adapter: CsvAdapter, tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    drop(inbound, "a-missing.csv", "order_number;sku;quantity\nOC1;MUG;1\n", mtime=1_000)
    inbound.joinpath("b-binary.csv").write_bytes(b"order_number,sku\nOC1,\xff\xfe\n")
    os.utime(inbound / "b-binary.csv", (2_000, 2_000))
    drop(inbound, "c-empty.csv", "", mtime=3_000)
    pull = adapter.fetch_shipments(None)
    assert [p.source for p in pull.problems] == ["a-missing.csv", "b-binary.csv", "c-empty.csv"]
    assert "carrier" in pull.problems[0].message and "tracking_number" in pull.problems[0].message
    assert "byte at offset 21" in pull.problems[1].message
    assert pull.problems[2].message == "no header row"


def test_incomplete_and_hidden_files_are_skipped(adapter: CsvAdapter, tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    line = HEADER + "\nOC1;MUG;1;PostNL;T1;;2026-11-28\n"
    for name in (".hidden.csv", "x.csv.part", "x.csv.tmp", "x.csv.filepart", "notes.txt"):
        drop(inbound, name, line)
    assert adapter.fetch_shipments(None).shipments == []


def test_files_are_read_oldest_first(adapter: CsvAdapter, tmp_path: Path) -> None:
    drop(tmp_path / "in", "z.csv", HEADER + "\nOC1;MUG;1;PostNL;OLD;;2026-11-28\n", mtime=1_000)
    drop(tmp_path / "in", "a.csv", HEADER + "\nOC1;MUG;1;PostNL;NEW;;2026-11-28\n", mtime=2_000)
    keys = [s.shipment_key for s in adapter.fetch_shipments(None).shipments]
    assert keys == ["csv:OC1:OLD", "csv:OC1:NEW"]


def test_good_file_moves_to_processed(adapter: CsvAdapter, tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    drop(inbound, "s.csv", HEADER + "\nOC1;MUG;1;PostNL;T1;;2026-11-28\n")
    drop(inbound / "processed", "s.csv", "an older file with the same name")
    pull = adapter.fetch_shipments(None)
    adapter.acknowledge_shipments(pull, ok_all(pull))
    assert sorted(p.name for p in (inbound / "processed").iterdir()) == ["s-1.csv", "s.csv"]
    assert not (inbound / "s.csv").exists()
    assert adapter.fetch_shipments(None).shipments == []


def test_bad_file_goes_to_failed_with_a_report_and_corrected_redrop_works(
    adapter: CsvAdapter, tmp_path: Path
) -> None:
    inbound = tmp_path / "in"
    drop(inbound, "mixed.csv", "\n".join([
        HEADER,
        "OC1;MUG;1;PostNL;T1;;2026-11-28",
        "OC1;TEA;x;PostNL;T2;;2026-11-28",
        "OC9;GHOST;1;PostNL;T3;;2026-11-28",
    ]))
    pull = adapter.fetch_shipments(None)
    assert [s.shipment_key for s in pull.shipments] == ["csv:OC1:T1", "csv:OC9:T3"]
    adapter.acknowledge_shipments(pull, [
        ShipmentOutcome(shipment_key="csv:OC1:T1", ok=True),
        ShipmentOutcome(shipment_key="csv:OC9:T3", ok=False, message="unknown order OC9"),
    ])
    failed = inbound / "failed"
    assert sorted(p.name for p in failed.iterdir()) == ["mixed.csv", "mixed.csv.errors.txt"]
    report = (failed / "mixed.csv.errors.txt").read_text(encoding="utf-8")
    assert "mixed.csv:3: quantity: 'x' is not a whole number" in report
    assert "mixed.csv row 4: shipment csv:OC9:T3 rejected: unknown order OC9" in report
    assert "csv:OC1:T1" in report.split("Reported to Orderchamp from this file:")[1]
    # the partner fixes the file and drops it again: good keys are the same (engine dedupes)
    drop(inbound, "mixed.csv", "\n".join([
        HEADER, "OC1;MUG;1;PostNL;T1;;2026-11-28", "OC1;TEA;1;PostNL;T2;;2026-11-28",
    ]))
    again = adapter.fetch_shipments(None)
    assert [s.shipment_key for s in again.shipments] == ["csv:OC1:T1", "csv:OC1:T2"]
    adapter.acknowledge_shipments(again, ok_all(again))
    assert [p.name for p in (inbound / "processed").iterdir()] == ["mixed.csv"]
    assert len(list(failed.iterdir())) == 2


def test_unconfirmed_shipment_fails_the_file(adapter: CsvAdapter, tmp_path: Path) -> None:
    drop(tmp_path / "in", "s.csv", HEADER + "\nOC1;MUG;1;PostNL;T1;;2026-11-28\n")
    pull = adapter.fetch_shipments(None)
    adapter.acknowledge_shipments(pull, [])
    report = (tmp_path / "in" / "failed" / "s.csv.errors.txt").read_text(encoding="utf-8")
    assert "was not confirmed by the engine" in report


def test_file_changed_since_read_is_left_for_the_next_pull(
    adapter: CsvAdapter, tmp_path: Path
) -> None:
    path = drop(tmp_path / "in", "s.csv", HEADER + "\nOC1;MUG;1;PostNL;T1;;2026-11-28\n",
                mtime=1_000)
    pull = adapter.fetch_shipments(None)
    drop(tmp_path / "in", "s.csv", HEADER + "\nOC1;MUG;2;PostNL;T1;;2026-11-28\n", mtime=2_000)
    adapter.acknowledge_shipments(pull, ok_all(pull))
    assert path.exists() and not (tmp_path / "in" / "processed").exists()
