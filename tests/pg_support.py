"""PostgreSQL for tests: a freshly created, uniquely named database per test.

Many test processes (xdist workers, several checkouts) share one server, so no test touches
the database named in ``OC_BRIDGE_TEST_POSTGRES_DSN`` beyond creating and dropping its own
``oc_test_<random>`` database next to it. The fixtures over these helpers live in
``tests/conftest.py`` (``pg_database``, ``pg_store_url``, ``store_url``).
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

__all__ = ["DSN_ENV", "SKIP_REASON", "create_database", "drop_database", "postgres_dsn"]

DSN_ENV = "OC_BRIDGE_TEST_POSTGRES_DSN"
SKIP_REASON = (f"PostgreSQL tests need {DSN_ENV} (a postgresql:// URL of a server where the "
               "user may CREATE DATABASE, e.g. postgresql://postgres@127.0.0.1:5432/test); "
               ".ci/run sets it when a server answers at 127.0.0.1:5432")


def postgres_dsn() -> str | None:
    """The server tests may use, or None (then PostgreSQL tests skip with ``SKIP_REASON``)."""
    return os.environ.get(DSN_ENV) or None


def create_database(dsn: str) -> str:
    """Create ``oc_test_<random>`` on ``dsn``'s server; its ``postgresql://`` URL."""
    name = f"oc_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(dsn: str, url: str) -> None:
    """Drop the database of ``url`` (made by :func:`create_database`), ending its sessions."""
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("oc_test_"), name
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
