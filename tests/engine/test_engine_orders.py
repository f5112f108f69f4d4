"""Exporting, updating and cancelling orders against the real sandbox with a fake adapter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from engine_fakes import ALL, FakeAdapter, FakeHooks

from oc_bridge.adapter import Capability
from oc_bridge.engine import ORDERS_CURSOR, SyncEngine
from oc_bridge.errors import (
    AlreadyDoneError,
    ConfigurationError,
    MappingError,
    NetworkError,
    RejectedError,
)
from oc_bridge.models import Order
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ExportOperation, ExportState, ParkedKind, SqliteStore

Engine = Callable[..., SyncEngine]


def all_orders(client: OrderchampClient) -> list[Order]:
    return list(client.iter_orders(include_unconfirmed=True, include_cancelled=True))


def to_export(client: OrderchampClient) -> set[str]:
    """Orders the engine must export: confirmed, not cancelled, something left to ship."""
    return {o.number for o in all_orders(client)
            if o.is_fulfillable and any(p.unshipped_quantity for p in o.products)}


def test_exports_each_fulfillable_order_once(make_engine: Engine, adapter: FakeAdapter,
                                             client: OrderchampClient, store: SqliteStore,
                                             hooks: FakeHooks) -> None:
    summary = make_engine().reconcile()
    expected = to_export(client)
    assert expected and summary.exported == len(expected) and summary.ok
    assert Counter(o.number for o in adapter.submitted()) == Counter(expected)
    assert {n for _, n, _, _ in hooks.exported} == expected
    assert store.get_cursor(ORDERS_CURSOR)
    again = make_engine().sync(full=True)
    assert again.exported == 0 and again.orders_seen == summary.orders_seen
    assert len(adapter.submitted()) == len(expected)  # nothing twice, even with --full
    for order in all_orders(client):
        if order.number not in expected:
            assert store.get_export("wh", order.id) is None


def test_never_exports_unconfirmed_or_cancelled(make_engine: Engine, adapter: FakeAdapter,
                                                sandbox: Sandbox) -> None:
    unconfirmed = sandbox.create_order(confirmed=False, lines=2)
    cancelled = sandbox.create_order(confirmed=True, lines=1)
    sandbox.cancel_order(cancelled["id"])
    engine = make_engine()
    engine.reconcile()
    assert engine.process_order(unconfirmed["id"]).exported == 0
    numbers = {o.number for o in adapter.submitted()}
    assert unconfirmed["number"] not in numbers and cancelled["number"] not in numbers
    sandbox.confirm_order(unconfirmed["id"])  # confirmation makes it exportable
    assert make_engine().reconcile().exported == 1
    assert adapter.submitted()[-1].number == unconfirmed["number"]


def test_update_on_change(make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox,
                          store: SqliteStore) -> None:
    order = sandbox.create_order(lines=2)
    make_engine().reconcile()
    sandbox.update_order(order["id"], note="Leveren via achterdeur")
    summary = make_engine().reconcile()
    assert summary.updated == 1
    update = adapter.submitted("update")[-1]
    assert (update.number, update.revision, update.notes) == \
        (order["number"], 2, "Leveren via achterdeur")
    rec = store.get_export("wh", order["id"])
    assert rec is not None and (rec.state, rec.revision) == (ExportState.EXPORTED, 2)
    assert make_engine().reconcile().updated == 0


def test_change_is_parked_when_adapter_cannot_update(
        make_engine: Engine, sandbox: Sandbox, store: SqliteStore, hooks: FakeHooks) -> None:
    adapter = FakeAdapter(capabilities=ALL - {Capability.UPDATE_ORDERS})
    order = sandbox.create_order(lines=2)
    make_engine(adapters={"wh": adapter}).reconcile()
    sandbox.update_order(order["id"], note="nieuw")  # confirmed orders keep their lines
    summary = make_engine(adapters={"wh": adapter}).reconcile()
    assert summary.parked == 1 and summary.exit_code == 4
    assert summary.parked_reasons[0] == (
        f"order {order['number']} changed after it was exported to wh: fields changed: notes; "
        "wh cannot update orders: update it there by hand")
    assert store.get_export("wh", order["id"]).state == ExportState.PARKED
    assert hooks.parked[-1][:3] == ("order", order["id"], "wh")
    assert make_engine(adapters={"wh": adapter}).reconcile(full=True).parked == 0  # no repeat
    assert len(store.list_parked()) == 1


def test_cancel_propagation(make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox,
                            store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().reconcile()
    sandbox.cancel_order(order["id"], reason="OUT_OF_STOCK")
    summary = make_engine().reconcile()
    assert summary.cancelled == 1
    assert [o.number for o in adapter.submitted("cancel")] == [order["number"]]
    assert store.get_export("wh", order["id"]).state == ExportState.CANCELLED
    assert make_engine().reconcile(full=True).cancelled == 0


def test_cancel_parked_when_adapter_cannot_cancel(make_engine: Engine, sandbox: Sandbox,
                                                  store: SqliteStore) -> None:
    adapter = FakeAdapter(capabilities=ALL - {Capability.CANCEL_ORDERS})
    order = sandbox.create_order(lines=1)
    make_engine(adapters={"wh": adapter}).reconcile()
    sandbox.cancel_order(order["id"])
    summary = make_engine(adapters={"wh": adapter}).reconcile()
    assert summary.parked == 1 and "cannot cancel orders" in summary.parked_reasons[0]
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.operation) == (ExportState.PARKED, ExportOperation.CANCEL)


def test_cancellation_request_is_not_a_cancellation(
        make_engine: Engine, adapter: FakeAdapter, sandbox: Sandbox, client: OrderchampClient,
        store: SqliteStore) -> None:
    order = sandbox.create_order(lines=2)
    make_engine().reconcile()
    full = client.get_order(order["id"])
    client.ship_shipment(client.create_shipment(order["id"], [(full.products[0].id, 1)]).id,
                         is_tracked=False, estimated_transit_days=2)
    assert sandbox.cancel_order(order["id"])["status"] == "CANCELLATION_REQUESTED"
    make_engine().reconcile(full=True)
    assert adapter.submitted("cancel") == []
    assert store.get_export("wh", order["id"]).state == ExportState.EXPORTED


def test_already_done_counts_as_exported(make_engine: Engine, adapter: FakeAdapter,
                                         sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    adapter.fail["submit"] = [AlreadyDoneError("exists", external_id="X-1")]
    make_engine().process_order(order["id"])
    rec = store.get_export("wh", order["id"])
    assert rec is not None and (rec.state, rec.external_id) == (ExportState.EXPORTED, "X-1")


def test_transient_failures_retry_then_park(make_engine: Engine, adapter: FakeAdapter,
                                            sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    adapter.fail["submit"] = [NetworkError("down")] * 3
    first = make_engine().process_order(order["id"])
    assert first.failed == 1 and first.exit_code == 4 and "will retry" in first.errors[0]
    rec = store.get_export("wh", order["id"])
    assert (rec.state, rec.attempts, rec.pending_revision) == (ExportState.FAILED, 1, 1)
    # the incremental pass does not list it again; the ledger resumes it anyway
    store.set_cursor(ORDERS_CURSOR, "2999-01-01T00:00:00+00:00")
    assert make_engine().reconcile().failed == 1
    third = make_engine().reconcile()
    assert third.parked == 1 and "gave up after 3 attempts" in third.parked_reasons[0]
    assert store.get_export("wh", order["id"]).state == ExportState.PARKED
    assert make_engine().reconcile().parked == 0  # parked items wait for a human
    assert [o.revision for o in adapter.submitted()] == [1, 1, 1]
    retried = make_engine().retry_parked()
    assert retried.exported == 1 and retried.ok
    assert store.list_parked() == [] and len(adapter.submitted()) == 4


def test_permanent_failure_parks_at_once(make_engine: Engine, adapter: FakeAdapter,
                                         sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    adapter.fail["submit"] = [RejectedError("warehouse says no: unknown SKU")]
    summary = make_engine().process_order(order["id"])
    assert summary.parked == 1
    assert summary.parked_reasons == [
        f"export order {order['number']} to wh failed: warehouse says no: unknown SKU"]
    rec = store.get_export("wh", order["id"])
    assert rec.state == ExportState.PARKED and not rec.maybe_in_backend


def test_mapping_error_parks(make_engine: Engine, hooks: FakeHooks, sandbox: Sandbox,
                             adapter: FakeAdapter) -> None:
    order = sandbox.create_order(lines=1)
    hooks.map_error = MappingError(f"order {order['number']}: line 1 has no SKU")
    summary = make_engine().process_order(order["id"])
    assert summary.parked == 1 and "has no SKU" in summary.parked_reasons[0]
    assert adapter.submitted() == []


def test_configuration_error_stops(make_engine: Engine, adapter: FakeAdapter,
                                   sandbox: Sandbox) -> None:
    order = sandbox.create_order(lines=1)
    adapter.fail["submit"] = [ConfigurationError("folder not writable")]
    with pytest.raises(ConfigurationError):
        make_engine().process_order(order["id"])


def test_unrouted_order_is_parked_once(make_engine: Engine, hooks: FakeHooks,
                                       sandbox: Sandbox) -> None:
    order = sandbox.create_order(lines=1)
    hooks.route = lambda o, names: []
    assert make_engine().process_order(order["id"]).parked == 1
    assert make_engine().process_order(order["id"]).parked == 0
    hooks.route = None
    assert make_engine().process_order(order["id"]).exported == 1


def test_resume_after_crash_in_submitting(make_engine: Engine, adapter: FakeAdapter,
                                          sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    store.begin_export("wh", order["id"], order_number=order["number"],
                       state=ExportState.SUBMITTING, operation=ExportOperation.SUBMIT,
                       revision=1, digest="old", fingerprint=None)
    summary = make_engine().process_order(order["id"])
    # submitted again with the same revision (idempotent), then updated: content differed
    assert [(name, o.revision) for name, o in adapter.calls] == [("submit", 1), ("update", 2)]
    assert (summary.exported, summary.updated) == (1, 1)


def test_resume_after_crash_in_updating(make_engine: Engine, adapter: FakeAdapter,
                                        sandbox: Sandbox, store: SqliteStore) -> None:
    order = sandbox.create_order(lines=1)
    make_engine().process_order(order["id"])
    rec = store.get_export("wh", order["id"])
    store.begin_export("wh", order["id"], order_number=order["number"],
                       state=ExportState.UPDATING, operation=ExportOperation.UPDATE,
                       revision=2, digest=rec.digest, fingerprint=rec.fingerprint)
    make_engine().process_order(order["id"])
    assert adapter.submitted("update")[-1].revision == 2  # the same revision, resent
    assert store.get_export("wh", order["id"]).revision == 2


def test_dry_run_changes_nothing(make_engine: Engine, adapter: FakeAdapter,
                                 client: OrderchampClient, store: SqliteStore) -> None:
    before = [o.model_dump() for o in all_orders(client)]
    summary = make_engine(dry_run=True).sync()
    assert summary.dry_run and summary.exported == len(to_export(client))
    assert all(p.startswith("export order") for p in summary.planned)
    assert [name for name, _ in adapter.calls] == ["fetch"]
    assert store.counts().exports == {} and store.counts().orders_seen == 0
    assert store.get_cursor(ORDERS_CURSOR) is None and store.recent_activity() == []
    assert [o.model_dump() for o in all_orders(client)] == before


def test_progress_lines(make_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oc_bridge.engine.engine.PROGRESS_EVERY", 2)
    lines: list[str] = []
    make_engine(progress=lines.append).reconcile()
    assert lines and lines[0].startswith("reconcile: 2 orders seen")


def test_retry_of_unknown_item(make_engine: Engine, store: SqliteStore) -> None:
    from oc_bridge.errors import OcBridgeError

    with pytest.raises(OcBridgeError, match="no open parked item #42"):
        make_engine().retry_parked(42)
    item = store.park(ParkedKind.INBOUND, "x.csv:3", instance="wh", reason="bad date")
    summary = make_engine().retry_parked()
    assert "fix the file and drop it again" in summary.warnings[0]
    assert store.get_parked(item.id).resolved_at is None  # --all leaves file problems open
    make_engine().retry_parked(item.id)
    assert store.get_parked(item.id).resolved_at is not None
