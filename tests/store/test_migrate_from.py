"""Moving a SQLite ledger into PostgreSQL: every table, row for row, in one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from ledger_fill import fill_ledger

from oc_bridge.errors import ConfigurationError
from oc_bridge.store import (
    ParkedKind,
    SqliteStore,
    open_store,
)
from oc_bridge.store.postgres import read_schema_version
from oc_bridge.store.schema import LATEST_VERSION
from oc_bridge.store.transfer import migrate_from_sqlite


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'schema_version' ORDER BY name")]


def _rows(conn: Any, table: str) -> list[tuple[Any, ...]]:
    rows = conn.execute(f"SELECT * FROM {table}").fetchall()
    return sorted((tuple(r) for r in rows), key=repr)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite3"
    with SqliteStore(path) as store:
        fill_ledger(store)
    return path


def test_every_table_moves_row_for_row(ledger: Path, pg_database: str) -> None:
    progress: list[str] = []
    transfer = migrate_from_sqlite(f"sqlite:///{ledger}", pg_database, progress=progress.append)
    tables = _tables(ledger)
    assert [t.table for t in transfer.tables] == tables
    assert all(t.rows > 0 for t in transfer.tables), transfer.tables  # the fill touches all
    assert "claims: 1 rows copied" in progress
    with sqlite3.connect(ledger) as source, psycopg.connect(pg_database) as target:
        assert read_schema_version(target) == LATEST_VERSION
        for table in tables:
            assert _rows(target, table) == _rows(source, table), table
    with open_store(pg_database) as store:  # ids continue after the copied ones
        before = max(p.id for p in store.list_parked(include_resolved=True))
        item = store.park(ParkedKind.SHIPMENT, "new", instance="csv", reason="r")
        assert item.id == before + 1
        newest = store.recent_activity(1)[0]
        assert newest.reference == "new"
        assert store.counts().orders_seen == 30


def test_a_ledger_in_the_target_is_refused_unless_replaced(ledger: Path,
                                                          pg_database: str) -> None:
    migrate_from_sqlite(f"sqlite:///{ledger}", pg_database)
    with open_store(pg_database) as store:
        store.set_cursor("only-in-target", "x")
    with pytest.raises(ConfigurationError, match=r"already holds a ledger.*--replace"):
        migrate_from_sqlite(f"sqlite:///{ledger}", pg_database)
    with open_store(pg_database) as store:
        assert store.get_cursor("only-in-target") == "x"  # refused: nothing changed
    transfer = migrate_from_sqlite(f"sqlite:///{ledger}", pg_database, replace=True)
    assert transfer.replaced["cursors"] == 2
    with open_store(pg_database) as store:
        assert store.get_cursor("only-in-target") is None
        assert store.get_cursor("orders") == "2026-01-01T00:00:00+00:00"


def test_a_dry_run_copies_then_rolls_everything_back(ledger: Path, pg_database: str) -> None:
    transfer = migrate_from_sqlite(f"sqlite:///{ledger}", pg_database, dry_run=True)
    assert transfer.dry_run and transfer.total_rows > 100
    with psycopg.connect(pg_database) as target:
        assert read_schema_version(target) == 0  # not even the schema stayed


def test_an_older_sqlite_ledger_is_migrated_first(tmp_path: Path, pg_database: str) -> None:
    path = tmp_path / "old.sqlite3"
    old = SqliteStore(path, target_version=2)
    old._execute("INSERT INTO cursors (name, value, updated_at) VALUES ('c', 'v', 'now')")
    old.close()
    with pytest.raises(ConfigurationError, match="schema version 2 of"):
        migrate_from_sqlite(f"sqlite:///{path}", pg_database, dry_run=True)
    transfer = migrate_from_sqlite(f"sqlite:///{path}", pg_database)
    assert {t.table: t.rows for t in transfer.tables}["cursors"] == 1
    with open_store(pg_database) as store:
        assert store.get_cursor("c") == "v"


def test_a_missing_or_foreign_source_is_refused(tmp_path: Path, pg_database: str) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        migrate_from_sqlite(f"sqlite:///{tmp_path / 'nope.db'}", pg_database)
    with pytest.raises(ConfigurationError, match="not a SQLite ledger"):
        migrate_from_sqlite(pg_database, pg_database)
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE x (a TEXT)").connection.close()
    with pytest.raises(ConfigurationError, match="holds no oc-bridge ledger"):
        migrate_from_sqlite(f"sqlite:///{tmp_path / 'other.db'}", pg_database)
