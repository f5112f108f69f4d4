"""The repair actions in-process (the functions the CLI and the console call): forget, resync,
retry and history over the real sandbox and ledger with a fake adapter."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from engine_fakes import FakeAdapter

from oc_bridge.actions.history import order_history
from oc_bridge.actions.repair import forget_export, resync_order, retry_parked
from oc_bridge.canonical import CancelOutcome
from oc_bridge.engine import SyncEngine
from oc_bridge.errors import OcBridgeError
from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ExportState, SqliteStore

Engine = Callable[..., SyncEngine]


def test_forget_a_parked_rejected_cancellation_closes_it(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().reconcile()
    adapter.cancel_outcomes = [CancelOutcome.rejected("already shipped")]
    sandbox.cancel_order(order["id"])
    make_engine().reconcile()
    [item] = store.list_parked()
    result = forget_export(store, order["number"], adapter="wh", actor="console:ann")
    assert not result.reexport and "nothing more is sent" in result.describe()
    assert store.get_export("wh", order["id"]) is None
    assert store.get_parked(item.id).resolution == "forgotten by console:ann"
    summary = make_engine().reconcile(full=True)
    assert summary.cancellations == {} and summary.exported == 0
    assert len(adapter.submitted("cancel")) == 1


def test_forget_then_the_order_is_exported_again_as_a_new_revision(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().reconcile()
    dry = forget_export(store, order["id"], adapter="wh", actor="cli:bob", dry_run=True)
    assert dry.describe().startswith("would forget")
    assert store.get_export("wh", order["id"]).state == ExportState.EXPORTED
    forget_export(store, order["id"], adapter="wh", actor="cli:bob")
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.revision, rec.external_id, rec.pending_revision) == (
        ExportState.FAILED, None, None, 2)
    assert make_engine().reconcile().exported == 1  # resumed as an unfinished export
    assert [o.revision for o in adapter.submitted() if o.reference == order["id"]] == [1, 2]
    with pytest.raises(OcBridgeError, match="no ledger entry at adapter 'nope'"):
        forget_export(store, order["id"], adapter="nope", actor="cli:bob")


def test_resync_and_retry_are_in_the_history_with_their_actor(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().reconcile()
    sandbox.update_order(order["id"], note="changed")
    make_engine().reconcile()  # the engine fixture's policy is update
    summary = resync_order(make_engine(), order["id"], actor="console:ann")
    assert summary.orders_fetched == 1 and summary.exit_code == 0
    history = order_history(store, order["number"])
    actions = [(e.state, e.actor) for e in history.events if e.actor]
    assert actions == [("resync", "console:ann")]
    text = "\n".join(history.lines())
    assert f"order {order['number']} ({order['id']})" in text
    assert "at wh: exported (update), revision 2" in text
    assert "by console:ann" in text
    with pytest.raises(OcBridgeError, match="no adapter instance 'nope'"):
        resync_order(make_engine(), order["id"], actor="x", adapter="nope")
    with pytest.raises(OcBridgeError, match="no record of order"):
        order_history(store, "OC-999999")


def test_retry_records_who_asked(make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox,
                                 store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().reconcile()
    adapter.cancel_outcomes = [CancelOutcome.rejected("packed")]
    sandbox.cancel_order(order["id"])
    make_engine().reconcile()
    [item] = store.list_parked()
    assert retry_parked(make_engine(dry_run=True), item.id, actor="cli:bob").planned
    assert [e for e in order_history(store, order["id"]).events if e.actor] == []
    summary = retry_parked(make_engine(), item.id, actor="cli:bob")
    assert summary.cancellations == {"accepted": 1}
    history = order_history(store, order["id"])
    assert [(e.state, e.actor, e.message) for e in history.events if e.actor] == [
        ("retry", "cli:bob", f"parked #{item.id} retried")]
    assert history.exports[0].state == ExportState.CANCELLED
