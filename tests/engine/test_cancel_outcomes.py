"""Cancellation outcomes (accepted, rejected, unsupported) and edits after export under each
``sync.on_change_after_export`` policy, against the real sandbox with a fake adapter."""

from __future__ import annotations

from collections.abc import Callable

from engine_fakes import ALL, FakeAdapter

from oc_bridge.adapter import Capability
from oc_bridge.canonical import CancelOutcome
from oc_bridge.engine import SyncEngine
from oc_bridge.errors import NetworkError
from oc_bridge.sandbox import Sandbox
from oc_bridge.settings import Settings
from oc_bridge.store import ExportOperation, ExportState, SqliteStore

Engine = Callable[..., SyncEngine]


def _exported_then_cancelled(make_engine: Engine, sandbox: Sandbox, **engine: object) -> dict:
    order = sandbox.create_order(lines=2)
    make_engine(**engine).reconcile()
    sandbox.cancel_order(order["id"], reason="OUT_OF_STOCK")
    return order


def _revisions(adapter: FakeAdapter, order: dict) -> list[int]:
    return [o.revision for o in adapter.submitted() if o.reference == order["id"]]


def _parked_lines(store: SqliteStore, order_id: str) -> list[str]:
    return [a.state for a in store.activity_for_order(order_id, None) if a.state == "parked"]


def test_accepted_cancellation_is_recorded(make_engine: Engine, adapter: FakeAdapter,
                                           sandbox: Sandbox, store: SqliteStore) -> None:
    adapter.cancel_outcomes = [CancelOutcome.accepted("cancellation file x.csv")]
    order = _exported_then_cancelled(make_engine, sandbox)
    summary = make_engine().reconcile()
    assert summary.cancelled == 1 and summary.cancellations == {"accepted": 1}
    assert summary.parked == 0 and summary.exit_code == 0
    assert store.get_export("wh", order["id"]).state == ExportState.CANCELLED
    assert store.list_parked() == []


def test_none_from_an_older_adapter_means_accepted(make_engine: Engine, adapter: FakeAdapter,
                                                   sandbox: Sandbox, store: SqliteStore) -> None:
    order = _exported_then_cancelled(make_engine, sandbox)
    assert adapter.cancel_outcomes == []
    assert make_engine().reconcile().cancellations == {"accepted": 1}
    assert store.get_export("wh", order["id"]).state == ExportState.CANCELLED


def test_rejected_cancellation_is_parked_with_the_reason(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    adapter.cancel_outcomes = [CancelOutcome.rejected("picklist 42 already picked")]
    order = _exported_then_cancelled(make_engine, sandbox)
    summary = make_engine().reconcile()
    assert summary.cancelled == 0 and summary.cancellations == {"rejected": 1}
    assert summary.parked == 1 and summary.exit_code == 4
    reason = summary.parked_reasons[0]
    assert f"order {order['number']} was cancelled in Orderchamp" in reason
    assert "wh rejected the cancellation (too late): picklist 42 already picked" in reason
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.operation) == (ExportState.PARKED, ExportOperation.CANCEL)
    [item] = store.list_parked()
    assert item.reason == reason and item.instance == "wh"
    # one activity line per parking, with the reason (not a second one from the state change)
    assert _parked_lines(store, order["id"]) == ["parked"]
    # waits for a human: the next pass does not ask again
    assert make_engine().reconcile(full=True).cancellations == {}
    assert len(adapter.submitted("cancel")) == 1


def test_retry_of_a_rejected_cancellation_asks_again(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    adapter.cancel_outcomes = [CancelOutcome.rejected("packed")]
    order = _exported_then_cancelled(make_engine, sandbox)
    make_engine().reconcile()
    [item] = store.list_parked()
    summary = make_engine().retry_parked(item.id)  # the warehouse un-packed it meanwhile
    assert summary.cancellations == {"accepted": 1}
    assert store.get_export("wh", order["id"]).state == ExportState.CANCELLED
    assert store.get_parked(item.id).resolved_at is not None


def test_unsupported_outcome_and_missing_capability_are_parked(
        make_engine: Engine, sandbox: Sandbox, store: SqliteStore) -> None:
    says_no = FakeAdapter()
    says_no.cancel_outcomes = [CancelOutcome.unsupported("a file drop nobody reads")]
    cannot = FakeAdapter("wh2", capabilities=ALL - {Capability.CANCEL_ORDERS})
    adapters = {"wh": says_no, "wh2": cannot}
    order = _exported_then_cancelled(make_engine, sandbox, adapters=adapters)
    summary = make_engine(adapters=adapters).reconcile()
    assert summary.cancellations == {"unsupported": 2}
    assert summary.parked == 2
    reasons = " | ".join(summary.parked_reasons)
    assert "; wh cannot cancel it: a file drop nobody reads" in reasons
    assert "; wh2 cannot cancel it: wh2 (fake) cannot cancel orders" in reasons
    assert cannot.submitted("cancel") == []
    for instance in adapters:
        assert store.get_export(instance, order["id"]).state == ExportState.PARKED


def test_an_answer_that_is_not_an_outcome_is_an_adapter_fault(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    adapter.cancel_outcomes = ["ok"]
    order = _exported_then_cancelled(make_engine, sandbox)
    summary = make_engine().reconcile()
    assert summary.parked == 1 and summary.cancellations == {}
    assert "cancel_order raised TypeError" in summary.parked_reasons[0]
    assert store.get_export("wh", order["id"]).state == ExportState.PARKED


def test_dry_run_cancels_nothing(make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox,
                                 store: SqliteStore) -> None:
    order = _exported_then_cancelled(make_engine, sandbox)
    summary = make_engine(dry_run=True).reconcile()
    assert summary.planned == [f"cancel order {order['number']} at wh"]
    assert adapter.submitted("cancel") == []
    assert store.get_export("wh", order["id"]).state == ExportState.EXPORTED


# --- edits after export ----------------------------------------------------------------------


def _policy(name: str) -> Settings:
    return Settings(sync={"max_attempts": 3, "on_change_after_export": name})


def _exported_then_changed(make_engine: Engine, sandbox: Sandbox, settings: Settings) -> dict:
    order = sandbox.create_order(lines=2)
    make_engine(settings=settings).reconcile()
    sandbox.update_order(order["id"], note="please ring twice")
    return order


def test_park_is_the_default_and_sends_nothing(make_engine: Engine, adapter: FakeAdapter,
                                               sandbox: Sandbox, store: SqliteStore) -> None:
    assert Settings().sync.on_change_after_export == "park"
    settings = Settings(sync={"max_attempts": 3})
    order = _exported_then_changed(make_engine, sandbox, settings)
    summary = make_engine(settings=settings).reconcile()
    assert summary.parked == 1 and summary.updated == 0
    assert adapter.submitted("update") == [] and adapter.submitted("cancel") == []
    reason = summary.parked_reasons[0]
    assert "fields changed: notes" in reason and "on_change_after_export = park" in reason
    assert f"oc-bridge orders resync {order['id']} --on-change update" in reason
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.revision) == (ExportState.PARKED, 1)
    assert _parked_lines(store, order["id"]) == ["parked"]


def test_update_policy_sends_the_new_revision(make_engine: Engine, adapter: FakeAdapter,
                                              sandbox: Sandbox, store: SqliteStore) -> None:
    settings = _policy("update")
    order = _exported_then_changed(make_engine, sandbox, settings)
    assert make_engine(settings=settings).reconcile().updated == 1
    assert [o.revision for o in adapter.submitted("update")] == [2]
    assert store.get_export("wh", order["id"]).revision == 2


def test_an_override_applies_a_parked_change(make_engine: Engine, adapter: FakeAdapter,
                                             sandbox: Sandbox, store: SqliteStore) -> None:
    settings = Settings(sync={"max_attempts": 3})
    order = _exported_then_changed(make_engine, sandbox, settings)
    make_engine(settings=settings).reconcile()
    [item] = store.list_parked()
    store.reset_export("wh", order["id"])
    engine = make_engine(settings=settings)
    engine.orders.on_change_override = "update"
    summary = engine.process_order(order["id"])
    assert summary.updated == 1 and summary.parked == 0
    assert store.get_export("wh", order["id"]).state == ExportState.EXPORTED
    assert store.get_parked(item.id).resolved_at is not None


def test_cancel_and_reexport_accepted(make_engine: Engine, adapter: FakeAdapter,
                                      sandbox: Sandbox, store: SqliteStore) -> None:
    settings = _policy("cancel-and-reexport")
    order = _exported_then_changed(make_engine, sandbox, settings)
    summary = make_engine(settings=settings).reconcile()
    assert summary.cancellations == {"accepted": 1}
    assert summary.cancelled == 1 and summary.exported == 1 and summary.parked == 0
    kinds = [(name, o.revision) for name, o in adapter.calls
             if name in ("submit", "cancel") and o.reference == order["id"]]
    assert kinds == [("submit", 1), ("cancel", 1), ("submit", 2)]
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.revision, rec.operation) == (
        ExportState.EXPORTED, 2, ExportOperation.SUBMIT)
    assert make_engine(settings=settings).reconcile(full=True).exported == 0  # settled


def test_cancel_and_reexport_rejected_parks(make_engine: Engine, adapter: FakeAdapter,
                                            sandbox: Sandbox, store: SqliteStore) -> None:
    settings = _policy("cancel-and-reexport")
    adapter.cancel_outcomes = [CancelOutcome.rejected("already shipped")]
    order = _exported_then_changed(make_engine, sandbox, settings)
    summary = make_engine(settings=settings).reconcile()
    assert summary.cancellations == {"rejected": 1} and summary.parked == 1
    assert "changed after it was exported" in summary.parked_reasons[0]
    assert "rejected the cancellation (too late): already shipped" in \
        summary.parked_reasons[0]
    assert _revisions(adapter, order) == [1]
    assert store.get_export("wh", order["id"]).state == ExportState.PARKED


def test_cancel_and_reexport_without_cancel_capability_parks(
        make_engine: Engine, sandbox: Sandbox, store: SqliteStore) -> None:
    settings = _policy("cancel-and-reexport")
    adapter = FakeAdapter(capabilities=ALL - {Capability.CANCEL_ORDERS})
    order = sandbox.create_order(lines=2)
    make_engine(settings=settings, adapters={"wh": adapter}).reconcile()
    sandbox.update_order(order["id"], note="changed")
    summary = make_engine(settings=settings, adapters={"wh": adapter}).reconcile()
    assert summary.parked == 1 and "cannot cancel orders" in summary.parked_reasons[0]
    assert adapter.submitted("cancel") == [] and _revisions(adapter, order) == [1]


def test_cancel_and_reexport_resumes_the_new_export_after_a_failure(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, store: SqliteStore) -> None:
    """The accepted cancellation and the intent of the new export are one transaction: a
    failed (or crashed) new export is resumed as an export, never cancelled a second time."""
    settings = _policy("cancel-and-reexport")
    order = _exported_then_changed(make_engine, sandbox, settings)
    adapter.fail["submit"] = [NetworkError("connection reset")]
    first = make_engine(settings=settings).reconcile()
    assert first.failed == 1 and first.cancellations == {"accepted": 1}
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.operation, rec.pending_revision) == (
        ExportState.FAILED, ExportOperation.SUBMIT, 2)
    second = make_engine(settings=settings).reconcile()
    assert second.exported == 1 and second.cancellations == {}
    assert _revisions(adapter, order) == [1, 2, 2]
    assert len(adapter.submitted("cancel")) == 1
    assert store.get_export("wh", order["id"]).state == ExportState.EXPORTED
