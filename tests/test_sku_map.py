"""The SKU map (``oc_bridge.sku_map``): reading the file, applying it to orders, reversing it
for shipments and stock."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oc_bridge.canonical import FulfilmentLine, FulfilmentOrder, StockLevel
from oc_bridge.errors import MappingError, SettingsError
from oc_bridge.sku_map import SkuMap, load_sku_map, read_sku_map_file

SKU = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs",
                                                                         "Zl", "Zp")),
              min_size=1, max_size=12).map(str.strip).filter(bool)


def order(*skus: str | None) -> FulfilmentOrder:
    return FulfilmentOrder(reference="Order:1", number="OC-1", lines=tuple(
        FulfilmentLine(line_ref=f"OrderProduct:{i}", sku=sku, quantity=1)
        for i, sku in enumerate(skus)))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "skus.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        read_sku_map_file(path)
    assert all(p.key == "sync.sku_map_file" for p in caught.value.problems)
    return [p.message for p in caught.value.problems]


@given(st.dictionaries(SKU, SKU, max_size=20))
def test_any_table_written_as_csv_reads_back_the_same(table: dict[str, str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["orderchamp_sku", "warehouse_sku"])
    writer.writerows(table.items())
    path = Path(__import__("tempfile").mkdtemp()) / "skus.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert read_sku_map_file(path) == table


@given(st.dictionaries(SKU, SKU, max_size=20), st.lists(SKU, max_size=10))
def test_mapping_then_reversing_finds_the_orderchamp_sku(table: dict[str, str],
                                                         skus: list[str]) -> None:
    sku_map = SkuMap(table)
    mapped = sku_map.apply(order(*skus))
    for original, line in zip(skus, mapped.lines, strict=True):
        assert line.sku == table.get(original, original)
        assert original in sku_map.orderchamp_skus(line.sku or "")


@given(st.dictionaries(SKU, SKU, max_size=20), st.lists(SKU, min_size=1, max_size=10))
def test_required_map_never_exports_half(table: dict[str, str], skus: list[str]) -> None:
    sku_map = SkuMap(table, required=True)
    unmapped = [s for s in skus if s not in table]
    if unmapped:
        with pytest.raises(MappingError) as caught:
            sku_map.apply(order(*skus))
        assert all(s in str(caught.value) for s in unmapped)
    else:
        assert [line.sku for line in sku_map.apply(order(*skus)).lines] == [table[s]
                                                                            for s in skus]


def test_a_line_without_sku_is_unmapped_when_required() -> None:
    with pytest.raises(MappingError, match="OrderProduct:1 \\(no SKU\\)"):
        SkuMap({"A": "W-A"}, required=True).apply(order("A", None))
    assert SkuMap({"A": "W-A"}).apply(order("A", None)).lines[1].sku is None


def test_stock_figures_in_orderchamp_terms() -> None:
    sku_map = SkuMap({"MUG-RED": "W1", "MUG-RED-EU": "W1", "CUP": "W2"})
    figures = sku_map.orderchamp_figures([StockLevel(sku="W1", available=5),
                                          StockLevel(sku="W2", available=-3),
                                          StockLevel(sku="PLATE", available=2)])
    assert figures == {"MUG-RED": 5, "MUG-RED-EU": 5, "CUP": 0, "PLATE": 2}


def test_file_semicolons_extra_columns_bom_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffOrderchamp_SKU;description;warehouse_sku\n"
                           "MUG-1;a mug;W-1\n\n CUP ; a cup ; W-2 \n")
    assert read_sku_map_file(path) == {"MUG-1": "W-1", "CUP": "W-2"}


def test_file_problems_name_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "orderchamp_sku,warehouse_sku\nA,W1\nB,\n,W3\nA,W4\nC\n")
    assert problems(path) == [
        f"{path}:3: empty warehouse_sku",
        f"{path}:4: empty orderchamp_sku",
        f"{path}:5: orderchamp_sku 'A' is given twice (first on line 2)",
        f"{path}:6: 1 cell(s); the header has 2 columns",
    ]


def test_file_without_the_header(tmp_path: Path) -> None:
    [message] = problems(write(tmp_path, "A,W1\nB,W2\n"))
    assert message.startswith(f"{tmp_path / 'skus.csv'}:1: the header must name")
    [empty] = problems(write(tmp_path, ""))
    assert "found: nothing" in empty
    [missing] = problems(tmp_path / "nope.csv")
    assert missing.endswith("nope.csv: file not found")


def test_a_sku_in_file_and_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "orderchamp_sku,warehouse_sku\nA,W1\n")
    with pytest.raises(SettingsError, match=r"A: given in .* and in \[sync.sku_map\]"):
        load_sku_map({"A": "W9"}, str(path), required=False)
    both = load_sku_map({"B": "W2"}, str(path), required=True)
    assert both.to_warehouse == {"A": "W1", "B": "W2"} and both.required


def test_shipped_warehouse_skus_find_their_orderchamp_lines() -> None:
    from oc_bridge.canonical import ShippedLine
    from oc_bridge.engine.allocation import ShipmentRejected, allocate_lines
    from oc_bridge.models import Order, OrderProduct, OrderStatus

    shop = Order(id="Order:1", number="OC-1", status=OrderStatus.AWAITING_FULFILMENT,
                 is_confirmed=True, products=(
                     OrderProduct(id="P1", sku="MUG", quantity=2, unshipped_quantity=2),
                     OrderProduct(id="P2", sku="CUP", quantity=1, unshipped_quantity=1)))
    sku_map = SkuMap({"MUG": "W-MUG", "CUP": "W-CUP"})
    lines = allocate_lines(shop, [ShippedLine(sku="W-MUG", quantity=2),
                                  ShippedLine(line_ref="P2", sku="W-CUP", quantity=1)],
                           orderchamp_skus=sku_map.orderchamp_skus)
    assert lines == [("P1", 2), ("P2", 1)]
    with pytest.raises(ShipmentRejected, match="line W-MUG: SKU not on order OC-1"):
        allocate_lines(shop, [ShippedLine(sku="W-MUG", quantity=1)])  # without the map
    with pytest.raises(ShipmentRejected, match="does not match"):
        allocate_lines(shop, [ShippedLine(line_ref="P2", sku="W-MUG", quantity=1)],
                       orderchamp_skus=sku_map.orderchamp_skus)
