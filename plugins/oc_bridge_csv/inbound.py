"""Reading shipment files dropped by the warehouse into shipments and problems.

One file is one unit: rows with the same order and tracking number (or the same
``shipment_id`` when given) form one :class:`ShipmentReport`; an untracked parcel is keyed by
order + ``shipment_id``, else order + carrier + ``shipped_at``. A shipment with any bad row is
withheld as a whole (so a corrected re-drop reports it complete under the same key). Nothing in
here raises for bad input: every problem becomes an :class:`InboundProblem`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from oc_bridge.canonical import InboundProblem, ShipmentReport, ShippedLine
from oc_bridge_csv.rows import (
    REQUIRED_COLUMNS,
    ParsedRow,
    RowError,
    normalise_header,
    parse_row,
    parse_shipped_at,
)

__all__ = ["FileRead", "file_problem", "is_candidate", "parse_shipped_at", "read_file",
           "row_ranges"]

_SKIPPED_SUFFIXES = (".tmp", ".part", ".filepart")
#: How many of a bad file's row problems its parked item carries in full.
FILE_PROBLEM_SAMPLE = 20


@dataclass
class FileRead:
    """What was read from one file: its shipments' keys and rows, and its problems. Kept in the
    pull's ``handle`` so :meth:`CsvAdapter.acknowledge_shipments` can file it."""

    path: Path
    size: int
    mtime_ns: int
    shipments: list[ShipmentReport] = field(default_factory=list)
    problems: list[InboundProblem] = field(default_factory=list)


def file_problem(read: FileRead, *, failed_folder: str = "failed") -> InboundProblem | None:
    """One problem for the whole file (None when it has none), so a bad file is parked once,
    not once per row: its reason counts the bad rows and names them as ranges; ``raw`` holds
    the row numbers and the first problems in full. Every row's problem is in the file's
    error report in ``failed/`` (see :mod:`oc_bridge_csv.filing`)."""
    if not read.problems:
        return None
    name = read.path.name
    if len(read.problems) == 1 and read.problems[0].source == name:
        return read.problems[0]  # a whole-file problem already names the file
    rows = [int(p.source.rsplit(":", 1)[1]) for p in read.problems
            if p.source.startswith(f"{name}:")]
    where = row_ranges(rows) if rows else "the file"
    message = (f"{len(read.problems)} problem(s) in {where}; the file goes to {failed_folder}/ "
               f"with every row in {name}.errors.txt. First: {read.problems[0].message}")
    sample = [{"row": p.source, "message": p.message, "raw": dict(p.raw or {})}
              for p in read.problems[:FILE_PROBLEM_SAMPLE]]
    return InboundProblem(source=name, message=message,
                          raw={"file": name, "problems": len(read.problems), "rows": where,
                               "first": sample})


def is_candidate(path: Path) -> bool:
    """True for a complete shipment file: ``*.csv``, not hidden, not a temporary upload."""
    name = path.name.lower()
    return (
        not name.startswith(".")
        and name.endswith(".csv")
        and not name.endswith(_SKIPPED_SUFFIXES)
        and path.is_file()
    )


def row_ranges(rows: list[int]) -> str:
    """``row 2``, ``rows 2-4`` or ``rows 2-3, 7``."""
    ordered = sorted(set(rows))
    parts: list[str] = []
    start = prev = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if number is not None:
            start = prev = number
    label = "rows" if len(ordered) > 1 else "row"
    return f"{label} {', '.join(parts)}"


def _delimiter(header_line: str, configured: str) -> str:
    candidates = [configured] + [c for c in (",", ";") if c != configured]
    counts = {c: header_line.count(c) for c in candidates}
    best = max(candidates, key=lambda c: counts[c])  # ties keep the configured one (first)
    return best if counts[best] else configured


def _decode(data: bytes, encoding: str) -> str:
    # utf-8 and utf-8-sig read the same text; a BOM is tolerated either way.
    return data.decode("utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding)


def read_file(path: Path, *, encoding: str, delimiter: str,
              default_transit_days: int | None) -> FileRead:
    """Read one shipment file. Whole-file problems (undecodable bytes, no header, missing
    columns) give a single problem and no shipments; bad rows give one problem each."""
    stat = path.stat()
    result = FileRead(path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    name = path.name
    try:
        text = _decode(path.read_bytes(), encoding)
    except UnicodeDecodeError as exc:
        result.problems.append(InboundProblem(
            source=name, message=f"not valid {encoding}: undecodable byte at offset {exc.start}"))
        return result
    except OSError as exc:
        result.problems.append(InboundProblem(source=name, message=f"cannot read: {exc}"))
        return result
    first_line = text.split("\n", 1)[0]
    records, problem = _records(text, _delimiter(first_line, delimiter))
    if problem is None and (not records or not any(cell.strip() for cell in records[0])):
        problem = "no header row"
    header = normalise_header(records[0]) if problem is None else []
    missing = [label for label, options in REQUIRED_COLUMNS if not set(options) & set(header)]
    if problem is None and missing:
        problem = f"header lacks column(s) {', '.join(missing)} (found: {', '.join(header)})"
    if problem is None:
        problem = _twice(header)
    if problem is not None:
        result.problems.append(InboundProblem(source=name, message=problem))
        return result
    _group(result, header, records[1:], default_transit_days)
    return result


def _records(text: str, delimiter: str) -> tuple[list[list[str]], str | None]:
    """The file's records, one per line, or a whole-file problem: a stray or unterminated
    quote (which would otherwise swallow cells or whole rows into one cell)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        for cells in reader:
            if any("\n" in cell or "\r" in cell for cell in cells):
                return records, (f"line {len(records) + 1}: a quoted cell runs over several "
                                 "lines (an unterminated quote?)")
            records.append(cells)
    except csv.Error as exc:
        return records, f"line {reader.line_num}: not readable CSV: {exc} (a stray or " \
                        "unterminated quote?)"
    return records, None


def _twice(header: list[str]) -> str | None:
    """A whole-file problem when the header names a column twice (which value would count?)."""
    seen: dict[str, list[int]] = {}
    for index, name in enumerate(header, start=1):
        if name:
            seen.setdefault(name, []).append(index)
    doubled = [f"{name} (columns {', '.join(map(str, places))})"
               for name, places in seen.items() if len(places) > 1]
    return f"header names a column twice: {'; '.join(doubled)}" if doubled else None


def _group(result: FileRead, header: list[str], records: list[list[str]],
           default_transit_days: int | None) -> None:
    name = result.path.name
    groups: dict[tuple[str, ...], list[ParsedRow]] = {}
    bad_in_group: dict[tuple[str, ...], list[int]] = {}
    for offset, cells in enumerate(records):
        number = offset + 2  # the header is row 1
        if not any(cell.strip() for cell in cells):
            continue  # a blank line carries no data
        parsed = parse_row(header, cells, number)
        if isinstance(parsed, RowError):
            result.problems.append(InboundProblem(
                source=f"{name}:{number}", message=parsed.message, raw=parsed.raw))
            if parsed.group is not None:
                bad_in_group.setdefault(parsed.group, []).append(number)
            continue
        groups.setdefault(parsed.group, []).append(parsed)
    for group, rows in groups.items():
        if group in bad_in_group:
            bad = row_ranges(bad_in_group[group])
            for row in rows:
                result.problems.append(InboundProblem(
                    source=f"{name}:{row.number}", raw=row.raw,
                    message=f"not reported: {bad} of the same shipment is bad; "
                            "fix the file and drop it again"))
            continue
        result.shipments.append(_shipment(name, rows, default_transit_days))


def _shipment(name: str, rows: list[ParsedRow], default_transit_days: int | None) -> ShipmentReport:
    quantities: dict[tuple[str | None, str | None], int] = {}
    for row in rows:
        quantities[(row.line_id, row.sku)] = quantities.get((row.line_id, row.sku), 0) \
            + row.quantity

    def first(attribute: str) -> str | None:
        return next((getattr(r, attribute) for r in rows if getattr(r, attribute)), None)

    transit = next((r.transit_days for r in rows if r.transit_days), None)
    weight = next((r.weight_grams for r in rows if r.weight_grams is not None), None)
    return ShipmentReport(
        shipment_key=rows[0].shipment_key,
        order_ref=first("order_id"),
        order_number=first("order_number"),
        shipped_at=next((r.shipped_at for r in rows if r.shipped_at), None),
        carrier=first("carrier"),
        tracking_number=first("tracking_number"),
        tracking_url=first("tracking_url"),
        estimated_transit_days=transit or default_transit_days,
        method=first("method"),
        weight_grams=weight,
        lines=tuple(ShippedLine(line_ref=line, sku=sku, quantity=qty)
                    for (line, sku), qty in quantities.items()),
        source=f"{name} {row_ranges([r.number for r in rows])}",
    )
