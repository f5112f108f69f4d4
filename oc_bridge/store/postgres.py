"""The ledger in PostgreSQL, shared by several processes (``store.url = "postgresql://..."``).

Statements come from :mod:`oc_bridge.store.postgres_sql` (derived from the SQLite module), the
logic from :class:`~oc_bridge.store.sql_store.SqlStore`. Connections come from a psycopg pool:
a transaction holds one connection for its whole length, bound to the calling thread, so the
daemon's worker threads each run their own transactions side by side (nested calls on the
same thread join the outermost one); a read outside a transaction borrows a connection for one
statement (autocommit). Transactions run at READ COMMITTED; the statements that must not race
(claims, inbox inserts) are single conditional writes whose row count is the answer.

Unlike SQLite, this store never changes the schema when it opens: it checks the version and
refuses an unmigrated or newer database with a ``ConfigurationError`` that says to run
``oc-bridge db upgrade`` (:func:`upgrade_schema`), so replicas of different versions never
race to migrate. A lost or unreachable server raises ``TransientError`` (callers retry; the
daemon answers 503).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge.store import postgres_sql
from oc_bridge.store.inbox import InboxItem
from oc_bridge.store.sql_extras import Row, utc_in, utc_now
from oc_bridge.store.sql_store import SqlStore

__all__ = [
    "INBOX_LEASE_LOCK",
    "LATEST_VERSION",
    "SCHEMA_LOCK",
    "PostgresStore",
    "SchemaChange",
    "connect",
    "read_schema_version",
    "redact_url",
    "translate_errors",
    "upgrade_schema",
]

log = logging.getLogger(__name__)

LATEST_VERSION = postgres_sql.MIGRATIONS[-1][0]
#: Advisory lock keys: schema upgrades (``pg_advisory_xact_lock``), and the key space of the
#: per-order transaction locks taken while leasing inbox items (``INBOX_TRY_GROUP``).
SCHEMA_LOCK = 0x0CB_0001
INBOX_LEASE_LOCK = 0x0CB_0002
#: Seconds to wait for a connection (and for the server to answer a connect).
CONNECT_TIMEOUT = 10.0
#: Connections per process: the daemon's workers and webhook threads each hold at most one.
POOL_SIZE = 16
#: A pooled connection idle at least this long is checked (one round trip) before it is
#: handed out, so one broken by a server restart is replaced instead of failing a step;
#: one in steady use is handed out unchecked (the check would double the cost of a read).
IDLE_CHECK_SECONDS = 2.0
#: The pool's background reconnection backs off exponentially (1, 2, 4, 8... s) until it gives
#: up after this long; the next request for a connection starts a new attempt at once. Kept
#: short so that after a long outage (30 s and more) work resumes within seconds of the server
#: answering again, not after the next doubled wait (measured: 40 s after a 30 s outage with
#: the pool's default of 5 minutes).
RECONNECT_GIVE_UP = 4.0
#: Group heads one lease transaction tries before it gives up for this round.
LEASE_TRIES = 4


def redact_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@contextmanager
def translate_errors(where: str) -> Iterator[None]:
    """Lost connections, an unreachable or restarting server, serialisation failures,
    deadlocks, and a unique key another transaction inserted first become ``TransientError``
    (the same work succeeds when tried again).

    The last one is the price of READ COMMITTED: SQLite serialises writers, so its
    look-then-insert steps (``begin_export``, ``park``, ``receive_shipment``) never race; here
    two transactions may both look, find nothing, and insert, and the second insert waits and
    then fails on the key. Tried again, the step finds the row and updates it."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        raise TransientError(f"store {where}: another transaction wrote the same row first "
                             f"({exc.diag.constraint_name or 'unique key'}); try again") \
            from exc
    except (PoolTimeout, PoolClosed) as exc:
        raise TransientError(f"store {where}: no database connection: {exc}") from exc
    except psycopg.OperationalError as exc:
        raise TransientError(f"store {where}: {exc}".strip()) from exc
    except psycopg.InterfaceError as exc:  # a connection closed under us
        raise TransientError(f"store {where}: {exc}") from exc


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[dict[str, Any]]:
    """One plain connection (schema upgrades, ``db status``, ``db migrate-from``); raises
    ``TransientError`` when the server cannot be reached."""
    with translate_errors(redact_url(url)):
        return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row,
                               connect_timeout=int(CONNECT_TIMEOUT))


def read_schema_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version of the database behind ``conn`` (0 when it has no ledger yet)."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL AS present").fetchone()
    if not _value(row, "present"):
        return 0
    row = conn.execute(postgres_sql.SELECT_SCHEMA_VERSION).fetchone()
    return int(_value(row, "version"))


def _value(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, Mapping) else row[0]


@dataclass(frozen=True)
class SchemaChange:
    """The outcome of :func:`upgrade_schema`: versions before and after, steps (to be) applied."""

    before: int
    after: int
    steps: tuple[tuple[int, str], ...]


def upgrade_schema(url: str, *, target: int | None = None, dry_run: bool = False,
                   conn: psycopg.Connection[Any] | None = None) -> SchemaChange:
    """Apply the pending migrations to the PostgreSQL database at ``url`` in one transaction.

    Safe when several processes run it at once: the transaction first takes an advisory lock,
    so the second waits and then finds nothing left to do. ``dry_run`` computes the steps and
    rolls back. ``conn`` runs it inside the caller's open transaction instead (no commit).
    Raises ``ConfigurationError`` when the database is newer than this oc-bridge.
    """
    goal = LATEST_VERSION if target is None else target
    if conn is not None:
        return _upgrade(conn, url, goal, dry_run=False)
    with connect(url) as own, translate_errors(redact_url(url)):
        change = _upgrade(own, url, goal, dry_run=dry_run)
        if dry_run:
            own.rollback()
        else:
            own.commit()
        return change


def _upgrade(conn: psycopg.Connection[Any], url: str, goal: int, *,
             dry_run: bool) -> SchemaChange:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
    _create_missing_schema(conn, url)
    conn.execute(postgres_sql.CREATE_SCHEMA_VERSION)
    before = read_schema_version(conn)
    if before > LATEST_VERSION:
        raise ConfigurationError(
            f"store {redact_url(url)} has schema version {before}, newer than this oc-bridge "
            f"understands ({LATEST_VERSION}); upgrade oc-bridge")
    steps = tuple((v, d) for v, d, _ in postgres_sql.MIGRATIONS if before < v <= goal)
    if dry_run:
        return SchemaChange(before, max([before, *(v for v, _ in steps)]), steps)
    for version, description, statements in postgres_sql.MIGRATIONS:
        if before < version <= goal:
            for statement in statements:
                conn.execute(postgres_sql.pyformat(statement), {})
            conn.execute(postgres_sql.pyformat(postgres_sql.INSERT_SCHEMA_VERSION),
                         {"version": version, "description": description, "at": utc_now()})
            log.info("store %s migrated to schema version %d: %s", redact_url(url), version,
                     description)
    return SchemaChange(before, read_schema_version(conn), steps)


def _create_missing_schema(conn: psycopg.Connection[Any], url: str) -> None:
    """Create the schema named first in the connection's ``search_path`` when none of its
    schemas exists yet: an account's ledger in a shared database lives in its own schema
    (``options=-csearch_path=oc_<account>`` in its URL, see ``oc_bridge.accounts``)."""
    if _value(conn.execute("SELECT current_schema() AS present").fetchone(), "present"):
        return
    path = _value(conn.execute("SELECT current_setting('search_path') AS path").fetchone(),
                  "path")
    first = str(path).split(",")[0].strip().strip('"')
    if first and not first.startswith("$"):
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(first)))
        log.info("store %s: created schema %s", redact_url(url), first)


class _ThreadState(threading.local):
    conn: psycopg.Connection[dict[str, Any]] | None = None
    depth: int = 0


class PostgresStore(SqlStore):
    """The ledger in a PostgreSQL database (see the module docstring).

    Raises ``ConfigurationError`` when the schema is not at this oc-bridge's version (run
    ``oc-bridge db upgrade``), ``TransientError`` when the server cannot be reached.
    ``check_schema=False`` skips the check (for the upgrade and migration tools only).
    """

    sql = postgres_sql

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE,
                 connect_timeout: float = CONNECT_TIMEOUT, check_schema: bool = True) -> None:
        self.url = url
        self.display_url = redact_url(url)
        self._local = _ThreadState()
        self._last_used: dict[int, float] = {}  # id(connection) -> monotonic time given back
        self._pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url, min_size=1, max_size=max(1, pool_size), open=False, timeout=connect_timeout,
            kwargs={"autocommit": True, "row_factory": dict_row,
                    "connect_timeout": max(1, int(connect_timeout))},
            check=self._check_idle, name="oc-bridge-store",
            reconnect_timeout=RECONNECT_GIVE_UP,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise TransientError(f"store {self.display_url}: cannot connect within "
                                 f"{connect_timeout:g}s: {exc}") from exc
        if check_schema:
            try:
                self._check_schema()
            except BaseException:
                self._pool.close()
                raise

    def _check_schema(self) -> None:
        version = self.schema_version
        if version < LATEST_VERSION:
            state = "has no oc-bridge ledger yet" if version == 0 \
                else f"has schema version {version}"
            raise ConfigurationError(
                f"store {self.display_url} {state}; this oc-bridge needs version "
                f"{LATEST_VERSION}: run `oc-bridge db upgrade` first")
        if version > LATEST_VERSION:
            raise ConfigurationError(
                f"store {self.display_url} has schema version {version}, newer than this "
                f"oc-bridge understands ({LATEST_VERSION}); upgrade oc-bridge")

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[None]:
        """A transaction on a connection of this thread's own; nested calls join the outermost.

        ``durable=False`` commits with ``synchronous_commit = off``: the commit is visible at
        once and survives a crashed client, but the server may lose it in its own crash.
        """
        state = self._local
        if state.conn is not None:
            state.depth += 1
            try:
                yield
            finally:
                state.depth -= 1
            return
        with translate_errors(self.display_url), self._borrow() as conn:
            state.conn, state.depth = conn, 1
            try:
                with conn.transaction():
                    if not durable:
                        conn.execute("SET LOCAL synchronous_commit = off")
                    yield
            finally:
                state.conn, state.depth = None, 0

    @contextmanager
    def _borrow(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        with self._pool.connection() as conn:
            try:
                yield conn
            finally:
                self._last_used[id(conn)] = time.monotonic()

    def _check_idle(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        if time.monotonic() - self._last_used.get(id(conn), 0.0) >= IDLE_CHECK_SECONDS:
            ConnectionPool.check_connection(conn)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """This thread's transaction connection, else one borrowed for a single statement."""
        if self._local.conn is not None:
            yield self._local.conn
            return
        with self._borrow() as conn:
            yield conn

    def _execute(self, statement: str, params: Mapping[str, Any] | None = None) -> int:
        with translate_errors(self.display_url), self._connection() as conn:
            return conn.execute(postgres_sql.pyformat(statement), dict(params or {})).rowcount

    def _query(self, statement: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        with translate_errors(self.display_url), self._connection() as conn:
            return list(conn.execute(postgres_sql.pyformat(statement),
                                     dict(params or {})).fetchall())

    # --- PostgreSQL specifics ---------------------------------------------------------------

    def inbox_lease(self, owner: str, *, lease_seconds: float) -> list[InboxItem]:
        """Lease the next ready order's items; several replicas (and their workers) lease side
        by side. The next ready group head is picked with ``FOR UPDATE SKIP LOCKED``, so two
        leasers never wait on each other's candidate; its order is then leased under a
        per-order transaction lock (``pg_try_advisory_xact_lock``), so two leasers that picked
        items of one order never both lease it: the second finds the lock taken (or, once the
        first committed, the order held) and tries the next head. Empty when nothing is ready
        (or everything ready is being leased by others this instant)."""
        token = f"{owner}:{uuid.uuid4().hex[:12]}"
        now = utc_now()
        params = {"owner": token, "expires": utc_in(lease_seconds), "now": now}
        with self.transaction():
            for _ in range(LEASE_TRIES):
                rows = self._query(postgres_sql.INBOX_NEXT_HEAD, {"now": now})
                if not rows:
                    return []
                head, group = rows[0]["id"], rows[0]["group_key"]
                if group is None:
                    self._execute(postgres_sql.INBOX_LEASE_ONE, {**params, "id": head})
                    return self._leased(token)
                locked = self._query(postgres_sql.INBOX_TRY_GROUP,
                                     {"space": INBOX_LEASE_LOCK, "group_key": group})
                if locked and locked[0]["ok"] and self._execute(
                        postgres_sql.INBOX_LEASE_FREE_GROUP, {**params, "group_key": group}):
                    return self._leased(token)
            return []

    @property
    def schema_version(self) -> int:
        with translate_errors(self.display_url), self._connection() as conn:
            return read_schema_version(conn)

    def close(self) -> None:
        self._pool.close()
