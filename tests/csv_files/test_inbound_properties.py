"""Property tests: any well-formed shipment file reads back into the right shipments, in any
delimiter and encoding; garbage only ever produces problems, never exceptions."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from oc_bridge_csv.inbound import FileRead, read_file

from oc_bridge.canonical import InboundProblem

COLUMNS = ["order_number", "sku", "quantity", "carrier", "tracking_number", "tracking_url",
           "shipped_at"]
value = st.text(alphabet=st.sampled_from("AZaz09-_;,.\"'éß/€ "), min_size=1, max_size=8).map(
    lambda s: s.strip()).filter(bool)
parcel = st.tuples(
    value,  # order number
    value,  # tracking number
    st.dictionaries(value, st.integers(1, 500), min_size=1, max_size=4),  # sku -> quantity
)


def _read(data: bytes, encoding: str = "utf-8", delimiter: str = ",") -> FileRead:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drop.csv"
        path.write_bytes(data)
        return read_file(path, encoding=encoding, delimiter=delimiter, default_transit_days=None)


@settings(max_examples=60, deadline=None)
@given(
    parcels=st.lists(parcel, min_size=1, max_size=5, unique_by=lambda p: (p[0], p[1])),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig"]),
    configured=st.sampled_from(["utf-8", "utf-8-sig"]),
    header_case=st.sampled_from([str.lower, str.upper, lambda s: f" {s.title()} "]),
)
def test_rows_round_trip_into_shipments(
    parcels: list[tuple[str, str, dict[str, int]]], delimiter: str, encoding: str,
    configured: str, header_case: object,
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([header_case(c) for c in COLUMNS])  # type: ignore[operator]
    for order, tracking, lines in parcels:
        for sku, quantity in lines.items():
            writer.writerow([order, sku, quantity, "PostNL", tracking, "", "2026-11-28"])
    read = _read(out.getvalue().encode(encoding), configured, ",")
    assert read.problems == []
    got = {s.shipment_key: {ln.sku: ln.quantity for ln in s.lines} for s in read.shipments}
    assert got == {f"csv:{order}:{tracking}": lines for order, tracking, lines in parcels}


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_bytes_only_produce_problems(data: bytes) -> None:
    read = _read(data)
    assert all(isinstance(p, InboundProblem) for p in read.problems)
    for shipment in read.shipments:
        assert all(line.quantity >= 1 for line in shipment.lines)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=9), max_size=6))
def test_garbage_rows_under_a_valid_header_only_produce_problems(rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    read = _read(out.getvalue().encode("utf-8"))
    data_rows = {i + 2 for i, r in enumerate(rows) if any(c.strip() for c in r)}
    assert all(isinstance(p, InboundProblem) for p in read.problems)
    if any(p.source == "drop.csv" for p in read.problems):
        # a whole-file problem (a cell spanning lines): every row goes to failed/ with the file
        assert read.shipments == [] and len(read.problems) == 1
        return
    in_shipments = {n for s in read.shipments for n in _row_numbers(s.source or "")}
    in_problems = {int(p.source.rsplit(":", 1)[1]) for p in read.problems}
    # every non-blank row is accounted for exactly once: in a shipment or as a problem
    assert in_shipments | in_problems == data_rows
    assert not in_shipments & in_problems


def _row_numbers(source: str) -> set[int]:
    numbers: set[int] = set()
    for part in source.split(" ", 2)[2].split(", "):
        start, _, end = part.partition("-")
        numbers.update(range(int(start), int(end or start) + 1))
    return numbers
