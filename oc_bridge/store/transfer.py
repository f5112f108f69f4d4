"""Moving a whole SQLite ledger into PostgreSQL (``oc-bridge db migrate-from``).

Everything happens in one PostgreSQL transaction: the target's schema is brought to the latest
version, every table of the source is copied row for row (ids included, with ``COPY``), each
identity sequence is moved past the highest copied id, and the row counts of source and target
are compared before the commit. Any failure rolls the whole move back; a dry run does all of it
and rolls back. A target that already holds data is refused unless ``replace`` empties it
(inside the same transaction). The source is read in one read transaction (a consistent
snapshot); the bridge should be stopped while it runs, or what it writes after the snapshot is
not moved.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg import sql

from oc_bridge.errors import ConfigurationError
from oc_bridge.store.postgres import connect, redact_url, translate_errors, upgrade_schema
from oc_bridge.store.schema import SchemaState, schema_status

__all__ = ["TableCopy", "Transfer", "migrate_from_sqlite"]

log = logging.getLogger(__name__)

#: Rows between two progress lines of one table.
PROGRESS_EVERY = 50_000


@dataclass(frozen=True)
class TableCopy:
    """One table moved: its name and how many rows (source and target agree)."""

    table: str
    rows: int


@dataclass(frozen=True)
class Transfer:
    """The outcome of :func:`migrate_from_sqlite`."""

    source: str
    target: str
    schema_version: int
    tables: tuple[TableCopy, ...]
    replaced: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def total_rows(self) -> int:
        """Rows moved over every table."""
        return sum(t.rows for t in self.tables)


def _source_path(source_url: str) -> Path:
    from oc_bridge.store import sqlite_path

    path = sqlite_path(source_url)
    if not source_url.startswith("sqlite:///") or path is None:
        raise ConfigurationError(
            f"migrate-from: {source_url!r} is not a SQLite ledger file (sqlite:///PATH)")
    if not path.is_file():
        raise ConfigurationError(f"migrate-from: {path} does not exist")
    return path


def _prepare_source(source_url: str, path: Path, *, dry_run: bool) -> int:
    status = schema_status(source_url)
    if status.state is SchemaState.EMPTY:
        raise ConfigurationError(f"migrate-from: {path} holds no oc-bridge ledger")
    if status.state is SchemaState.NEWER:
        raise ConfigurationError(
            f"migrate-from: {path} has schema version {status.version}, newer than this "
            f"oc-bridge understands ({status.latest}); upgrade oc-bridge")
    if status.state is SchemaState.BEHIND:
        if dry_run:
            raise ConfigurationError(
                f"migrate-from: {path} has schema version {status.version} of "
                f"{status.latest}; open it once with this oc-bridge (e.g. `oc-bridge status`) "
                "or run without --dry-run, which migrates it first")
        from oc_bridge.store import SqliteStore

        SqliteStore(path).close()  # SQLite migrates itself at open
        log.info("migrate-from: %s migrated from schema version %d first", path, status.version)
    return status.latest


def _source_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name <> 'schema_version' ORDER BY name")]
    return {name: [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            for name in names}


def _target_columns(cur: Any, table: str) -> list[str]:
    rows = cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
    return [r["column_name"] for r in rows]


def _count(cur: Any, table: str) -> int:
    row = cur.execute(sql.SQL("SELECT COUNT(*) AS n FROM {}").format(
        sql.Identifier(table))).fetchone()
    return int(row["n"])


def migrate_from_sqlite(
    source_url: str, target_url: str, *, replace: bool = False, dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Transfer:
    """Copy the SQLite ledger at ``source_url`` into the PostgreSQL database at ``target_url``
    (see the module docstring). Returns the tables and row counts moved.

    Raises ``ConfigurationError`` when the source is not a ledger or the target already holds
    data (without ``replace``), ``TransientError`` when the server cannot be reached.
    """
    say = progress or (lambda _text: None)
    path = _source_path(source_url)
    version = _prepare_source(source_url, path, dry_run=dry_run)
    target = redact_url(target_url)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        source.execute("BEGIN")  # one snapshot of every table
        tables = _source_tables(source)
        with connect(target_url) as conn, translate_errors(target):
            upgrade_schema(target_url, conn=conn)
            cur = conn.cursor()
            for table, columns in tables.items():
                if sorted(_target_columns(cur, table)) != sorted(columns):
                    raise ConfigurationError(
                        f"migrate-from: table {table} differs between {path} and {target}")
            held = {t: n for t in tables if (n := _count(cur, t))}
            if held and not replace:
                listing = ", ".join(f"{t} {n}" for t, n in sorted(held.items()))
                raise ConfigurationError(
                    f"migrate-from: {target} already holds a ledger ({listing} rows); pass "
                    "--replace to empty it first (in the same transaction)")
            if held:
                cur.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
            copied = [TableCopy(t, _copy_table(source, cur, t, columns, say))
                      for t, columns in tables.items()]
            _reset_identities(cur, tables)
            for moved in copied:
                n = int(source.execute(f'SELECT COUNT(*) FROM "{moved.table}"').fetchone()[0])
                if _count(cur, moved.table) != n or moved.rows != n:
                    raise ConfigurationError(
                        f"migrate-from: {moved.table}: {n} rows in {path} but "
                        f"{_count(cur, moved.table)} in {target}; nothing was moved")
            if dry_run:
                conn.rollback()
            else:
                conn.commit()
    finally:
        source.close()
    return Transfer(source=str(path), target=target, schema_version=version,
                    tables=tuple(copied), replaced=held, dry_run=dry_run)


def _copy_table(source: sqlite3.Connection, cur: Any, table: str, columns: list[str],
                say: Callable[[str], None]) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    select = f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{table}"'
    rows = 0
    with cur.copy(statement) as copy:
        for row in source.execute(select):
            copy.write_row(row)
            rows += 1
            if rows % PROGRESS_EVERY == 0:
                say(f"{table}: {rows} rows")
    say(f"{table}: {rows} rows copied")
    return rows


def _reset_identities(cur: Any, tables: dict[str, list[str]]) -> None:
    identities = cur.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND is_identity = 'YES'").fetchall()
    for row in identities:
        table, column = row["table_name"], row["column_name"]
        if table not in tables:
            continue
        cur.execute(sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({}), 0) + 1, false) "
            "FROM {}").format(sql.Literal(table), sql.Literal(column), sql.Identifier(column),
                              sql.Identifier(table)))
