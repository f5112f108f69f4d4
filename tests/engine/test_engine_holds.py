"""Holds and gates in the engine, against the real sandbox with a fake adapter and a clock the
test moves: ``sync.hold_minutes`` and manual holds (``oc_bridge.actions.holds``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from engine_fakes import FakeAdapter

from oc_bridge.actions import hold_order, release_order
from oc_bridge.engine import SyncEngine
from oc_bridge.engine.holds import HOLD_MINUTES_REASON
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox
from oc_bridge.settings import Settings
from oc_bridge.store import ExportState, SqliteStore

Engine = Callable[..., SyncEngine]
HOLD = Settings(sync={"hold_minutes": 30})


def confirmed_at(client: OrderchampClient, order_id: str) -> datetime:
    order = client.get_order(order_id, full=True, with_shipments=False)
    assert order is not None and order.confirmed_at is not None
    return order.confirmed_at


def at(engine: SyncEngine, moment: datetime) -> SyncEngine:
    engine.orders.gate.now = lambda: moment
    return engine


def numbers(adapter: FakeAdapter) -> list[str]:
    return [o.number for o in adapter.submitted()]


def test_a_fresh_order_waits_for_hold_minutes_then_goes_without_changing(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, client: OrderchampClient,
        store: SqliteStore) -> None:
    make_engine(settings=HOLD).reconcile()  # the seeded history, confirmed long ago
    before = len(adapter.submitted())
    order = sandbox.create_order(confirmed=True, lines=2)
    confirmed = confirmed_at(client, order["id"])
    summary = at(make_engine(settings=HOLD), confirmed + timedelta(minutes=5)).reconcile()
    assert order["number"] not in numbers(adapter) and summary.exported == 0
    [held] = summary.held_back
    assert held["number"] == order["number"] and held["why"] == HOLD_MINUTES_REASON
    wait = store.get_wait(order["id"])
    assert wait is not None and datetime.fromisoformat(wait.due_at) == confirmed + timedelta(
        minutes=30)
    # Unchanged in Orderchamp and behind the cursor: only the waiting row brings it back.
    early = at(make_engine(settings=HOLD), confirmed + timedelta(minutes=29)).reconcile()
    assert early.exported == 0 and early.orders_fetched == 0
    due = at(make_engine(settings=HOLD), confirmed + timedelta(minutes=31)).reconcile()
    assert due.exported == 1 and numbers(adapter)[before:] == [order["number"]]
    assert store.get_wait(order["id"]) is None and not due.held_back
    again = at(make_engine(settings=HOLD), confirmed + timedelta(minutes=40)).reconcile()
    assert again.exported == 0 and len(adapter.submitted()) == before + 1


def test_the_daemon_job_exports_what_is_due(make_engine: Engine, adapter: FakeAdapter,
                                            sandbox: Sandbox, client: OrderchampClient) -> None:
    make_engine(settings=HOLD).reconcile()
    order = sandbox.create_order(confirmed=True, lines=1)
    confirmed = confirmed_at(client, order["id"])
    at(make_engine(settings=HOLD), confirmed).process_order(order["id"])  # a webhook
    assert order["number"] not in numbers(adapter)
    assert at(make_engine(settings=HOLD), confirmed).export_due().exported == 0
    summary = at(make_engine(settings=HOLD), confirmed + timedelta(hours=1)).export_due()
    assert summary.exported == 1 and numbers(adapter)[-1] == order["number"]


def test_cancelled_while_waiting_never_reaches_the_warehouse(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, client: OrderchampClient,
        store: SqliteStore) -> None:
    make_engine(settings=HOLD).reconcile()
    order = sandbox.create_order(confirmed=True, lines=1)
    confirmed = confirmed_at(client, order["id"])
    at(make_engine(settings=HOLD), confirmed).reconcile()
    sandbox.cancel_order(order["id"])
    at(make_engine(settings=HOLD), confirmed + timedelta(minutes=1)).reconcile()
    assert store.get_wait(order["id"]) is None
    at(make_engine(settings=HOLD), confirmed + timedelta(hours=2)).reconcile()
    assert order["number"] not in numbers(adapter) and not adapter.submitted("cancel")


def test_a_shorter_hold_applies_to_orders_already_waiting(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, client: OrderchampClient,
        ) -> None:
    make_engine(settings=HOLD).reconcile()
    order = sandbox.create_order(confirmed=True, lines=1)
    confirmed = confirmed_at(client, order["id"])
    at(make_engine(settings=HOLD), confirmed).reconcile()
    summary = at(make_engine(settings=Settings(sync={"hold_minutes": 0})),
                 confirmed + timedelta(seconds=1)).reconcile()
    assert summary.exported == 1 and numbers(adapter)[-1] == order["number"]


def test_hold_minutes_fetches_confirmed_at_only_when_on(make_engine: Engine,
                                                        client: OrderchampClient) -> None:
    make_engine().reconcile()
    plain = client.stats.by_operation["OrderLean"]
    assert plain  # fetched with the lean document, without confirmedAt
    order = client.get_order(next(iter(client.iter_orders())).id, with_shipments=False)
    assert order is not None and order.confirmed_at is None
    fetched = client.get_order(order.id, with_shipments=False, with_confirmed_at=True)
    assert fetched is not None and fetched.confirmed_at is not None


def test_a_held_order_is_never_exported_until_released(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    make_engine().reconcile()
    order = sandbox.create_order(confirmed=False, lines=2)
    result = hold_order(store, order["id"], "check the address", "alice")
    assert result.ok and result.changed and result.since
    sandbox.confirm_order(order["id"])
    summary = make_engine().reconcile()
    assert order["number"] not in numbers(adapter)
    assert [h["number"] for h in summary.held_back] == [order["number"]]
    assert "check the address" in summary.held_back[0]["why"]
    sandbox.update_order(order["id"], note="new note")  # a change: fetched again, still held
    make_engine().process_order(order["id"])  # as from a webhook
    assert make_engine().reconcile().exported == 0
    assert order["number"] not in numbers(adapter)
    released = release_order(store, order["number"], "bob")  # by number: the ledger knows it
    assert released.ok and released.changed and released.order_id == order["id"]
    after = make_engine().reconcile()
    assert after.exported == 1 and numbers(adapter).count(order["number"]) == 1
    assert store.get_wait(order["id"]) is None
    states = [(a.state, a.message, a.actor) for a in store.recent_activity(50)
              if a.reference == order["id"] and a.kind == "order"]
    assert ("held", "check the address", "alice") in states
    assert ("released", "released", "bob") in states


def test_a_hold_stops_updates_but_not_a_cancellation(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    make_engine().reconcile()
    order = sandbox.create_order(confirmed=True, lines=1)
    make_engine().reconcile()
    assert numbers(adapter).count(order["number"]) == 1
    result = hold_order(store, order["id"], "retailer called", None)
    assert result.warnings and "already exported to wh" in result.warnings[0]
    sandbox.update_order(order["id"], note="changed")
    make_engine().reconcile()
    assert not adapter.submitted("update")
    sandbox.cancel_order(order["id"])
    make_engine().reconcile()
    assert [o.number for o in adapter.submitted("cancel")] == [order["number"]]
    rec = store.get_export("wh", order["id"])
    assert rec is not None and rec.state == ExportState.CANCELLED


def test_hold_and_release_dry_runs_change_nothing(store: SqliteStore) -> None:
    dry = hold_order(store, "Order:999", "why", "me", dry_run=True)
    assert dry.ok and not dry.changed and dry.dry_run and store.get_hold("Order:999") is None
    assert "has not seen an order 'Order:999'" in dry.warnings[0]
    assert hold_order(store, "Order:999", "why", "me").changed
    again = hold_order(store, "Order:999", "other", "you")
    assert again.ok and not again.changed and again.reason == "why"
    dry_release = release_order(store, "Order:999", "me", dry_run=True)
    assert dry_release.ok and not dry_release.changed and store.get_hold("Order:999")
    assert store.get_wait("Order:999") is None
    assert release_order(store, "Order:999", "me").changed
    missing = release_order(store, "Order:999", "me")
    assert not missing.ok and "not held" in missing.message
