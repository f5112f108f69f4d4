"""SKU mapping between Orderchamp and the warehouses (``sync.sku_map``, ``sync.sku_map_file``).

One table for every adapter instance: an Orderchamp SKU maps to one warehouse SKU. The engine
applies it after the mapping hook, to every order any adapter receives; it is reversed for what
comes back (a shipped line's warehouse SKU names the Orderchamp line; a stock figure of a
warehouse SKU is the figure of every Orderchamp SKU mapped to it). A SKU not in the table is
passed through as it is, unless ``sync.require_sku_map`` is on: then an order with an unmapped
SKU is not exported at all (parked, naming the SKUs), never half.

The mapping file is CSV with the header ``orderchamp_sku,warehouse_sku`` (``;`` also works;
further columns, such as a description, are ignored). A missing header, an empty cell, a row
with too few cells or an Orderchamp SKU given twice is a configuration error naming the file and
line. The ``[sync.sku_map]`` table may add entries; one SKU in both is an error too.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oc_bridge.canonical import FulfilmentOrder, StockLevel
from oc_bridge.errors import MappingError, SettingProblem, SettingsError

__all__ = ["SKU_MAP_HEADER", "SkuMap", "load_sku_map", "read_sku_map_file", "sku_map_problems"]

SKU_MAP_HEADER = ("orderchamp_sku", "warehouse_sku")
_FILE_KEY = "sync.sku_map_file"


class UnmappedSkuError(MappingError):
    """An order has SKUs the SKU map does not know while ``sync.require_sku_map`` is on."""


@dataclass(frozen=True)
class SkuMap:
    """The SKU table; see the module docstring. ``to_warehouse`` maps Orderchamp SKU to
    warehouse SKU; ``required`` is ``sync.require_sku_map``."""

    to_warehouse: Mapping[str, str] = field(default_factory=dict)
    required: bool = False
    _reverse: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        reverse: dict[str, list[str]] = defaultdict(list)
        for orderchamp_sku, warehouse_sku in self.to_warehouse.items():
            reverse[warehouse_sku].append(orderchamp_sku)
        object.__setattr__(self, "_reverse", {k: tuple(sorted(v)) for k, v in reverse.items()})

    def warehouse_sku(self, sku: str) -> str | None:
        """The warehouse SKU for an Orderchamp SKU: mapped, or the same SKU when unmapped;
        None when unmapped and a mapping is required."""
        mapped = self.to_warehouse.get(sku)
        if mapped is not None:
            return mapped
        return None if self.required else sku

    def orderchamp_skus(self, warehouse_sku: str) -> tuple[str, ...]:
        """The Orderchamp SKUs a warehouse SKU stands for: those mapped to it, else itself
        (a warehouse that uses Orderchamp's SKUs needs no entry)."""
        return self._reverse.get(warehouse_sku, (warehouse_sku,))

    def apply(self, order: FulfilmentOrder) -> FulfilmentOrder:
        """``order`` with every line's SKU replaced by the warehouse SKU. Raises
        :class:`UnmappedSkuError` naming every unmapped SKU (and every line without a SKU)
        when a mapping is required; the order is then not sent anywhere."""
        if not self.to_warehouse and not self.required:
            return order
        lines = []
        missing: list[str] = []
        for line in order.lines:
            if line.sku is None or not line.sku.strip():
                if self.required:
                    missing.append(f"line {line.line_ref} (no SKU)")
                lines.append(line)
                continue
            mapped = self.warehouse_sku(line.sku)
            if mapped is None:
                if line.sku not in missing:
                    missing.append(line.sku)
                continue
            lines.append(line if mapped == line.sku else line.model_copy(update={"sku": mapped}))
        if missing:
            raise UnmappedSkuError(
                f"order {order.number}: no warehouse SKU in the SKU map for "
                f"{', '.join(missing)} (sync.require_sku_map is on); add them to "
                "sync.sku_map_file or [sync.sku_map], then `oc-bridge retry`")
        return order.model_copy(update={"lines": tuple(lines)})

    def orderchamp_figures(self, levels: Iterable[StockLevel]) -> dict[str, int]:
        """Stock per Orderchamp SKU from warehouse levels (negative figures count as 0; a
        warehouse SKU mapped from several Orderchamp SKUs gives each of them its figure)."""
        figures: dict[str, int] = defaultdict(int)
        for level in levels:
            for sku in self.orderchamp_skus(level.sku):
                figures[sku] += max(0, level.available)
        return dict(figures)


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_sku_map_file(path: Path) -> dict[str, str]:
    """Read a mapping file; raises :class:`SettingsError` (key ``sync.sku_map_file``) listing
    every problem as ``FILE:LINE: what``."""
    def problem(line: int | None, text: str) -> SettingProblem:
        where = f"{path}:{line}" if line is not None else str(path)
        return SettingProblem(_FILE_KEY, f"{where}: {text}")

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SettingsError([problem(None, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError([problem(None, f"cannot read it: {exc}")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(
        text.split("\n", 1)[0]), strict=True)
    problems: list[SettingProblem] = []
    mapping: dict[str, str] = {}
    first_line: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise SettingsError([problem(reader.line_num, f"not readable CSV: {exc}")]) from exc
    header = [cell.replace("\ufeff", "").strip().lower() for cell in rows[0]] if rows else []
    if not all(name in header for name in SKU_MAP_HEADER):
        found = ", ".join(c for c in header if c) or "nothing"
        raise SettingsError([problem(1, "the header must name the columns orderchamp_sku and "
                                        f"warehouse_sku (found: {found})")])
    at = [header.index(name) for name in SKU_MAP_HEADER]
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) <= max(at):
            problems.append(problem(number, f"{len(cells)} cell(s); the header has "
                                            f"{len(header)} columns"))
            continue
        orderchamp_sku, warehouse_sku = (cells[i].strip() for i in at)
        empty = [name for name, value in zip(SKU_MAP_HEADER, (orderchamp_sku, warehouse_sku),
                                             strict=True) if not value]
        if empty:
            problems.append(problem(number, f"empty {' and '.join(empty)}"))
            continue
        if orderchamp_sku in mapping:
            problems.append(problem(number, f"orderchamp_sku {orderchamp_sku!r} is given twice "
                                            f"(first on line {first_line[orderchamp_sku]})"))
            continue
        mapping[orderchamp_sku] = warehouse_sku
        first_line[orderchamp_sku] = number
    if problems:
        raise SettingsError(problems)
    return mapping


def load_sku_map(table: Mapping[str, str], file: str | None, *, required: bool) -> SkuMap:
    """The SKU map of the settings (``sync.sku_map``, ``sync.sku_map_file``,
    ``sync.require_sku_map``); raises :class:`SettingsError` naming file and line."""
    mapping = read_sku_map_file(Path(file)) if file else {}
    both = sorted(set(mapping) & set(table))
    if both:
        raise SettingsError([SettingProblem(
            "sync.sku_map", f"{', '.join(both)}: given in {file} and in [sync.sku_map]; "
                            "keep one")])
    return SkuMap({**mapping, **table}, required=required)


def sku_map_problems(table: Mapping[str, str], file: str | None, *,
                     required: bool) -> list[SettingProblem]:
    """What :func:`load_sku_map` would refuse, as problems (for ``config check``)."""
    try:
        load_sku_map(table, file, required=required)
    except SettingsError as exc:
        return list(exc.problems)
    return []
