"""Two engines on one ledger (as two processes would be): every outside step is claimed, so a
step another process is in the middle of is left to it, and a dead holder's step is resumed.

The second engine runs *inside* the first one's side effect (a wrapped client or adapter call),
which is exactly the interleaving two processes produce when one starts while the other is
creating a shipment or submitting an order.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from engine_fakes import FakeAdapter, FakeHooks
from test_engine_shipments import report

from oc_bridge.canonical import FulfilmentOrder, ShipmentPull
from oc_bridge.engine import SyncEngine, SyncSummary
from oc_bridge.engine.claims import Claims, owner_is_dead
from oc_bridge.errors import ClaimLost
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox
from oc_bridge.settings import Settings
from oc_bridge.store import ShipmentState, SqliteStore

Engine = Callable[..., SyncEngine]


@pytest.fixture
def other_store(tmp_path: Path, store: SqliteStore) -> Iterator[SqliteStore]:
    """A second connection to the same ledger file (another process's view)."""
    s = SqliteStore(tmp_path / "ledger.db")
    yield s
    s.close()


def other_engine(settings: Settings, client: Any, store: SqliteStore,
                 adapter: FakeAdapter) -> SyncEngine:
    return SyncEngine(settings, client, store, {adapter.instance: adapter}, FakeHooks())


class DuringCreate:
    """A client whose ``create_shipment`` first runs ``meanwhile`` (the other process)."""

    def __init__(self, inner: OrderchampClient, meanwhile: Callable[[], None]) -> None:
        self.inner = inner
        self.meanwhile: Callable[[], None] | None = meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create_shipment(self, *args: Any, **kwargs: Any) -> Any:
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return self.inner.create_shipment(*args, **kwargs)


class SubmitMeanwhile(FakeAdapter):
    """An adapter whose first ``submit_orders`` call first runs ``meanwhile``."""

    meanwhile: Callable[[], None] | None = None

    def submit_orders(self, orders: Sequence[FulfilmentOrder]) -> Any:
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return super().submit_orders(orders)


def test_a_parcel_being_created_is_left_to_its_holder(
        sandbox: Sandbox, client: OrderchampClient, store: SqliteStore,
        other_store: SqliteStore, settings: Settings) -> None:
    created = sandbox.create_order(lines=2)
    first_adapter, second_adapter = FakeAdapter(), FakeAdapter()
    SyncEngine(settings, client, store, {"wh": first_adapter}, FakeHooks()).process_order(
        created["id"])
    order = sandbox.get_order(created["id"])
    second = other_engine(settings, client, other_store, second_adapter)
    seen: list[SyncSummary] = []

    def second_process() -> None:  # drops the same file into its own pull
        seen.append(second.report_pull("wh", ShipmentPull(shipments=[report(order)])))

    first = SyncEngine(settings, DuringCreate(client, second_process), store,
                       {"wh": first_adapter}, FakeHooks())
    first_adapter.reports = [report(order)]
    summary = first.pull_shipments()
    [shipment] = sandbox.get_order(order["id"])["shipments"]
    assert shipment["isShipped"]
    assert (summary.shipments_reported, summary.parked, summary.failed) == (1, 0, 0)
    [meanwhile] = seen
    assert (meanwhile.held_elsewhere, meanwhile.shipments_reported, meanwhile.parked) == (1, 0, 0)
    assert store.get_shipment("wh", "P1").state == ShipmentState.SHIPPED  # type: ignore[union-attr]
    assert store.list_claims() == []  # every claim given back


def test_an_order_being_submitted_is_left_to_its_holder(
        sandbox: Sandbox, client: OrderchampClient, store: SqliteStore,
        other_store: SqliteStore, settings: Settings) -> None:
    created = sandbox.create_order(lines=1)
    first_adapter, second_adapter = SubmitMeanwhile(), FakeAdapter()
    second = other_engine(settings, client, other_store, second_adapter)
    seen: list[SyncSummary] = []
    first_adapter.meanwhile = lambda: seen.append(second.process_order(created["id"]))
    summary = SyncEngine(settings, client, store, {"wh": first_adapter},
                         FakeHooks()).process_order(created["id"])
    assert summary.exported == 1 and len(first_adapter.submitted()) == 1
    assert second_adapter.submitted() == [] and seen[0].held_elsewhere == 1
    assert store.list_claims() == []


def test_the_claim_of_a_dead_process_on_this_host_is_taken_over_at_once(
        sandbox: Sandbox, make_engine: Engine, adapter: FakeAdapter, store: SqliteStore) -> None:
    created = sandbox.create_order(lines=1)
    make_engine().process_order(created["id"])
    order = sandbox.get_order(created["id"])
    dead = f"{socket.gethostname()}:{_dead_pid()}:cafe"
    assert owner_is_dead(dead)
    store.receive_shipment("wh", "P1", report_json=report(order).model_dump_json(),
                           order_id=order["id"], order_number=order["number"])
    assert store.claim("shipment:wh:P1", dead, lease_seconds=3600)
    summary = make_engine().pull_shipments()  # resumes the row left by the dead process
    assert summary.shipments_reported == 1
    assert len(sandbox.get_order(order["id"])["shipments"]) == 1
    assert any(a.state == "taken over" and dead in (a.message or "")
               for a in store.recent_activity(50))


def test_a_live_claim_elsewhere_waits_for_its_expiry(
        sandbox: Sandbox, make_engine: Engine, store: SqliteStore) -> None:
    created = sandbox.create_order(lines=1)
    make_engine().process_order(created["id"])
    order = sandbox.get_order(created["id"])
    store.receive_shipment("wh", "P1", report_json=report(order).model_dump_json(),
                           order_id=order["id"], order_number=order["number"])
    elsewhere = "other-host:42:beef"
    assert not owner_is_dead(elsewhere)
    assert store.claim("shipment:wh:P1", elsewhere, lease_seconds=3600)
    held = make_engine().pull_shipments()
    assert (held.held_elsewhere, held.shipments_reported) == (1, 0)
    assert sandbox.get_order(order["id"])["shipments"] == []
    assert store.claim("shipment:wh:P1", elsewhere, lease_seconds=-1)  # its lease runs out
    assert make_engine().pull_shipments().shipments_reported == 1


def test_claims_are_reentrant_and_a_lost_claim_stops_the_step(store: SqliteStore,
                                                               other_store: SqliteStore) -> None:
    mine = Claims(store, lease_seconds=60, owner="me:1:a")
    theirs = Claims(other_store, lease_seconds=60, owner="them:2:b")
    assert mine.acquire("x") and mine.acquire("x")
    assert not theirs.acquire("x")
    mine.release("x")
    assert not theirs.acquire("x")  # still held once
    mine.release("x")
    assert theirs.acquire("x")
    theirs.release("x")
    assert mine.acquire("y")
    store.claim("y", "me:1:a", lease_seconds=-1)  # expired...
    assert theirs.acquire("y")  # ...and taken over
    with pytest.raises(ClaimLost), mine.guard("y"):
        store.set_cursor("written-under-a-lost-claim", "1")
    assert store.get_cursor("written-under-a-lost-claim") is None  # rolled back


def _dead_pid() -> int:
    pid = os.getpid() + 1000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            pass
        pid += 1



def test_jobs_held_by_another_process_are_skipped_and_said_so(
        sandbox: Sandbox, make_engine: Engine, adapter: FakeAdapter, store: SqliteStore) -> None:
    elsewhere = "other-host:42:beef"
    for job in ("job:reconcile", "job:shipments:wh", "job:stock"):
        assert store.claim(job, elsewhere, lease_seconds=3600)
    engine = make_engine()
    summary = engine.sync()
    assert summary.orders_seen == 0 and adapter.submitted() == []
    assert ("fetch", None) not in adapter.calls
    assert summary.skipped == [
        "reconcile: another process (other-host:42:beef) is running it",
        "shipments from wh: another process (other-host:42:beef) is running it"]
    assert "skipped:" in summary.lines() and summary.exit_code == 0
    assert engine.push_stock().skipped
    store.release_claim("job:reconcile", elsewhere)
    again = make_engine().reconcile()
    assert again.skipped == [] and again.exported > 0
    assert store.get_claim("job:reconcile") is None  # given back after the pass
