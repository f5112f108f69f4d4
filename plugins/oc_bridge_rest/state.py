"""The adapter's own memory in ``context.state_dir``: which warehouse order belongs to which of
our references, and whether a create attempt ended ambiguously.

One SQLite file per instance (``rest-orders.sqlite3``). A row moves through these states:

- ``pending``: a create was sent and its outcome is unknown (timeout, 5xx, crash). The next
  ``submit_order`` looks the order up before anything else.
- ``created``: the warehouse gave an id, follow-up requests (``after_create``) not all done.
- ``done``: created and followed up; ``submit_order`` returns the id without calling out.

The shipped lines of an order are kept too, so a shipment that does not list its lines can be
reported as "the whole order".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["OrderState", "StateStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    reference   TEXT PRIMARY KEY,
    number      TEXT,
    external_id TEXT,
    revision    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    lines       TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS orders_external_id ON orders (external_id);
"""


@dataclass(frozen=True)
class OrderState:
    """What the adapter remembers of one order."""

    reference: str
    number: str | None
    external_id: str | None
    revision: int
    status: str
    lines: list[tuple[str, str | None, int]]


class StateStore:
    """Thread-safe access to the instance's SQLite state file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def get(self, reference: str) -> OrderState | None:
        """The state of ``reference``, None when never seen."""
        return self._one("SELECT * FROM orders WHERE reference = ?", (reference,))

    def by_external_id(self, external_id: str) -> OrderState | None:
        """The order the warehouse knows as ``external_id``, None when unknown."""
        return self._one("SELECT * FROM orders WHERE external_id = ?", (external_id,))

    def _one(self, sql: str, args: tuple[str, ...]) -> OrderState | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        if row is None:
            return None
        reference, number, external_id, revision, status, lines = row
        return OrderState(reference, number, external_id, revision, status,
                          [tuple(x) for x in json.loads(lines)])

    def save(self, reference: str, *, status: str, revision: int, number: str | None = None,
             external_id: str | None = None,
             lines: list[tuple[str, str | None, int]] | None = None) -> None:
        """Insert or replace the state of ``reference``; ``None`` keeps the stored value of
        ``number``, ``external_id`` and ``lines``."""
        old = self.get(reference)
        if old is not None:
            number = number if number is not None else old.number
            external_id = external_id if external_id is not None else old.external_id
            lines = lines if lines is not None else old.lines
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?)",
                (reference, number, external_id, revision, status, json.dumps(lines or [])),
            )

    def forget(self, reference: str) -> None:
        """Drop what is known of ``reference`` (a create that certainly failed)."""
        with self._lock:
            self._db.execute("DELETE FROM orders WHERE reference = ?", (reference,))

    def close(self) -> None:
        """Close the database (safe to call twice)."""
        with self._lock:
            self._db.close()
