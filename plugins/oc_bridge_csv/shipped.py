"""Whether the warehouse already reported an order shipped, from the shipment files it dropped.

A cancellation is too late once a shipment file lists the order: one still waiting in
``inbound_dir`` or one already filed under ``processed/``. Files are looked at newest first and
read only when their bytes mention the order (a cheap test before the CSV is parsed), so the
look-up stays quick with years of processed files.
"""

from __future__ import annotations

from pathlib import Path

from oc_bridge_csv.inbound import is_candidate, read_file

__all__ = ["shipment_file_for"]


def _newest_first(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if is_candidate(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def shipment_file_for(inbound_dir: Path, reference: str, number: str, *, encoding: str,
                      delimiter: str) -> str | None:
    """The name (``processed/NAME`` for a filed one) of a shipment file that lists the order
    ``reference`` (Orderchamp id) or ``number``, or None. Raises ``OSError`` when a folder
    cannot be read."""
    needles = [n.encode("utf-8") for n in (reference, number) if n]
    for folder, prefix in ((inbound_dir, ""), (inbound_dir / "processed", "processed/")):
        for path in _newest_first(folder):
            if not any(needle in path.read_bytes() for needle in needles):
                continue
            read = read_file(path, encoding=encoding, delimiter=delimiter,
                             default_transit_days=None)
            if any(s.order_ref == reference or s.order_number == number
                   for s in read.shipments):
                return prefix + path.name
    return None
