"""Stock snapshots for the CSV adapter: ``sku;quantity`` files in ``stock_dir``.

Each ``*.csv`` or ``*.txt`` file (not hidden, not a temporary upload) holds one SKU and its
available quantity per line, separated by ``;`` or ``,`` (per line), with an optional header
line (``sku;quantity``). Files are read oldest first by modification time, so for a SKU in
several files the newest file wins. Stock is a snapshot, not a stream of events: files are
*kept* (never moved or deleted), and the warehouse replaces its file when figures change. A
bad line is reported as a problem with file and line number (logged by the adapter, never
silently dropped); the rest of the file still counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from oc_bridge.canonical import InboundProblem, StockLevel

__all__ = ["StockRead", "read_stock_dir"]

_SUFFIXES = (".csv", ".txt")
_SKIPPED = (".tmp", ".part", ".partial", ".crdownload")
_HEADER_SKUS = {"sku", "article", "artikel", "artikelnummer", "item"}


@dataclass
class StockRead:
    """What a stock folder says: the figure per SKU and each unreadable line."""

    levels: dict[str, StockLevel] = field(default_factory=dict)
    problems: list[InboundProblem] = field(default_factory=list)


def _is_stock_file(path: Path) -> bool:
    name = path.name.lower()
    return (not name.startswith(".") and name.endswith(_SUFFIXES)
            and not name.endswith(_SKIPPED) and path.is_file())


def _parse_line(line: str) -> tuple[str, str] | None:
    delimiter = ";" if ";" in line else ","
    cells = [c.strip().strip('"').strip() for c in line.split(delimiter)]
    if len(cells) < 2:
        return None
    return cells[0], cells[1]


def read_stock_file(path: Path, encoding: str, into: StockRead) -> None:
    """Add the figures and problems of one file to ``into`` (later calls override SKUs)."""
    as_of = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    text = path.read_text(encoding=encoding)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        source = f"{path.name}:{number}"
        parsed = _parse_line(line)
        if parsed is None:
            into.problems.append(InboundProblem(
                source=source, message="expected 'sku;quantity'", raw={"line": raw}))
            continue
        sku, quantity = parsed
        if number == 1 and sku.lower() in _HEADER_SKUS:
            continue
        try:
            available = int(quantity)
        except ValueError:
            into.problems.append(InboundProblem(
                source=source, message=f"quantity {quantity!r} is not a whole number",
                raw={"line": raw}))
            continue
        if not sku:
            into.problems.append(InboundProblem(source=source, message="SKU is empty",
                                                raw={"line": raw}))
            continue
        into.levels[sku] = StockLevel(sku=sku, available=available, as_of=as_of)


def read_stock_dir(directory: Path, encoding: str) -> StockRead:
    """Read every stock file in ``directory`` (missing folder: nothing), oldest first."""
    result = StockRead()
    if not directory.is_dir():
        return result
    files = [p for p in directory.iterdir() if _is_stock_file(p)]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    for path in files:
        try:
            read_stock_file(path, encoding, result)
        except FileNotFoundError:
            continue  # replaced between listing and reading; the new file is read next time
        except UnicodeDecodeError as exc:
            result.problems.append(InboundProblem(source=path.name,
                                                  message=f"not {encoding} text: {exc}"))
    return result
