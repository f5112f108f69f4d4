"""Nothing unreadable in a shipment file is accepted as something else: short rows, stray or
unterminated quotes, a column named twice, non-ASCII digits and impossible ship dates make the
row (or the file) bad, so it goes to ``failed/`` with its report and is never reported."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oc_bridge_csv import CsvAdapter
from oc_bridge_csv.inbound import FileRead, read_file

HEADER = "order_number,sku,quantity,carrier,tracking_number,tracking_url,shipped_at\n"
GOOD = "OC-1,SKU-1,2,PostNL,3S123,,2026-11-28\n"


def read(text: str) -> FileRead:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drop.csv"
        path.write_text(text, encoding="utf-8")
        return read_file(path, encoding="utf-8", delimiter=",", default_transit_days=None)


def test_a_row_with_fewer_fields_than_the_header_is_bad() -> None:
    result = read(HEADER + "OC-1,SKU-1,2\n")
    assert result.shipments == []
    assert [p.source for p in result.problems] == ["drop.csv:2"]
    assert "3 cells but the header has 7 columns" in result.problems[0].message


def test_a_short_row_goes_to_failed_with_its_report(adapter: CsvAdapter, tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir(parents=True, exist_ok=True)
    (inbound / "ship.csv").write_text(HEADER + "OC-1,SKU-1,2\n", encoding="utf-8")
    pull = adapter.fetch_shipments(None)
    assert pull.shipments == [] and len(pull.problems) == 1
    adapter.acknowledge_shipments(pull, [])
    report = (inbound / "failed" / "ship.csv.errors.txt").read_text(encoding="utf-8")
    assert "ship.csv:2" in report and "header has 7 columns" in report
    assert not (inbound / "ship.csv").exists()


@pytest.mark.parametrize("text", [
    HEADER + 'OC-1,SKU-1,2,"PostNL,3S123,,2026-11-28\n',  # unterminated: swallows the rest
    HEADER + 'OC-1,SKU-1,2,"PostNL,3S123,,2026-11-28\n' + GOOD + 'OC-2,"x",1,a",b,,c\n',
    HEADER + 'OC-1,SKU-1,2,"Post"NL,3S123,,2026-11-28\n',  # text after a closing quote
])
def test_a_bad_quote_makes_the_file_bad(text: str) -> None:
    result = read(text)
    assert result.shipments == []
    assert len(result.problems) == 1 and result.problems[0].source == "drop.csv"
    assert "quote" in result.problems[0].message


def test_a_header_naming_a_column_twice_makes_the_file_bad() -> None:
    result = read("order_number,sku,quantity,carrier,tracking_number,tracking_url,shipped_at,"
                  "Quantity\n" + GOOD.strip() + ",5\n")
    assert result.shipments == []
    assert len(result.problems) == 1
    assert "quantity" in result.problems[0].message and "twice" in result.problems[0].message


@pytest.mark.parametrize("quantity", ["\u0663", "\uff13", "1_0", "+3", "3.0", "2\u00b2"])
def test_only_ascii_digits_are_quantities(quantity: str) -> None:
    result = read(HEADER + f"OC-1,SKU-1,{quantity},PostNL,3S123,,2026-11-28\n")
    assert result.shipments == []
    assert "quantity" in result.problems[0].message


@pytest.mark.parametrize("shipped_at", [
    "0001-01-01", "9999-12-31", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00",
    "1970-01-01", "2099-01-01", "\u0662\u0660\u0662\u0666-11-28",
])
def test_impossible_years_are_not_ship_dates(shipped_at: str) -> None:
    result = read(HEADER + f"OC-1,SKU-1,2,PostNL,3S123,,{shipped_at}\n")
    assert result.shipments == []
    assert "shipped_at" in result.problems[0].message


def test_transit_days_need_ascii_digits_too() -> None:
    result = read("order_number,sku,quantity,carrier,tracking_number,tracking_url,shipped_at,"
                  "estimated_transit_days\nOC-1,SKU-1,2,PostNL,3S123,,2026-11-28,\u0663\n")
    assert result.shipments == [] and "estimated_transit_days" in result.problems[0].message


# -- property: a damaged row is never reported, and every row is accounted for ------------

COLUMNS = HEADER.strip().split(",")
word = st.text(alphabet="ABCXYZ0123-", min_size=1, max_size=6)
good_row = st.tuples(word, word, st.integers(1, 99), word)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(good_row, st.integers(1, 6), st.booleans()), min_size=1,
                     max_size=8))
def test_truncated_rows_are_never_reported(
        rows: list[tuple[tuple[str, str, int, str], int, bool]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    damaged_orders = set()
    for index, ((order, sku, quantity, tracking), keep, damage) in enumerate(rows):
        order = f"{order}-{index}"  # one parcel per row
        cells = [order, sku, str(quantity), "PostNL", tracking, "", "2026-11-28"]
        if damage:
            cells = cells[:keep]
            damaged_orders.add(order)
        writer.writerow(cells)
    result = read(out.getvalue())
    reported = {s.order_number for s in result.shipments}
    assert not reported & damaged_orders
    named = {p.source for p in result.problems}
    for index, (_row, _keep, damage) in enumerate(rows):
        if damage:
            assert f"drop.csv:{index + 2}" in named
    assert len(reported) + len([r for r in rows if r[2]]) == len(rows)
