"""Canonical order → ShipStation order JSON, and ShipStation shipments → ShipmentReport."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from oc_bridge_shipstation.mapping import order_payload, order_ref_of, shipment_report

from oc_bridge.canonical import FulfilmentAddress, FulfilmentLine, ShippedLine
from oc_bridge.errors import MappingError

from .helpers import make_order

LA = ZoneInfo("America/Los_Angeles")


def test_order_payload_fields() -> None:
    payload = order_payload(make_order(), zone=LA, store_id=12345)
    assert payload["orderKey"] == "orderchamp:Order:1"
    assert payload["orderNumber"] == "1001"
    assert payload["orderStatus"] == "awaiting_shipment"
    assert payload["orderDate"] == "2026-06-01 02:30:00"  # 09:30 UTC in Pacific summer time
    assert payload["customerEmail"] == "anna@example.nl"
    assert payload["amountPaid"] == 123.4
    assert payload["customerNotes"] == "Leave at the back door"
    assert payload["requestedShippingService"] == "standard"
    ship_to = payload["shipTo"]
    assert ship_to["street1"] == "Keizersgracht 12 A"
    assert ship_to["name"] == "Anna de Vries"
    assert ship_to["company"] == "Winkel de Vries"
    assert ship_to["country"] == "NL"
    assert ship_to["residential"] is False
    assert payload["billTo"] == ship_to
    assert payload["items"][0] == {"lineItemKey": "Order:1/L1", "sku": "SKU-1",
                                   "name": "Mug 1", "quantity": 1, "unitPrice": 4.5,
                                   "upc": None}
    assert payload["advancedOptions"] == {"storeId": 12345, "source": "orderchamp",
                                          "customField1": "Order:1", "customField2": "PO-77"}


def test_bill_to_always_sent_and_name_falls_back() -> None:
    company_only = FulfilmentAddress(company="Shop BV", street="Markt", house_number="1",
                                     city="Utrecht", postal_code="3511", country="nl")
    order = make_order(ship_to=company_only, bill_to=FulfilmentAddress(),
                       lines=(FulfilmentLine(line_ref="L1", sku="SKU-9", quantity=2),))
    payload = order_payload(order, zone=LA, store_id=None)
    assert payload["billTo"]["name"] == "Shop BV"  # ship-to stands in for a missing bill-to
    assert payload["shipTo"]["country"] == "NL"
    assert payload["shipTo"]["street1"] == "Markt 1"
    assert payload["items"][0]["name"] == "SKU-9"  # name is never null
    assert payload["advancedOptions"]["storeId"] is None


def test_unmappable_orders() -> None:
    with pytest.raises(MappingError, match="no country"):
        order_payload(make_order(ship_to=FulfilmentAddress(city="X")), zone=LA, store_id=1)
    with pytest.raises(MappingError, match="no lines"):
        order_payload(make_order(lines=0), zone=LA, store_id=1)


def test_order_ref_from_key_or_custom_field() -> None:
    assert order_ref_of({"orderKey": "orderchamp:Order:9"}) == "Order:9"
    assert order_ref_of({"orderKey": "x", "advancedOptions": {
        "source": "orderchamp", "customField1": "Order:8"}}) == "Order:8"
    assert order_ref_of({"orderKey": "shopify-1"}) is None


def test_shipment_report_from_label() -> None:
    record = {
        "shipmentId": 7, "orderKey": "orderchamp:Order:1", "orderNumber": "1001",
        "createDate": "2026-06-15T11:00:00.0000000", "shipDate": "2026-06-15",
        "trackingNumber": "3SXYZ", "carrierCode": "postnl", "serviceCode": "std",
        "weight": {"value": 2, "units": "pounds"},
        "shipmentItems": [{"lineItemKey": "Order:1/L1", "sku": "SKU-1", "quantity": 1},
                          {"lineItemKey": None, "sku": "SKU-2", "quantity": 2},
                          {"lineItemKey": "Order:1/L3", "sku": "SKU-3", "quantity": 0}],
    }
    report = shipment_report(record, key="shipstation:shipment:7", order=None, zone=LA,
                             transit_days=2)
    assert report.order_ref == "Order:1"
    assert report.shipped_at == datetime(2026, 6, 15, 18, 0, tzinfo=UTC)  # createDate's time
    assert report.carrier == "postnl" and report.service == "std"
    assert report.tracking_number == "3SXYZ"
    assert report.weight_grams == 907
    assert report.estimated_transit_days == 2
    assert report.lines == (ShippedLine(line_ref="Order:1/L1", sku="SKU-1", quantity=1),
                            ShippedLine(sku="SKU-2", quantity=2))


def test_fulfillment_takes_lines_from_its_order() -> None:
    record = {"fulfillmentId": 9, "orderId": 5, "orderNumber": "1001",
              "createDate": "2026-06-14T23:00:00.0000000",
              "shipDate": "2026-06-15T00:00:00.0000000", "trackingNumber": "T"}
    order = {"orderKey": "orderchamp:Order:1",
             "items": [{"lineItemKey": "Order:1/L1", "sku": "SKU-1", "quantity": 3}]}
    report = shipment_report(record, key="k", order=order, zone=LA, transit_days=None)
    assert report.order_ref == "Order:1"
    assert report.shipped_at == datetime(2026, 6, 15, 7, 0, tzinfo=UTC)  # local midnight
    assert report.lines == (ShippedLine(line_ref="Order:1/L1", sku="SKU-1", quantity=3),)


def test_shipment_without_items_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="no shipped items"):
        shipment_report({"orderKey": "orderchamp:O", "shipmentItems": []}, key="k",
                        order=None, zone=LA, transit_days=None)
