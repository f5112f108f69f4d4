"""Fixtures for every test package: ledgers on SQLite and, when a server is configured, on
PostgreSQL (see ``tests/pg_support.py``).

- ``pg_database``: the URL of a new, empty PostgreSQL database of this test's own (dropped
  afterwards); skips with a clear reason when ``OC_BRIDGE_TEST_POSTGRES_DSN`` is unset.
- ``pg_store_url``: the same, with the ledger schema applied (``oc-bridge db upgrade``).
- ``store_url``: parametrised, a ready ledger URL on each backend (``sqlite`` and
  ``postgresql``): a test taking it runs once per backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_support import SKIP_REASON, create_database, drop_database, postgres_dsn


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, uniquely named, empty PostgreSQL database (URL); dropped after the test."""
    dsn = postgres_dsn()
    if dsn is None:
        pytest.skip(SKIP_REASON)
    url = create_database(dsn)
    try:
        yield url
    finally:
        drop_database(dsn, url)


@pytest.fixture
def pg_store_url(pg_database: str) -> str:
    """A fresh PostgreSQL database with the ledger schema at the latest version."""
    from oc_bridge.store.postgres import upgrade_schema

    upgrade_schema(pg_database)
    return pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL ready for ``open_store``, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("pg_store_url"))
