"""A simulated warehouse partner for the CSV adapter: reads what the adapter wrote and drops
shipment files, implementing :class:`oc_bridge.testing.WarehouseProbe` for the contract suite
and the adapter's own tests."""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge_csv.config import CsvConfig

__all__ = ["CsvWarehouse"]

SHIPMENT_COLUMNS = (
    "order_number", "order_id", "line_id", "sku", "quantity", "carrier", "tracking_number",
    "tracking_url", "shipped_at", "shipment_id",
)


class CsvWarehouse:
    """The partner side of one CSV adapter configuration. ``taken_dir`` is where
    :meth:`take_all` moves outbound files, as a partner picking them up would."""

    #: A shipment file listing the order makes the adapter refuse to cancel it.
    rejects_late_cancellation = True

    def __init__(self, config: CsvConfig, taken_dir: Path) -> None:
        self.config = config
        self.taken_dir = taken_dir
        self._counter = itertools.count(1)
        self._stock: dict[str, int] = {}

    def _files(self) -> list[Path]:
        found: list[Path] = []
        for folder in (Path(self.config.outbound_dir), self.taken_dir):
            if folder.is_dir():
                found += [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        return found

    def read_rows(self, path: Path) -> list[dict[str, str]]:
        """The rows of a file the adapter wrote, as dicts (with the configured format)."""
        text = path.read_text(encoding=self.config.encoding)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=self.config.delimiter)
        return list(reader)

    def order_files(self, reference: str) -> list[Path]:
        """Order files (any revision) for ``reference``, outbound and taken."""
        return [p for p in self._files()
                if any(r.get("order_id") == reference and "line_id" in r
                       for r in self.read_rows(p))]

    def orders_received(self, reference: str) -> int:
        """The most files written for one revision of ``reference`` (2 means a duplicate)."""
        files = self.order_files(reference)
        per_revision = Counter(self.read_rows(p)[0]["revision"] for p in files)
        return max(per_revision.values(), default=0)

    def latest_revision(self, reference: str) -> int | None:
        """The highest revision among the order files for ``reference``."""
        revisions = [int(self.read_rows(p)[0]["revision"]) for p in self.order_files(reference)]
        return max(revisions, default=None)

    def is_cancelled(self, reference: str) -> bool:
        """True when a cancellation file for ``reference`` exists."""
        return any(r.get("order_id") == reference and "cancelled_at" in r
                   for p in self._files() for r in self.read_rows(p))

    def take_all(self) -> list[Path]:
        """Move every outbound file to ``taken_dir`` (the partner picked them up)."""
        self.taken_dir.mkdir(parents=True, exist_ok=True)
        moved = []
        for path in Path(self.config.outbound_dir).iterdir():
            if path.is_file() and not path.name.startswith("."):
                os.replace(path, self.taken_dir / path.name)
                moved.append(self.taken_dir / path.name)
        return moved

    def ship(
        self,
        order: FulfilmentOrder,
        lines: list[tuple[str, int]] | None = None,
        tracking_number: str | None = "TRACK1",
        carrier: str | None = "PostNL",
    ) -> None:
        """Drop a shipment file for ``order`` into the inbound folder (written under a
        ``.part`` name first, as a careful partner would)."""
        n = next(self._counter)
        skus = {line.line_ref: line.sku or "" for line in order.lines}
        chosen = lines if lines is not None else [(ln.line_ref, ln.quantity) for ln in order.lines]
        shipped_at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC).isoformat()
        shipment_id = "" if tracking_number else f"P{n}-{order.reference}"
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(SHIPMENT_COLUMNS)
        for line_ref, quantity in chosen:
            writer.writerow([
                order.number, order.reference, line_ref, skus.get(line_ref, ""), quantity,
                carrier or "", tracking_number or "",
                f"https://track.example/{tracking_number}" if tracking_number else "",
                shipped_at, shipment_id,
            ])
        inbound = Path(self.config.inbound_dir)
        inbound.mkdir(parents=True, exist_ok=True)
        name = f"shipment-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{n}.csv"
        part = inbound / (name + ".part")
        part.write_text(out.getvalue(), encoding="utf-8")
        part.rename(inbound / name)

    def drop_unreadable(self, order: FulfilmentOrder) -> None:
        """Drop a shipment file for ``order`` that cannot be read: quantities that are not
        numbers (a partner's export gone wrong)."""
        n = next(self._counter)
        inbound = Path(self.config.inbound_dir)
        inbound.mkdir(parents=True, exist_ok=True)
        rows = "".join(f"{order.number};{order.reference};{line.line_ref};{line.sku or ''};"
                       f"many;PostNL;TRACK-U{n};;;\n" for line in order.lines)
        (inbound / f"unreadable-{n}.csv").write_text(
            ";".join(SHIPMENT_COLUMNS) + "\n" + rows, encoding="utf-8")

    def was_rejected(self, order: FulfilmentOrder) -> bool:
        """True when a shipment file naming ``order`` was filed in ``failed/`` (with its
        ``.errors.txt``), i.e. kept for a human rather than filed as processed."""
        failed = Path(self.config.inbound_dir) / "failed"
        if not failed.is_dir():
            return False
        return any(path.suffix == ".csv" and any(
            r.get("order_id") == order.reference for r in self._read_any(path))
            for path in failed.iterdir())

    def _read_any(self, path: Path) -> list[dict[str, str]]:
        text = path.read_text(encoding="utf-8")
        delimiter = ";" if text.count(";") >= text.count(",") else ","
        return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))

    def set_stock(self, sku: str, available: int) -> None:
        """Write ``sku;available`` into a snapshot file in ``stock_dir`` (kept per probe)."""
        if self.config.stock_dir is None:
            raise RuntimeError("this CSV configuration has no stock_dir")
        folder = Path(self.config.stock_dir)
        folder.mkdir(parents=True, exist_ok=True)
        self._stock[sku] = available
        text = "sku;quantity\n" + "".join(f"{s};{q}\n" for s, q in self._stock.items())
        (folder / "probe-stock.csv").write_text(text, encoding="utf-8")

    def invoices_received(self, invoice_id: str) -> int:
        """How many invoice files in ``invoices_dir`` carry ``invoice_id``."""
        if self.config.invoices_dir is None or not Path(self.config.invoices_dir).is_dir():
            return 0
        return sum(1 for path in Path(self.config.invoices_dir).glob("invoice-*.csv")
                   for row in self.read_rows(path) if row.get("invoice_id") == invoice_id)
