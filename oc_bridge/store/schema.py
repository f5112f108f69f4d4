"""The ledger's schema version on either backend, and bringing it up to date
(``oc-bridge db status`` / ``db upgrade``).

SQLite migrates itself whenever the bridge opens it, so for SQLite ``upgrade`` is simply
opening it; PostgreSQL is only ever migrated here (:func:`~oc_bridge.store.postgres.
upgrade_schema`), never by a starting replica.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from oc_bridge.errors import ConfigurationError
from oc_bridge.store import sqlite_sql

__all__ = ["SchemaState", "SchemaStatus", "schema_status", "upgrade"]

LATEST_VERSION = sqlite_sql.MIGRATIONS[-1][0]


class SchemaState(StrEnum):
    """Where a ledger's schema stands against this oc-bridge."""

    CURRENT = "current"
    BEHIND = "behind"  # PostgreSQL: run `oc-bridge db upgrade`; SQLite: migrates at next open
    EMPTY = "empty"  # no ledger yet (version 0)
    NEWER = "newer"  # written by a newer oc-bridge: upgrade oc-bridge


@dataclass(frozen=True)
class SchemaStatus:
    """One ledger's schema: backend, where (password hidden), version, pending steps."""

    backend: str
    store: str
    version: int
    latest: int
    pending: tuple[tuple[int, str], ...]

    @property
    def state(self) -> SchemaState:
        """Current, behind, empty or newer."""
        if self.version > self.latest:
            return SchemaState.NEWER
        if self.version == self.latest:
            return SchemaState.CURRENT
        return SchemaState.EMPTY if self.version == 0 else SchemaState.BEHIND

    @property
    def usable(self) -> bool:
        """True when the bridge can open this ledger as it is (SQLite: it migrates itself)."""
        if self.state is SchemaState.NEWER:
            return False
        return self.backend == "sqlite" or self.state is SchemaState.CURRENT


def _pending(version: int) -> tuple[tuple[int, str], ...]:
    return tuple((v, d) for v, d, _ in sqlite_sql.MIGRATIONS if v > version)


def _sqlite_version(url: str) -> int:
    from oc_bridge.store import sqlite_path

    path = sqlite_path(url)
    if path is None or not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ConfigurationError(f"store {path}: cannot open: {exc}") from exc
    try:
        present = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'schema_version'").fetchone()
        if present is None:
            return 0
        return int(conn.execute(sqlite_sql.SELECT_SCHEMA_VERSION).fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise ConfigurationError(f"store {path}: not an oc-bridge ledger: {exc}") from exc
    finally:
        conn.close()


def schema_status(url: str) -> SchemaStatus:
    """Read the schema version of the ledger at ``url`` without changing anything.

    Raises ``ConfigurationError`` for an unsupported URL or unreadable file,
    ``TransientError`` when a PostgreSQL server cannot be reached.
    """
    from oc_bridge.store import is_postgres_url

    if url.startswith("sqlite:///"):
        version = _sqlite_version(url)
        return SchemaStatus("sqlite", url, version, LATEST_VERSION, _pending(version))
    if is_postgres_url(url):
        from oc_bridge.store.postgres import connect, read_schema_version, redact_url

        with connect(url, autocommit=True) as conn:
            version = read_schema_version(conn)
        return SchemaStatus("postgresql", redact_url(url), version, LATEST_VERSION,
                            _pending(version))
    raise ConfigurationError(f"store.url {url!r}: must start with sqlite:/// or postgresql://")


def upgrade(url: str, *, dry_run: bool = False) -> tuple[SchemaStatus, SchemaStatus]:
    """Apply pending migrations (none with ``dry_run``); the status before and after.

    Raises ``ConfigurationError`` when the ledger is newer than this oc-bridge.
    """
    from oc_bridge.store import is_postgres_url, open_store

    before = schema_status(url)
    if before.state is SchemaState.NEWER:
        raise ConfigurationError(
            f"store {before.store} has schema version {before.version}, newer than this "
            f"oc-bridge understands ({before.latest}); upgrade oc-bridge")
    if dry_run or before.state is SchemaState.CURRENT:
        return before, before
    if is_postgres_url(url):
        from oc_bridge.store.postgres import upgrade_schema

        upgrade_schema(url)
    else:
        open_store(url).close()  # SQLite migrates itself when opened
    return before, schema_status(url)
