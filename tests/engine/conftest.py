"""Engine fixtures: the real sandbox over HTTP, a real client and ledger, fakes that record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_fakes import FakeAdapter, FakeHooks

from oc_bridge.engine import SyncEngine
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.settings import Settings
from oc_bridge.store import SqliteStore

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(orders=12, seed=7, throttle=False, webhooks_enabled=False,
                               large_order_rate=0.0, **FAST)) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[OrderchampClient]:
    with OrderchampClient(sandbox.url, "token", throttle=False, max_attempts=1) as c:
        yield c


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "ledger.db")
    yield s
    s.close()


@pytest.fixture
def adapter() -> FakeAdapter:
    return FakeAdapter()


@pytest.fixture
def hooks() -> FakeHooks:
    return FakeHooks()


@pytest.fixture
def settings() -> Settings:
    return Settings(sync={"max_attempts": 3, "default_transit_days": 4,
                          "on_change_after_export": "update"})


@pytest.fixture
def make_engine(settings: Settings, client: OrderchampClient, store: SqliteStore,
                adapter: FakeAdapter, hooks: FakeHooks) -> Callable[..., SyncEngine]:
    def make(**kw: Any) -> SyncEngine:
        adapters = kw.pop("adapters", {adapter.instance: adapter})
        return SyncEngine(kw.pop("settings", settings), kw.pop("client", client), store,
                          adapters, hooks, **kw)
    return make
