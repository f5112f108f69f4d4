"""The adapter against ShipStation's documented examples (the fake's fixtures), without HTTP.

Every field the adapter writes must appear in the documented request; every documented
response example must map (nothing the adapter reads may be missing from it).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fakes.shipstation import docs
from oc_bridge_shipstation.mapping import (
    fulfillment_key,
    order_payload,
    shipment_key,
    shipment_report,
)

from .helpers import make_order

LA = ZoneInfo("America/Los_Angeles")


def test_every_field_the_adapter_writes_is_documented() -> None:
    payload = order_payload(make_order(), zone=LA, store_id=12345)
    documented = docs.example("v1/orders-createorder.json", "request")
    assert set(payload) <= set(documented)
    for part in ("billTo", "shipTo", "advancedOptions"):
        assert set(payload[part]) <= set(documented[part]), part
    for item in payload["items"]:
        assert set(item) <= set(documented["items"][0])


def test_the_documented_label_maps_to_a_report() -> None:
    label = docs.example("v1/shipments-list.json")["shipments"][0]
    label["orderKey"] = "orderchamp:Order:1"
    report = shipment_report(label, key=shipment_key(label["shipmentId"]), order=None, zone=LA,
                             transit_days=None)
    assert report.order_ref == "Order:1"
    assert (report.carrier, report.service) == ("stamps_com", "usps_first_class_mail")
    assert report.tracking_number == "9400111899561704681189"
    assert [(line.line_ref, line.sku, line.quantity) for line in report.lines] == [
        (None, "SQ3785739", 1)]
    assert report.weight_grams == 28  # 1 ounce
    assert report.shipped_at == datetime(2014, 10, 3, 6, 51, 33, 627000, tzinfo=LA)
    # The documented number "100038-1" is a split child's: the orderKey names the order, and
    # ShipStation's number is not passed off as Orderchamp's.
    assert report.order_number is None
    assert "100038-1" in (report.source or "")


def test_the_documented_fulfillment_maps_with_its_orders_items() -> None:
    fulfillment = docs.example("v1/fulfillments-list.json")["fulfillments"][0]
    order = docs.example("v1/orders-get.json")
    order["orderKey"] = "orderchamp:Order:9"
    report = shipment_report(fulfillment, key=fulfillment_key(fulfillment["fulfillmentId"]),
                             order=order, zone=LA, transit_days=3)
    assert report.order_ref == "Order:9"
    assert report.carrier == "USPS" and report.tracking_number == "783408231234"
    # The documented order carries a discount line (adjustment: true): not a shipped good.
    assert [(line.line_ref, line.sku, line.quantity) for line in report.lines] == [
        ("vd08-MSLbtx", "ABC123", 2)]
    assert report.shipped_at == datetime(2016, 6, 7, 8, 50, 50, 67000, tzinfo=LA)
