"""The read-only ledger views the operator console shows, and one order's timeline built from
them, on every backend (``store_url`` runs each test on SQLite and on PostgreSQL)."""

from __future__ import annotations

from oc_bridge.console.timeline import order_ledger
from oc_bridge.store import (
    ORDERCHAMP_SOURCE,
    ExportOperation,
    ExportState,
    InboxDelivery,
    OrderSeen,
    ParkedKind,
    ShipmentState,
    body_digest,
    open_store,
)


def test_order_timeline_from_the_ledger(store_url: str) -> None:
    with open_store(store_url) as store:
        store.record_order(OrderSeen("O1", "OC-1", "CONFIRMED", None, "d", True, False))
        store.begin_export("csv", "O1", order_number="OC-1", state=ExportState.SUBMITTING,
                           operation=ExportOperation.SUBMIT, revision=1, digest="d",
                           fingerprint="f")
        store.finish_export("csv", "O1", state=ExportState.EXPORTED, external_id="file-1.csv")
        store.receive_shipment("csv", "K1", report_json='{"carrier": "PostNL", '
                               '"tracking_number": "3STRACK"}', order_id=None,
                               order_number="OC-1")
        parked = store.park(ParkedKind.SHIPMENT, "K1", instance="csv", order_number="OC-1",
                            reason="unknown order number OC-1")
        store.fail_shipment("csv", "K1", error="unknown order number OC-1", park=True)
        store.reset_shipment("csv", "K1")
        store.begin_shipment_create("csv", "K1", order_id="O1", order_number="OC-1",
                                    lines=[("L1", 2)])
        store.record_shipment_created("csv", "K1", "S1")
        store.begin_shipment_ship("csv", "K1")
        store.record_shipment_shipped("csv", "K1")
        store.resolve_parked(parked.id, "reported as S1")
        store.park(ParkedKind.ORDER, "O2", instance="csv", order_number="OC-2", reason="other")
        for ref in ("O1", "OC-1"):
            ledger = order_ledger(store, ref)
            assert ledger.order_id == "O1" and ledger.number == "OC-1" and ledger.known
            [shipment] = ledger.shipments
            assert shipment.state == ShipmentState.SHIPPED
            assert [p.id for p in ledger.parked] == [parked.id]
            whats = [e.what for e in ledger.events]
            assert whats[0] == "first submit step began" or "last seen" in whats[0]
            assert "exported" in whats and "shipment K1 shipped" in whats
            assert f"parked #{parked.id} resolved" in whats
            shipped = next(e for e in ledger.events if e.what == "shipment K1 shipped")
            assert shipped.detail == "PostNL 3STRACK" and shipped.instance == "csv"
            assert [e.at for e in ledger.events] == sorted(e.at for e in ledger.events)
            assert any(e.problem and e.detail == "unknown order number OC-1"
                       for e in ledger.events)
        unknown = order_ledger(store, "O-nothing")
        assert not unknown.known and unknown.events == []


def test_ledger_views(store_url: str) -> None:
    with open_store(store_url) as store:
        for order_id, instance in (("O1", "csv"), ("O2", "csv"), ("O3", "rest")):
            store.begin_export(instance, order_id, order_number=order_id,
                               state=ExportState.SUBMITTING, operation=ExportOperation.SUBMIT,
                               revision=1, digest="d", fingerprint="f")
        store.finish_export("csv", "O1", state=ExportState.EXPORTED)
        assert store.states_by_instance() == {
            "csv": {"exports": {"exported": 1, "submitting": 1}, "shipments": {}},
            "rest": {"exports": {"submitting": 1}, "shipments": {}}}
        exported, shipped = store.throughput_times("2000-01-01")
        assert len(exported) == 1 and shipped == []  # only rows that reached a back end
        assert store.throughput_times("2999-01-01") == ([], [])
        assert store.inbox_oldest_open() is None and store.inbox_last_received("x") == {}
        for event, body in (("ORDER_CREATED", "1"), ("ORDER_UPDATED", "2"),
                            ("ORDER_UPDATED", "3")):
            store.inbox_add([InboxDelivery(source=ORDERCHAMP_SOURCE, event=event, body=body,
                                           digest=body_digest(body.encode()), order_id=body,
                                           group_key=body)])
        oldest = store.inbox_oldest_open()
        last = store.inbox_last_received(ORDERCHAMP_SOURCE)
        assert oldest is not None and sorted(last) == ["ORDER_CREATED", "ORDER_UPDATED"]
        assert oldest <= last["ORDER_CREATED"] <= last["ORDER_UPDATED"]
        [item] = store.inbox_lease("me", lease_seconds=60)[:1]
        store.inbox_complete([item])
        assert store.inbox_oldest_open() is not None and store.inbox_oldest_open() > oldest
