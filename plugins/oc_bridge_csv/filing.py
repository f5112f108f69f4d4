"""Filing shipment files after the engine recorded a pull: ``processed/`` when every row became
a shipment the engine accepted, else ``failed/`` with a ``<file>.errors.txt`` report beside it.
Files are only ever moved, never deleted or overwritten."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from oc_bridge.canonical import ShipmentOutcome
from oc_bridge_csv.files import (
    atomic_write,
    fsync_dir,
    move_unique,
    now_utc,
    text_writer,
    unique_target,
)
from oc_bridge_csv.inbound import FileRead

__all__ = ["ERRORS_SUFFIX", "file_errors", "file_inbound"]

log = logging.getLogger(__name__)

#: Suffix of the error report written next to a failed file.
ERRORS_SUFFIX = ".errors.txt"


def _raw(raw: Mapping[str, object] | None) -> str:
    if not raw:
        return ""
    return " [" + ", ".join(f"{k}={v}" for k, v in raw.items() if v not in ("", None)) + "]"


def file_errors(read: FileRead, outcomes: Mapping[str, ShipmentOutcome]) -> list[str]:
    """Every reason ``read``'s file is not fully processed: its bad rows and each shipment the
    engine rejected or did not confirm. Empty means the file goes to ``processed/``."""
    errors = [f"{p.source}: {p.message}{_raw(p.raw)}" for p in read.problems]
    for shipment in read.shipments:
        outcome = outcomes.get(shipment.shipment_key)
        where = f"{read.path.name} {shipment.source.split(' ', 1)[1] if shipment.source else ''}"
        if outcome is None:
            errors.append(f"{where.strip()}: shipment {shipment.shipment_key} was not confirmed "
                          "by the engine")
        elif not outcome.ok:
            errors.append(f"{where.strip()}: shipment {shipment.shipment_key} rejected: "
                          f"{outcome.message or 'no reason given'}")
    return errors


def _report(read: FileRead, errors: list[str], outcomes: Mapping[str, ShipmentOutcome]) -> str:
    reported = [s for s in read.shipments
                if (o := outcomes.get(s.shipment_key)) is not None and o.ok]
    lines = [
        f"Shipment file {read.path.name}: {len(errors)} problem(s), filed at "
        f"{now_utc().isoformat(timespec='seconds')}.",
        "Fix these rows and drop a corrected file into the inbound folder again; shipments "
        "already reported are never reported twice.",
        "",
        *errors,
    ]
    if reported:
        lines += ["", "Reported to Orderchamp from this file:"]
        lines += [f"  {s.source}: {s.shipment_key}" for s in reported]
    return "\n".join(lines) + "\n"


def file_inbound(
    reads: Sequence[FileRead], outcomes: Sequence[ShipmentOutcome], inbound_dir: Path
) -> None:
    """Move each read file to ``processed/`` or ``failed/`` (with its error report). A file
    that vanished or changed since it was read is left alone for the next pull."""
    by_key = {outcome.shipment_key: outcome for outcome in outcomes}
    for read in reads:
        path = read.path
        try:
            stat = path.stat()
        except FileNotFoundError:
            log.warning("shipment file %s vanished before it could be filed", path.name)
            continue
        if (stat.st_size, stat.st_mtime_ns) != (read.size, read.mtime_ns):
            log.warning("shipment file %s changed since it was read; it is read again next "
                        "time", path.name)
            continue
        errors = file_errors(read, by_key)
        if not errors:
            target = move_unique(path, inbound_dir / "processed")
            log.info("shipment file %s processed (%d shipment(s))", path.name,
                     len(read.shipments))
            continue
        failed = inbound_dir / "failed"
        failed.mkdir(parents=True, exist_ok=True)
        target = unique_target(failed, path.name, ERRORS_SUFFIX)
        report = _report(read, errors, by_key)
        atomic_write(failed, target.name + ERRORS_SUFFIX, text_writer(report), encoding="utf-8")
        path.rename(target)
        fsync_dir(failed)
        log.warning("shipment file %s moved to failed/%s with %d problem(s)", path.name,
                    target.name, len(errors))
