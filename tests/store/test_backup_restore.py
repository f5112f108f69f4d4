"""Backup and restore as docs/deploy.md describes them: ``sqlite3 .backup`` of a live SQLite
ledger, ``pg_dump``/``pg_restore`` of a PostgreSQL one. The restored ledger opens, holds the
same rows, and new rows continue after the restored ids."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from ledger_fill import fill_ledger
from pg_support import create_database, drop_database, postgres_dsn

from oc_bridge.store import ParkedKind, SqliteStore, open_store


def _snapshot(conn: Any, tables: list[str]) -> dict[str, list[str]]:
    return {t: sorted(repr(tuple(r)) for r in conn.execute(f"SELECT * FROM {t}").fetchall())
            for t in tables}


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed")
def test_sqlite_online_backup_and_restore(tmp_path: Path) -> None:
    ledger, copy = tmp_path / "ledger.sqlite3", tmp_path / "backup.sqlite3"
    with SqliteStore(ledger) as live:  # the bridge keeps running during the backup
        fill_ledger(live, orders=10)
        subprocess.run(["sqlite3", str(ledger), f".backup '{copy}'"], check=True, timeout=60)
        live.set_cursor("after-backup", "x")
    tables = _tables(ledger)
    restored = tmp_path / "restored" / "ledger.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(copy, restored)
    with sqlite3.connect(copy) as a, sqlite3.connect(restored) as b:
        assert _snapshot(a, tables) == _snapshot(b, tables)
    with open_store(f"sqlite:///{restored}") as store:
        assert store.get_cursor("after-backup") is None  # the backup is a point in time
        assert store.counts().orders_seen == 10
        top = max(p.id for p in store.list_parked(include_resolved=True))
        assert store.park(ParkedKind.ORDER, "new", instance=None, reason="r").id == top + 1


@pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
                    reason="pg_dump/pg_restore are not installed")
def test_pg_dump_and_pg_restore(pg_store_url: str, tmp_path: Path) -> None:
    with open_store(pg_store_url) as store:
        fill_ledger(store, orders=10)
    dump = tmp_path / "oc_bridge.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", pg_store_url],
                   check=True, timeout=120)
    dsn = postgres_dsn()
    assert dsn is not None
    target = create_database(dsn)
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)],
                       check=True, timeout=120)
        with psycopg.connect(pg_store_url) as a, psycopg.connect(target) as b:
            tables = [r[0] for r in a.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema() ORDER BY 1")]
            assert "schema_version" in tables and "claims" in tables
            assert _snapshot(a, tables) == _snapshot(b, tables)
        with open_store(target) as store:  # passes the schema check as it is
            top = max(p.id for p in store.list_parked(include_resolved=True))
            assert store.park(ParkedKind.ORDER, "new", instance=None, reason="r").id == top + 1
            assert store.counts().orders_seen == 10
    finally:
        drop_database(dsn, target)
