"""Shipments back: labels and fulfillments, paging, dedupe, voids, returns, date windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter
from oc_bridge_shipstation.mapping import order_payload

from oc_bridge.canonical import ShipmentOutcome, ShippedLine

from .conftest import AdapterFactory
from .helpers import NOW, WallClock, make_order


def _orders(fake: FakeShipStation, count: int, key_prefix: str = "orderchamp:") -> list[str]:
    keys = []
    for n in range(1, count + 1):
        payload = order_payload(make_order(f"Order:{n}", str(1000 + n)),
                                zone=fake.store.zone, store_id=12345)
        payload["orderKey"] = key_prefix + f"Order:{n}"
        if key_prefix != "orderchamp:":
            payload["advancedOptions"] = {"storeId": 999, "source": "shopify"}
        fake.store.upsert_order(payload)
        keys.append(payload["orderKey"])
    return keys


def _queries(fake: FakeShipStation, path: str) -> list[dict[str, str]]:
    return [dict(parse_qsl(urlsplit(raw).query)) for method, raw in fake.requests_log
            if method == "GET" and urlsplit(raw).path == path]


def test_labels_are_paged_and_mapped(make_adapter: AdapterFactory,
                                     fake: FakeShipStation) -> None:
    adapter = make_adapter(page_size=2, default_transit_days=2)
    for key in _orders(fake, 5):
        fake.store.create_label(key, tracking_number=f"T-{key}",
                                create_date=NOW - timedelta(minutes=10))
    pull = adapter.fetch_shipments(None)
    assert len(pull.shipments) == 5
    assert pull.problems == []
    assert pull.cursor == "2026-06-15T18:00:00+00:00"
    assert fake.calls["GET /shipments"] == 3  # 2 + 2 + 1
    first = pull.shipments[0]
    # Found by orderKey; ShipStation's number (which a split changes) is only in the source.
    assert first.order_ref == "Order:1" and first.order_number is None
    assert first.source == f"{first.shipment_key} (ShipStation order 1001)"
    assert first.shipment_key.startswith("shipstation:shipment:")
    assert first.tracking_number == "T-orderchamp:Order:1"
    assert first.carrier == "postnl" and first.estimated_transit_days == 2
    assert first.shipped_at == NOW - timedelta(minutes=10)
    assert first.lines == (ShippedLine(line_ref="Order:1/L1", sku="SKU-1", quantity=1),
                           ShippedLine(line_ref="Order:1/L2", sku="SKU-2", quantity=2))
    query = _queries(fake, "/shipments")[0]
    assert query["includeShipmentItems"] == "true" and query["storeId"] == "12345"
    assert query["createDateEnd"] == "2026-06-15 11:00:00"  # Pacific daylight time
    assert query["createDateStart"] == "2026-05-16 11:00:00"  # initial_lookback_days = 30


def test_window_starts_overlap_before_the_cursor(adapter: ShipStationAdapter,
                                                 fake: FakeShipStation, wall: WallClock) -> None:
    key = _orders(fake, 1)[0]
    fake.store.create_label(key, create_date=NOW - timedelta(hours=2))  # before the window
    pull = adapter.fetch_shipments("2026-06-15T17:00:00+00:00")
    assert pull.shipments == []
    assert _queries(fake, "/shipments")[0]["createDateStart"] == "2026-06-15 09:30:00"
    assert _queries(fake, "/fulfillments")[0]["createDateStart"] == "2026-06-15 09:30:00"
    fake.store.create_label(key, create_date=NOW - timedelta(minutes=80))  # inside overlap
    assert len(adapter.fetch_shipments("2026-06-15T17:00:00+00:00").shipments) == 1


def test_partial_labels_and_fulfillments(adapter: ShipStationAdapter,
                                         fake: FakeShipStation) -> None:
    first, second = _orders(fake, 2)
    fake.store.create_label(first, {"Order:1/L2": 1}, create_date=NOW - timedelta(minutes=5))
    fake.store.mark_shipped(second, tracking_number="DHL1", create_date=NOW)
    pull = adapter.fetch_shipments(None)
    by_order = {s.order_ref: s for s in pull.shipments}
    assert by_order["Order:1"].lines == (
        ShippedLine(line_ref="Order:1/L2", sku="SKU-2", quantity=1),)
    fulfilled = by_order["Order:2"]
    assert fulfilled.shipment_key.startswith("shipstation:fulfillment:")
    assert fulfilled.tracking_number == "DHL1" and fulfilled.carrier == "dhl"
    assert {line.line_ref: line.quantity for line in fulfilled.lines} == {
        "Order:2/L1": 1, "Order:2/L2": 2}
    order_id = fake.store.orders[second]["orderId"]
    assert fake.calls[f"GET /orders/{order_id}"] == 1
    adapter.fetch_shipments(pull.cursor)  # the overlap reads the fulfillment again ...
    assert fake.calls[f"GET /orders/{order_id}"] == 1  # ... but not its order


def test_returns_voids_and_foreign_orders_are_skipped(adapter: ShipStationAdapter,
                                                      fake: FakeShipStation) -> None:
    ours = _orders(fake, 2)
    foreign = _orders(fake, 1, key_prefix="shopify:")[0]
    fake.store.create_label(ours[0], create_date=NOW)
    fake.store.create_label(ours[0], tracking_number="RET", is_return=True, create_date=NOW)
    voided = fake.store.create_label(ours[1], create_date=NOW)
    fake.store.void(voided["shipmentId"])
    fake.store.create_label(foreign, create_date=NOW)
    fake.store.mark_shipped(foreign, create_date=NOW)
    pull = adapter.fetch_shipments(None)
    assert [s.order_ref for s in pull.shipments] == ["Order:1"]
    assert pull.shipments[0].tracking_number == "TRACK1"
    assert pull.problems == []  # voided before it was ever reported: nothing to say


def test_duplicates_within_a_pull_are_dropped(adapter: ShipStationAdapter,
                                              fake: FakeShipStation) -> None:
    key = _orders(fake, 1)[0]
    record = fake.store.create_label(key, create_date=NOW)
    pull = adapter.reader.read("shipments", [record, dict(record), record])
    assert len(pull.shipments) == 1


def test_void_after_report_is_raised_once(make_adapter: AdapterFactory,
                                          fake: FakeShipStation) -> None:
    adapter = make_adapter()
    key = _orders(fake, 1)[0]
    label = fake.store.create_label(key, create_date=NOW)
    pull = adapter.fetch_shipments(None)
    shipment_key = pull.shipments[0].shipment_key
    adapter.acknowledge_shipments(pull, [ShipmentOutcome(shipment_key=shipment_key, ok=True)])
    fake.store.void(label["shipmentId"])
    voided = adapter.fetch_shipments(pull.cursor)
    assert voided.shipments == []
    assert len(voided.problems) == 1
    problem = voided.problems[0]
    assert problem.source == shipment_key
    assert "voided after it was reported to Orderchamp" in problem.message
    # Not acknowledged yet: raised again (at least once) ...
    assert len(adapter.fetch_shipments(pull.cursor).problems) == 1
    adapter.acknowledge_shipments(voided, [])
    assert adapter.fetch_shipments(pull.cursor).problems == []
    # ... and the record survives a restart.
    adapter.close()
    assert make_adapter().fetch_shipments(pull.cursor).problems == []


def test_rejected_shipment_is_not_remembered(adapter: ShipStationAdapter,
                                             fake: FakeShipStation) -> None:
    key = _orders(fake, 1)[0]
    label = fake.store.create_label(key, create_date=NOW)
    pull = adapter.fetch_shipments(None)
    adapter.acknowledge_shipments(pull, [ShipmentOutcome(
        shipment_key=pull.shipments[0].shipment_key, ok=False, message="unknown line")])
    fake.store.void(label["shipmentId"])
    assert adapter.fetch_shipments(None).problems == []


def test_spring_forward_window(adapter: ShipStationAdapter, fake: FakeShipStation,
                               wall: WallClock) -> None:
    # 2026-03-08: 02:00 PST jumps to 03:00 PDT at 10:00 UTC.
    wall.value = datetime(2026, 3, 8, 10, 45, tzinfo=UTC)  # 03:45 PDT
    key = _orders(fake, 2)
    fake.store.create_label(key[0], create_date=datetime(2026, 3, 8, 10, 30, tzinfo=UTC))
    fake.store.create_label(key[1], create_date=datetime(2026, 3, 8, 8, 40, tzinfo=UTC))
    pull = adapter.fetch_shipments("2026-03-08T10:20:00+00:00")
    query = _queries(fake, "/shipments")[0]
    # Window 09:50-10:45 UTC spans the change: start widened by one hour, to 08:50 UTC.
    assert query["createDateStart"] == "2026-03-08 00:50:00"
    assert query["createDateEnd"] == "2026-03-08 03:45:00"
    assert [s.order_ref for s in pull.shipments] == ["Order:1"]
    assert pull.shipments[0].shipped_at == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)


def test_fall_back_window_catches_the_repeated_hour(adapter: ShipStationAdapter,
                                                    fake: FakeShipStation,
                                                    wall: WallClock) -> None:
    # 2026-11-01: 02:00 PDT falls back to 01:00 PST at 09:00 UTC; 01:xx happens twice.
    wall.value = datetime(2026, 11, 1, 9, 40, tzinfo=UTC)  # 01:40 PST (second time round)
    key = _orders(fake, 1)[0]
    fake.store.create_label(key, create_date=datetime(2026, 11, 1, 9, 30, tzinfo=UTC))
    pull = adapter.fetch_shipments("2026-11-01T09:20:00+00:00")
    query = _queries(fake, "/shipments")[0]
    # Unwidened, the start (08:50 UTC = 01:50 PDT) would lie after the label's 01:30 stamp.
    assert query["createDateStart"] == "2026-11-01 00:50:00"
    assert query["createDateEnd"] == "2026-11-01 01:40:00"
    assert len(pull.shipments) == 1
    # The wall time 01:30 is read as its first occurrence (fold=0): 08:30 UTC, documented.
    assert pull.shipments[0].shipped_at == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
