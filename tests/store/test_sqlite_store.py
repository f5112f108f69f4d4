"""The SQLite ledger specifics: URLs, pragmas, migrating itself at open, relaxed commits.

What every backend does alike is tested in test_ledger.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from oc_bridge.errors import ConfigurationError
from oc_bridge.store import (
    ExportOperation,
    ExportState,
    SqliteStore,
    Store,
    open_store,
    sqlite_path,
)
from oc_bridge.store.sqlite import LATEST_VERSION


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = SqliteStore(tmp_path / "ledger.db")
    yield s
    s.close()


def _submit(store: Store, order_id: str = "o1", instance: str = "csv", revision: int = 1,
            digest: str = "d1") -> None:
    store.begin_export(instance, order_id, order_number="OC-1", state=ExportState.SUBMITTING,
                       operation=ExportOperation.SUBMIT, revision=revision, digest=digest,
                       fingerprint='{"fields": {}, "lines": {}}')


# --- opening and migrations -------------------------------------------------------------------


def test_open_store_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert sqlite_path("sqlite:///rel.db") == Path("rel.db")
    assert sqlite_path(f"sqlite:///{tmp_path}/abs.db") == tmp_path / "abs.db"
    assert sqlite_path("sqlite:///:memory:") is None
    with open_store("sqlite:///sub/rel.db") as store:
        assert store.schema_version == LATEST_VERSION
    assert (tmp_path / "sub" / "rel.db").is_file()
    with open_store("sqlite:///:memory:") as store:
        assert store.schema_version == LATEST_VERSION
    with pytest.raises(ConfigurationError):
        open_store("mysql://x")


def test_pragmas(store: SqliteStore) -> None:
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_upgrade_from_an_older_version_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = SqliteStore(path, target_version=1)
    assert old.schema_version == 1
    old._execute("INSERT INTO cursors (name, value, updated_at) VALUES ('c', 'v', 'now')")
    with pytest.raises(sqlite3.OperationalError):  # the activity log came with version 2
        old._query("SELECT * FROM activity")
    old.close()

    new = SqliteStore(path)
    assert new.schema_version == LATEST_VERSION
    assert new.get_cursor("c") == "v"
    _submit(new)
    assert new.recent_activity(5)[0].state == "submitting"
    versions = [r["version"] for r in new._query("SELECT version FROM schema_version")]
    assert versions == list(range(1, LATEST_VERSION + 1))
    new.close()
    again = SqliteStore(path)  # opening an up-to-date database changes nothing
    assert [r["version"] for r in again._query("SELECT version FROM schema_version")] \
        == versions
    again.close()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(ConfigurationError, match="schema version 99"):
        SqliteStore(path)


def test_relaxed_transactions_restore_full_synchronous(tmp_path: Path) -> None:
    """Observations commit without a flush; every other transaction stays FULL (2)."""
    store = SqliteStore(tmp_path / "ledger.db")
    try:
        def synchronous() -> int:
            return int(store._conn.execute("PRAGMA synchronous").fetchone()[0])

        assert synchronous() == 2
        with store.transaction(durable=False):
            assert synchronous() == 1
            with store.transaction():  # nested: joins the relaxed outer one
                assert synchronous() == 1
        assert synchronous() == 2
        with store.transaction():
            assert synchronous() == 2
    finally:
        store.close()
