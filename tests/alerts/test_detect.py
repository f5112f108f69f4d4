"""Stuck-item detection over a real SQLite ledger: each kind found once it is old enough, and
not before; finished, parked, cancelled or shipped work is not stuck."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oc_bridge.alerts import AlertKind, detect
from oc_bridge.settings import AlertSettings
from oc_bridge.store import (
    ExportOperation,
    ExportState,
    InboxDelivery,
    OrderSeen,
    ParkedKind,
    Store,
    body_digest,
)

SETTINGS = AlertSettings(stuck_after=1800, export_within=3600, ship_within=86400)


def now() -> datetime:
    return datetime.now(UTC)


def later(seconds: float) -> datetime:
    return now() + timedelta(seconds=seconds)


def kinds(store: Store, at: datetime) -> list[str]:
    return [a.kind.value for a in detect(store, SETTINGS, now=at).alerts]


def _order(store: Store, order_id: str, *, status: str = "AWAITING_FULFILMENT",
           changed: datetime | None = None, cancelled: bool = False) -> None:
    store.record_order(OrderSeen(
        order_id=order_id, number=f"N-{order_id}", status=status,
        updated_at=(changed or now()).isoformat(), digest="d", is_confirmed=True,
        is_cancelled=cancelled))


def _submit(store: Store, order_id: str, *, finish: bool = False) -> None:
    store.begin_export("csv", order_id, order_number=f"N-{order_id}",
                       state=ExportState.SUBMITTING, operation=ExportOperation.SUBMIT,
                       revision=1, digest="d", fingerprint="f")
    if finish:
        store.finish_export("csv", order_id, state=ExportState.EXPORTED, external_id="x")


def test_export_in_flight_is_stuck_after_stuck_after(store: Store) -> None:
    _submit(store, "o1")
    assert kinds(store, later(60)) == []
    (alert,) = detect(store, SETTINGS, now=later(1801)).alerts
    assert alert.kind is AlertKind.STUCK_EXPORT
    assert alert.instance == "csv" and alert.order_number == "N-o1"
    assert "submitting (submit) for 30m" in alert.message


def test_failing_update_counts_from_the_change_it_carries(store: Store) -> None:
    _order(store, "o2", changed=now() - timedelta(minutes=10))
    _submit(store, "o2", finish=True)
    store.fail_export("csv", "o2", order_number="N-o2", operation=ExportOperation.UPDATE,
                      error="warehouse 503", park=False, sent=False)
    assert kinds(store, now()) == []  # retrying for 10 minutes only
    (alert,) = detect(store, SETTINGS, now=later(1300)).alerts
    assert alert.kind is AlertKind.STUCK_EXPORT
    assert "failed (update)" in alert.message and "last error: warehouse 503" in alert.message
    assert "1 attempt(s)" in alert.message


def test_finished_export_is_not_stuck(store: Store) -> None:
    _submit(store, "o3", finish=True)
    _order(store, "o3", status="AWAITING_DELIVERY")
    assert kinds(store, later(10 * 86400)) == []


def test_shipment_report_unshipped_is_stuck_until_shipped(store: Store) -> None:
    store.receive_shipment("csv", "parcel-1", report_json="{}", order_id="o4",
                           order_number="N-o4")
    assert kinds(store, later(60)) == []
    assert kinds(store, later(1801)) == ["stuck_shipment"]
    store.begin_shipment_create("csv", "parcel-1", order_id="o4", order_number="N-o4",
                                lines=[("l1", 1)])
    store.record_shipment_created("csv", "parcel-1", "S1")
    assert kinds(store, later(1801)) == ["stuck_shipment"]
    store.begin_shipment_ship("csv", "parcel-1")
    store.record_shipment_shipped("csv", "parcel-1")
    assert kinds(store, later(1801)) == []


def test_unprocessed_inbox_item_is_stuck_until_done(store: Store) -> None:
    body = '{"data": {"order": {"id": "o5"}}}'
    store.inbox_add([InboxDelivery(source="orderchamp", event="ORDER_CONFIRMED", body=body,
                                   digest=body_digest(body.encode()), order_id="o5",
                                   group_key="o5")])
    (alert,) = detect(store, SETTINGS, now=later(1801)).alerts
    assert alert.kind is AlertKind.STUCK_INBOX and "ORDER_CONFIRMED order o5" in alert.message
    items = store.inbox_lease("w", lease_seconds=60)
    assert kinds(store, later(1801)) == ["stuck_inbox"]  # leased for long is stuck too
    store.inbox_complete(items)
    assert kinds(store, later(1801)) == []


def test_confirmed_order_not_exported_after_export_within(store: Store) -> None:
    _order(store, "o6", changed=now() - timedelta(minutes=30))
    assert kinds(store, now()) == []
    (alert,) = detect(store, SETTINGS, now=later(1801)).alerts
    assert alert.kind is AlertKind.NOT_EXPORTED and alert.order_number == "N-o6"
    _submit(store, "o6", finish=True)
    assert kinds(store, later(1801)) == []


def test_not_exported_leaves_out_parked_cancelled_and_shipped_orders(store: Store) -> None:
    old = now() - timedelta(hours=5)
    _order(store, "p", changed=old)
    store.park(ParkedKind.ORDER, "p", instance=None, reason="no adapter instance takes it")
    _order(store, "c", changed=old, status="CANCELLED", cancelled=True)
    _order(store, "d", changed=old, status="AWAITING_DELIVERY")
    assert kinds(store, now()) == ["parked"]


def test_not_exported_leaves_out_orders_held_by_hand_until_released(store: Store) -> None:
    _order(store, "h", changed=now() - timedelta(hours=5))
    store.place_hold("h", order_number="N-h", reason="customer asked to wait", actor="cli:ops")
    assert kinds(store, now()) == []  # held on purpose: shown in status, not an alert
    store.lift_hold("h", actor="cli:ops")
    assert kinds(store, now()) == ["not_exported"]


def test_exported_order_not_shipped_after_ship_within(store: Store) -> None:
    _order(store, "o7")
    _submit(store, "o7", finish=True)
    assert kinds(store, later(3600)) == []
    (alert,) = detect(store, SETTINGS, now=later(86401)).alerts
    assert alert.kind is AlertKind.NOT_SHIPPED and alert.instance == "csv"
    assert "exported 1d 0h ago" in alert.message
    store.receive_shipment("csv", "parcel-7", report_json="{}", order_id="o7",
                           order_number="N-o7")
    store.begin_shipment_create("csv", "parcel-7", order_id="o7", order_number="N-o7",
                                lines=[("l1", 1)])
    store.record_shipment_created("csv", "parcel-7", "S7")
    store.begin_shipment_ship("csv", "parcel-7")
    store.record_shipment_shipped("csv", "parcel-7")
    assert kinds(store, later(86401)) == []


def test_parked_items_alert_with_their_reason(store: Store) -> None:
    item = store.park(ParkedKind.ORDER, "o8", instance="csv", order_number="1008",
                      reason="cancellation rejected by csv: already picked")
    (alert,) = detect(store, SETTINGS, now=now()).alerts
    assert alert.kind is AlertKind.PARKED and alert.key == f"parked:{item.id}"
    assert "cancellation rejected by csv: already picked" in alert.message
    assert "order 1008 at csv" in alert.message
    store.resolve_parked(item.id, "done by hand")
    assert kinds(store, now()) == []


def test_counts_list_every_kind_and_kinds_filter_alerting(store: Store) -> None:
    store.park(ParkedKind.SHIPMENT, "s1", instance="csv", reason="unknown carrier XYZ")
    _submit(store, "o9")
    report = detect(store, SETTINGS, now=later(1801))
    assert report.counts() == {"stuck_inbox": 0, "stuck_export": 1, "stuck_shipment": 0,
                               "not_exported": 0, "not_shipped": 0, "parked": 1}
    assert [a.kind.value for a in report.enabled(["parked"])] == ["parked"]


def test_a_long_reason_is_clipped_in_the_alert_line(store: Store) -> None:
    store.park(ParkedKind.ORDER, "o10", instance=None, reason="warehouse said: " + "x" * 5000)
    (alert,) = detect(store, SETTINGS, now=now()).alerts
    assert len(alert.message) < 400 and alert.message.endswith("...")


def test_the_settings_know_exactly_the_alert_kinds() -> None:
    from oc_bridge.alerts import ALERT_KINDS
    from oc_bridge.settings import ALERT_KINDS as SETTING_KINDS

    assert tuple(k.value for k in ALERT_KINDS) == SETTING_KINDS
    assert AlertSettings().kinds == list(SETTING_KINDS)
