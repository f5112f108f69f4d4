"""Delivery dates reported by an adapter with ``DELIVERY_DATES`` update Orderchamp's
``estimatedDeliveryAt`` once per change (in-process engine against the sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from workflow_bridge import WorkflowBridge

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import FulfilmentOrder, SubmitResult
from oc_bridge.engine import SyncEngine
from oc_bridge.plugins import PluginHost
from oc_bridge.settings import load_settings
from oc_bridge.store import SqliteStore


class DatingAdapter(Adapter):
    """Accepts orders and reports whatever date the test sets per order."""

    name: ClassVar[str] = "dating"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SUBMIT_ORDERS, Capability.DELIVERY_DATES})

    def __init__(self) -> None:
        super().__init__(AdapterConfig(), AdapterContext(instance="wh", state_dir=Path(".")))
        self.dates: dict[str, date | datetime] = {}
        self.asked = 0

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        return SubmitResult(external_id=f"wh-{order.number}")

    def expected_delivery(self, reference: str, number: str,
                          external_id: str | None) -> date | datetime | None:
        assert external_id == f"wh-{number}"
        self.asked += 1
        return self.dates.get(reference)


@pytest.fixture
def engine(bridge: WorkflowBridge, tmp_path: Path) -> Iterator[tuple[SyncEngine, DatingAdapter]]:
    settings = load_settings(None, environ={}, overrides={
        "orderchamp": {"api_url": bridge.sandbox.url, "token": "t"},
        "store": {"url": f"sqlite:///{tmp_path / 'dates.db'}"}})
    adapter = DatingAdapter()
    with bridge.client() as client, SqliteStore(tmp_path / "dates.db") as store:
        host = PluginHost.load(environ={}, entry_points=False)
        yield SyncEngine(settings, client, store, {"wh": adapter}, host), adapter


def test_pushed_once_per_change(bridge: WorkflowBridge,
                                engine: tuple[SyncEngine, DatingAdapter]) -> None:
    sync, adapter = engine
    order = bridge.sandbox.create_order(confirmed=True, lines=1)
    first = sync.sync()
    assert first.exported == 1 and first.delivery_dates_updated == 0 and adapter.asked == 1

    adapter.dates[order["id"]] = date(2031, 5, 6)
    assert sync.sync().delivery_dates_updated == 1
    assert bridge.order(order["id"])["estimatedDeliveryAt"].startswith("2031-05-06T12:00")
    again = sync.sync()
    assert again.delivery_dates_updated == 0  # unchanged: not pushed again
    # The date came from the warehouse: no update is echoed back, nothing is parked.
    assert again.updated == 0 and again.parked == 0 and sync.store.list_parked() == []

    adapter.dates[order["id"]] = datetime(2031, 5, 8, 15, 0, tzinfo=UTC)
    assert sync.sync().delivery_dates_updated == 1
    assert bridge.order(order["id"])["estimatedDeliveryAt"].startswith("2031-05-08T15:00")
    dry = SyncEngine(sync.ctx.settings, sync.client, sync.store, {"wh": adapter},
                     sync.ctx.hooks, dry_run=True)
    adapter.dates[order["id"]] = date(2031, 6, 1)
    planned = dry.sync()
    assert planned.delivery_dates_updated == 1
    assert bridge.order(order["id"])["estimatedDeliveryAt"].startswith("2031-05-08")
