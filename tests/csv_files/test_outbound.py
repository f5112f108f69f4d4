"""Order and cancellation files: columns, formats, atomic writes, crash-retry idempotency."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
from oc_bridge_csv import CsvAdapter
from oc_bridge_csv.outbound import ORDER_COLUMNS
from oc_bridge_csv.probe import CsvWarehouse

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.errors import MappingError, SettingsError, TransientError

MakeAdapter = Callable[..., CsvAdapter]


def _rows(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding=encoding), newline=""),
                           delimiter=delimiter))


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_order_file_has_the_documented_columns_and_values(
    adapter: CsvAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder], tmp_path: Path
) -> None:
    order = fulfilment_order_factory(2, note="Bel aan, dan \"achterom\"\nbij de kade")
    result = adapter.submit_order(order)
    assert result.external_id is not None
    # The stamp is the order date in UTC (the factory's dates move on with every order made
    # in the process, so the expectation is derived, not a fixed hour).
    assert order.order_date is not None
    stamp = order.order_date.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert stamp.startswith("20261127T")
    assert result.external_id == f"orders-{stamp}-{order.number}-r1.csv"
    header, *rows = _rows(tmp_path / "out" / result.external_id)
    assert tuple(header) == ORDER_COLUMNS
    assert len(rows) == 2
    row = dict(zip(header, rows[0], strict=True))
    assert row["order_id"] == order.reference and row["revision"] == "1"
    assert row["house_number"] == "12" and row["house_number_addition"] == "A"
    assert row["country"] == "NL" and row["contact_name"] == "Anna de Vries"
    assert row["line_id"] == order.lines[0].line_ref and row["sku"] == order.lines[0].sku
    assert row["unit_price"] == "6.95" and row["currency"] == "EUR"
    assert row["note"] == "Bel aan, dan \"achterom\"\nbij de kade"
    assert row["order_date"] == order.order_date.isoformat()


def test_dutch_excel_format_opens_with_semicolons_bom_and_decimal_comma(
    make_adapter: MakeAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path,
) -> None:
    adapter = make_adapter(delimiter=";", encoding="utf-8-sig", decimal_separator=",")
    order = fulfilment_order_factory(1, company_name="Bloemen & Zo")
    result = adapter.submit_order(order)
    raw = (tmp_path / "out" / str(result.external_id)).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, row = _rows(tmp_path / "out" / str(result.external_id), ";", "utf-8-sig")
    assert header[0] == "order_id" and len(header) == len(ORDER_COLUMNS)
    assert dict(zip(header, row, strict=True))["unit_price"] == "6,95"


def test_prices_stay_exact(
    adapter: CsvAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder], tmp_path: Path
) -> None:
    order = fulfilment_order_factory(1)
    line = order.lines[0].model_copy(update={"unit_price": Decimal("1E+1")})
    result = adapter.submit_order(order.model_copy(update={"lines": (line,)}))
    (_, row) = _rows(tmp_path / "out" / str(result.external_id))
    assert row[ORDER_COLUMNS.index("unit_price")] == "10"


def test_failed_rename_leaves_no_file_and_no_temporary(
    adapter: CsvAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(TransientError, match="No space left"):
        adapter.submit_order(fulfilment_order_factory(1))
    assert _visible(tmp_path / "out") == []


def test_crash_between_file_and_ledger_does_not_duplicate(
    make_adapter: MakeAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path,
) -> None:
    order = fulfilment_order_factory(2)
    first = make_adapter().submit_order(order)
    # the process dies before the engine's ledger write; a new process retries
    retry = make_adapter().submit_order(order)
    assert retry.external_id == first.external_id and retry.already_existed
    assert _visible(tmp_path / "out") == [first.external_id]


def test_retry_after_the_partner_took_the_file_writes_nothing(
    make_adapter: MakeAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path,
) -> None:
    adapter = make_adapter()
    warehouse = CsvWarehouse(adapter.config, tmp_path / "taken")
    order = fulfilment_order_factory(1)
    first = adapter.submit_order(order)
    warehouse.take_all()
    retry = make_adapter().submit_order(order)
    assert retry.already_existed and retry.external_id == first.external_id
    assert _visible(tmp_path / "out") == []
    assert warehouse.orders_received(order.reference) == 1


def test_crash_after_rename_before_marker_is_detected(
    make_adapter: MakeAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oc_bridge_csv.journal import Journal

    adapter = make_adapter()
    order = fulfilment_order_factory(1)
    real_write = Journal.write

    def die_on_written(self: Journal, reference: str, key: str, entry: object) -> None:
        if getattr(entry, "state", "") == "written":
            raise KeyboardInterrupt("killed")
        real_write(self, reference, key, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(Journal, "write", die_on_written)
    with pytest.raises(KeyboardInterrupt):
        adapter.submit_order(order)
    monkeypatch.undo()
    names = _visible(tmp_path / "out")
    retry = make_adapter().submit_order(order)
    assert retry.already_existed and [retry.external_id] == names
    assert _visible(tmp_path / "out") == names


def test_update_writes_the_next_revision_beside_the_first(
    adapter: CsvAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder], tmp_path: Path
) -> None:
    order = fulfilment_order_factory(1)
    first = adapter.submit_order(order)
    second = adapter.update_order(order.model_copy(update={"revision": 2}), first.external_id)
    assert second.external_id != first.external_id
    assert str(second.external_id).endswith("-r2.csv")
    assert _visible(tmp_path / "out") == sorted([str(first.external_id), str(second.external_id)])


def test_cancellation_file_is_written_once(
    make_adapter: MakeAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder],
    tmp_path: Path,
) -> None:
    order = fulfilment_order_factory(1)
    make_adapter().cancel_order(order, None, "retailer changed their mind")
    make_adapter().cancel_order(order, None, "retailer changed their mind")
    (name,) = [n for n in _visible(tmp_path / "out") if n.startswith("cancel-")]
    header, row = _rows(tmp_path / "out" / name)
    assert header == ["order_id", "order_number", "cancelled_at", "reason"]
    assert row[0] == order.reference and row[3] == "retailer changed their mind"


def test_line_without_sku_is_a_mapping_error(
    adapter: CsvAdapter, fulfilment_order_factory: Callable[..., FulfilmentOrder], tmp_path: Path
) -> None:
    order = fulfilment_order_factory(2)
    line = order.lines[1].model_copy(update={"sku": None})
    with pytest.raises(MappingError, match="has no SKU"):
        adapter.submit_order(order.model_copy(update={"lines": (order.lines[0], line)}))
    assert _visible(tmp_path / "out") == []


@pytest.mark.parametrize(
    ("options", "key", "fragment"),
    [
        ({"file_name_pattern": "o-{stamp}-{customer}-r{revision}.csv"}, "file_name_pattern",
         "unknown placeholder"),
        ({"file_name_pattern": "orders-{stamp}.csv"}, "file_name_pattern", "{reference}"),
        ({"file_name_pattern": "o-{number}.csv"}, "file_name_pattern", "{revision}"),
        ({"cancellation_file_name_pattern": "c-{nope}.csv"}, "cancellation_file_name_pattern",
         "unknown placeholder"),
        ({"delimiter": ";;"}, "delimiter", "one character"),
        ({"encoding": "latin-1"}, "encoding", "utf-8"),
        ({"colour": "blue"}, "colour", "unknown key"),
    ],
)
def test_config_errors_name_the_key(options: dict[str, str], key: str, fragment: str) -> None:
    values = {"outbound_dir": "/tmp/o", "inbound_dir": "/tmp/i", **options}
    with pytest.raises(SettingsError) as caught:
        CsvAdapter.parse_config("csv_eu", values)
    (problem,) = caught.value.problems
    assert problem.key == f"adapters.csv_eu.{key}"
    assert fragment in problem.message


def test_missing_folders_are_reported_together() -> None:
    with pytest.raises(SettingsError) as caught:
        CsvAdapter.parse_config("csv", {})
    assert {p.key for p in caught.value.problems} == {
        "adapters.csv.outbound_dir", "adapters.csv.inbound_dir"}


def test_check_reports_unwritable_folders(make_adapter: MakeAdapter, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    adapter = make_adapter(outbound_dir=str(blocker), inbound_dir=str(blocker / "sub"))
    problems = adapter.check()
    assert any("outbound_dir" in p and "not a folder" in p for p in problems)
    assert any("inbound_dir" in p for p in problems)
    assert make_adapter().check() == []
    assert not (tmp_path / "out").exists()  # check() creates nothing
