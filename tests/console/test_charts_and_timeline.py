"""Hourly SVG charts and one order's timeline, from a real SQLite ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from oc_bridge.console.charts import bar_chart, hourly_counts
from oc_bridge.console.timeline import order_ledger
from oc_bridge.store import (
    ExportOperation,
    ExportState,
    OrderSeen,
    ParkedKind,
    ShipmentState,
    open_store,
)

NOW = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)


def test_hourly_counts_bucket_by_utc_hour() -> None:
    times = ["2026-11-30T12:05:00+00:00", "2026-11-30T12:59:59.999999+00:00",
             "2026-11-30T11:00:00+00:00", "2026-11-30T13:30:00+01:00",  # 12:30 UTC
             "2026-11-27T12:59:00+00:00",  # before the window
             "2026-11-30T14:00:00+00:00",  # after now's hour
             "not a time"]
    buckets = hourly_counts(times, days=3, now=NOW)
    assert len(buckets) == 72
    assert buckets[-1].start == datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert buckets[-1].count == 3 and buckets[-2].count == 1
    assert sum(b.count for b in buckets) == 4


def test_bar_chart_is_escaped_svg_with_a_title_per_bar() -> None:
    buckets = hourly_counts(["2026-11-30T12:05:00+00:00"] * 4, days=1, now=NOW)
    svg = str(bar_chart(buckets, label="Orders <exported>"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Orders &lt;exported&gt;: 4 in total" in svg and "<exported>" not in svg
    assert svg.count("<rect") == 1 and "2026-11-30 12:00 UTC: 4" in svg
    assert "<script" not in svg and "style=" not in svg
    empty = str(bar_chart(hourly_counts([], days=1, now=NOW), label="x"))
    assert "<rect" not in empty and "x: 0 in total" in empty


def test_order_timeline_from_the_ledger(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}") as store:
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


def test_ledger_views(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}") as store:
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
