"""PostgreSQL specifics: the schema check at open, upgrades (also two at once), a connection per
thread, lost connections and an unreachable server as transient errors."""

from __future__ import annotations

import socket
import threading

import psycopg
import pytest

from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge.store import open_store
from oc_bridge.store.postgres import (
    LATEST_VERSION,
    PostgresStore,
    read_schema_version,
    redact_url,
    upgrade_schema,
)


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]


def test_an_unmigrated_database_is_refused_with_the_command_to_run(pg_database: str) -> None:
    with pytest.raises(ConfigurationError, match=r"has no oc-bridge ledger yet.*oc-bridge db "
                                                 r"upgrade"):
        open_store(pg_database)
    upgrade_schema(pg_database, target=3)
    with pytest.raises(ConfigurationError, match=rf"schema version 3; this oc-bridge needs "
                                                 rf"version {LATEST_VERSION}.*db upgrade"):
        open_store(pg_database)


def test_a_newer_database_is_refused(pg_store_url: str) -> None:
    with psycopg.connect(pg_store_url) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'future', 'now')")
    with pytest.raises(ConfigurationError, match="schema version 99, newer"):
        open_store(pg_store_url)
    with pytest.raises(ConfigurationError, match="upgrade oc-bridge"):
        upgrade_schema(pg_store_url)


def test_upgrade_applies_each_step_once_and_keeps_data(pg_database: str) -> None:
    dry = upgrade_schema(pg_database, target=1, dry_run=True)
    assert (dry.before, dry.after, [v for v, _ in dry.steps]) == (0, 1, [1])
    with psycopg.connect(pg_database) as conn:  # the dry run changed nothing
        assert read_schema_version(conn) == 0
    upgrade_schema(pg_database, target=1)
    with psycopg.connect(pg_database) as conn:
        conn.execute("INSERT INTO cursors (name, value, updated_at) VALUES ('c', 'v', 'now')")
    change = upgrade_schema(pg_database)
    assert (change.before, change.after) == (1, LATEST_VERSION)
    assert [v for v, _ in change.steps] == list(range(2, LATEST_VERSION + 1))
    assert upgrade_schema(pg_database).steps == ()
    assert _versions(pg_database) == list(range(1, LATEST_VERSION + 1))
    with open_store(pg_database) as store:
        assert store.get_cursor("c") == "v"
        assert store.schema_version == LATEST_VERSION


def test_two_upgrades_at_once_apply_each_step_once(pg_database: str) -> None:
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def upgrade() -> None:
        barrier.wait()
        try:
            outcomes.append(upgrade_schema(pg_database))
        except BaseException as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    applied = sorted(len(o.steps) for o in outcomes)  # type: ignore[attr-defined]
    assert applied == [0, 0, LATEST_VERSION]
    assert _versions(pg_database) == list(range(1, LATEST_VERSION + 1))


def test_each_thread_runs_its_own_transaction(pg_store_url: str) -> None:
    with PostgresStore(pg_store_url) as store:
        inside, release = threading.Event(), threading.Event()

        def writer() -> None:
            with store.transaction():
                store.set_cursor("w", "1")
                inside.set()
                release.wait(30)

        thread = threading.Thread(target=writer)
        thread.start()
        assert inside.wait(30)
        before = store.get_cursor("w")  # another thread: not committed yet, so not seen
        store.set_cursor("mine", "x")  # and not blocked by the open transaction
        release.set()
        thread.join()
        assert (before, store.get_cursor("w"), store.get_cursor("mine")) == (None, "1", "x")


def test_more_threads_than_connections_wait_for_one(pg_store_url: str) -> None:
    with PostgresStore(pg_store_url, pool_size=2) as store:
        def work(n: int) -> None:
            for i in range(5):
                store.set_cursor(f"c{n}-{i}", str(i))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rows = store._query("SELECT COUNT(*) AS n FROM cursors")
        assert rows[0]["n"] == 40


def test_relaxed_transactions_skip_only_their_own_flush(pg_store_url: str) -> None:
    with PostgresStore(pg_store_url) as store:
        def setting() -> str:
            return str(store._query("SHOW synchronous_commit")[0]["synchronous_commit"])

        with store.transaction(durable=False):
            assert setting() == "off"
            with store.transaction():  # nested: joins the relaxed outer one
                assert setting() == "off"
        with store.transaction():
            assert setting() == "on"


def test_a_lost_connection_is_transient_and_the_store_recovers(pg_store_url: str) -> None:
    with PostgresStore(pg_store_url) as store:
        store.set_cursor("before", "1")
        with pytest.raises(TransientError), store.transaction():
            store.set_cursor("lost", "1")
            pid = store._query("SELECT pg_backend_pid() AS pid")[0]["pid"]
            with psycopg.connect(pg_store_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            store.set_cursor("lost", "2")
        assert store.get_cursor("lost") is None  # nothing half-written
        store.set_cursor("after", "1")  # a fresh connection from the pool
        assert (store.get_cursor("before"), store.get_cursor("after")) == ("1", "1")


def test_an_unreachable_server_is_transient_and_names_no_password() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://bridge:s3cret@127.0.0.1:{port}/ledger"
    with pytest.raises(TransientError) as caught:
        PostgresStore(url, connect_timeout=1)
    assert "s3cret" not in str(caught.value) and "bridge:***@127.0.0.1" in str(caught.value)


def test_redact_url() -> None:
    assert redact_url("postgresql://u:pw@h:5/db?sslmode=require") == \
        "postgresql://u:***@h:5/db?sslmode=require"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"


def _waiting_on_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock'").fetchone()
        return bool(row and row[0])


def test_a_row_inserted_first_by_another_transaction_is_transient(pg_store_url: str) -> None:
    """Both look, find nothing, insert: the second insert waits for the first transaction and
    then fails on the key. That is a TransientError (tried again, it finds the row)."""
    from oc_bridge.store import ExportOperation, ExportState

    def begin(store: PostgresStore) -> None:
        store.begin_export("csv", "o1", order_number="OC-1", state=ExportState.SUBMITTING,
                           operation=ExportOperation.SUBMIT, revision=1, digest="d",
                           fingerprint=None)

    with PostgresStore(pg_store_url) as first, PostgresStore(pg_store_url) as second:
        inserted, finished = threading.Event(), threading.Event()
        outcome: list[BaseException | None] = []

        def holder() -> None:
            with first.transaction():
                begin(first)
                inserted.set()
                finished.wait(30)

        def racer() -> None:
            try:
                begin(second)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        hold = threading.Thread(target=holder)
        hold.start()
        assert inserted.wait(30)
        race = threading.Thread(target=racer)
        race.start()
        deadline = threading.Event()
        for _ in range(300):  # until the racer's insert waits on the holder's row
            if _waiting_on_a_lock(pg_store_url):
                break
            deadline.wait(0.1)
        finished.set()
        hold.join()
        race.join()
        assert len(outcome) == 1 and isinstance(outcome[0], TransientError), outcome
        assert "wrote the same row first" in str(outcome[0])
        begin(second)  # tried again: finds the row, updates it
        record = second.get_export("csv", "o1")
        assert record is not None and record.state == ExportState.SUBMITTING


def _terminate_sessions(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                             "datname = current_database() AND pid <> pg_backend_pid()")
        return len(rows.fetchall())


def test_an_idle_connection_broken_by_a_restart_is_replaced(
        pg_store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import oc_bridge.store.postgres as postgres

    with PostgresStore(pg_store_url, pool_size=1) as store:
        store.set_cursor("c", "1")
        monkeypatch.setattr(postgres, "IDLE_CHECK_SECONDS", 0.0)  # every connection is "idle"
        assert _terminate_sessions(pg_store_url) >= 1  # what a server restart does
        assert store.get_cursor("c") == "1"  # checked, found broken, replaced: no error
        # a connection in steady use is handed out unchecked: the broken one fails the step
        # (transient), and the next one works
        monkeypatch.setattr(postgres, "IDLE_CHECK_SECONDS", 3600.0)
        assert _terminate_sessions(pg_store_url) >= 1
        with pytest.raises(TransientError):
            store.get_cursor("c")
        assert store.get_cursor("c") == "1"
