"""The CSV adapter's export journal: one small JSON marker per (order reference, revision) and
per cancellation, kept in the adapter's state folder.

A marker is written atomically in two steps: ``pending`` (with the chosen file name) before the
data file is written, ``written`` after it was renamed into place. A retry after a crash reads
the marker and reuses the same file name, so no second file is ever produced for the same
(reference, revision) -- except in one window documented on :meth:`CsvAdapter.submit_order`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from oc_bridge_csv.files import atomic_write, safe_part, text_writer

__all__ = ["Journal", "JournalEntry"]


@dataclass(frozen=True)
class JournalEntry:
    """One marker: the file name, ``pending`` or ``written``, and extra values to reuse."""

    file: str
    state: str
    extra: dict[str, Any]

    @property
    def written(self) -> bool:
        """True once the data file was renamed into place."""
        return self.state == "written"


class Journal:
    """Markers under ``<state_dir>/journal/<reference>/``; folders are created on first write."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir) / "journal"

    def _folder(self, reference: str) -> Path:
        digest = hashlib.sha256(reference.encode("utf-8")).hexdigest()[:10]
        return self.root / f"{safe_part(reference)[:60]}-{digest}"

    def read(self, reference: str, key: str) -> JournalEntry | None:
        """The marker for ``key`` (``r1``, ``r2``, ``cancel``) of ``reference``, or None."""
        path = self._folder(reference) / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return JournalEntry(file=data["file"], state=data["state"], extra=data.get("extra", {}))

    def write(self, reference: str, key: str, entry: JournalEntry) -> None:
        """Atomically (and durably) write the marker for ``key`` of ``reference``."""
        folder = self._folder(reference)
        folder.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"reference": reference, **asdict(entry)}, sort_keys=True)
        atomic_write(folder, f"{key}.json", text_writer(payload), encoding="utf-8")
