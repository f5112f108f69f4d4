"""A small local record of the shipments this adapter handed over and the engine accepted.

ShipStation can void a label after we reported it to Orderchamp; the engine cannot know the
shipment is gone, so the adapter raises it as a problem for a human, once. This file keeps the
keys acknowledged ok and whether their void was already raised. It lives in the adapter's
``state_dir`` and forgets entries after ``keep_days``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["ReportedShipments"]

log = logging.getLogger(__name__)


class ReportedShipments:
    """Shipment keys reported to Orderchamp (JSON file, written atomically)."""

    def __init__(self, path: Path, *, keep_days: int = 120) -> None:
        self.path = path
        self.keep_seconds = keep_days * 86_400
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return {}
        return {str(k): dict(v) for k, v in (data.get("shipments") or {}).items()}

    def _save(self) -> None:
        cutoff = time.time() - self.keep_seconds
        self._entries = {k: v for k, v in self._entries.items() if v.get("at", 0) >= cutoff}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"shipments": self._entries}, sort_keys=True), "utf-8")
        os.replace(tmp, self.path)

    def add(self, keys: Iterable[str]) -> None:
        """Remember keys the engine reported (or had already reported) to Orderchamp."""
        with self._lock:
            new = [k for k in keys if k not in self._entries]
            for key in new:
                self._entries[key] = {"at": time.time(), "void_raised": False}
            if new:
                self._save()

    def was_reported(self, key: str) -> bool:
        """True when ``key`` was acknowledged as reported."""
        with self._lock:
            return key in self._entries

    def void_pending(self, key: str) -> bool:
        """True when ``key`` was reported and its void has not been raised yet."""
        with self._lock:
            entry = self._entries.get(key)
            return entry is not None and not entry.get("void_raised")

    def mark_void_raised(self, keys: Iterable[str]) -> None:
        """Remember that the void of these keys reached the engine as a problem."""
        with self._lock:
            changed = False
            for key in keys:
                if key in self._entries and not self._entries[key].get("void_raised"):
                    self._entries[key]["void_raised"] = True
                    changed = True
            if changed:
                self._save()
