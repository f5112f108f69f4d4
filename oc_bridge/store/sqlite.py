"""The embedded SQLite ledger (the default store).

One connection shared by all threads behind a re-entrant lock: a transaction holds the lock
from ``BEGIN IMMEDIATE`` to ``COMMIT``, so threads never interleave inside one, and other
processes (a daemon next to a manual ``sync``) wait through ``busy_timeout`` under WAL.
``synchronous=FULL`` makes every committed intent survive a power cut, not only a kill.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge.store import sqlite_sql
from oc_bridge.store.sql_extras import Row, utc_now
from oc_bridge.store.sql_store import SqlStore

__all__ = ["LATEST_VERSION", "SqliteStore"]

log = logging.getLogger(__name__)

LATEST_VERSION = sqlite_sql.MIGRATIONS[-1][0]
BUSY_TIMEOUT_MS = 10_000


class SqliteStore(SqlStore):
    """The ledger in one SQLite file (or ``:memory:``). Migrates the schema when opened.

    ``target_version`` stops migrating at that version (tests use it to build an older
    database); by default every migration is applied. Raises ``ConfigurationError`` when the
    file cannot be opened or was written by a newer oc-bridge.
    """

    sql = sqlite_sql

    def __init__(self, path: str | Path, *, target_version: int | None = None) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigurationError(f"store.url: cannot create the folder of {self.path}: "
                                         f"{exc}") from exc
        try:
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error as exc:
            raise ConfigurationError(f"store: cannot open {self.path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._migrate(LATEST_VERSION if target_version is None else target_version)

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[None]:
        """A write transaction (``BEGIN IMMEDIATE``); nested calls join the outermost one.

        ``durable=False`` commits with ``synchronous=NORMAL``: in WAL mode the commit survives
        a killed process but is flushed to disk only by the next FULL commit (or checkpoint).
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            outermost = self._depth == 0
            relaxed = outermost and not durable
            if relaxed:
                self._conn.execute("PRAGMA synchronous = NORMAL")
            if outermost:
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:  # locked beyond busy_timeout
                    if relaxed:
                        self._conn.execute("PRAGMA synchronous = FULL")
                    raise TransientError(f"store {self.path} is busy: {exc}") from exc
            self._depth += 1
            try:
                yield
                if outermost:
                    self._conn.execute("COMMIT")
            except BaseException:
                if outermost and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            finally:
                self._depth -= 1
                if relaxed:
                    self._conn.execute("PRAGMA synchronous = FULL")

    def _execute(self, statement: str, params: Mapping[str, Any] | None = None) -> int:
        with self._lock:
            return self._conn.execute(statement, dict(params or {})).rowcount

    def _query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            rows = self._conn.execute(statement, dict(params or {})).fetchall()
            return [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]

    # --- schema -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        rows = self._query(self.sql.SELECT_SCHEMA_VERSION)
        return int(rows[0]["version"])

    def _migrate(self, target: int) -> None:
        with self.transaction():
            self._execute(self.sql.CREATE_SCHEMA_VERSION)
            current = self.schema_version
            if current > LATEST_VERSION:
                raise ConfigurationError(
                    f"store {self.path} has schema version {current}, newer than this "
                    f"oc-bridge understands ({LATEST_VERSION}); upgrade oc-bridge")
            for version, description, statements in self.sql.MIGRATIONS:
                if current < version <= target:
                    for statement in statements:
                        self._execute(statement)
                    self._execute(self.sql.INSERT_SCHEMA_VERSION, {
                        "version": version, "description": description, "at": utc_now()})
                    log.info("store %s migrated to schema version %d: %s",
                             self.path, version, description)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
