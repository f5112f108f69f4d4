"""Webhooks: handle_webhook fetches only from the configured origin; subscriptions."""

from __future__ import annotations

import json

import pytest
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter
from oc_bridge_shipstation.mapping import order_payload

from oc_bridge.errors import PermanentError

from .helpers import NOW, make_order


def _order(fake: FakeShipStation, n: int = 1) -> str:
    payload = order_payload(make_order(f"Order:{n}", str(n)), zone=fake.store.zone,
                            store_id=12345)
    fake.store.upsert_order(payload)
    return str(payload["orderKey"])


def test_ship_notify_maps_the_batch(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    first = fake.store.create_label(_order(fake, 1), create_date=NOW)
    fake.store.create_label(_order(fake, 2), create_date=NOW)  # not in the batch
    body = fake.webhook_body("SHIP_NOTIFY", [first["shipmentId"]])
    assert "includeShipmentItems=False" in json.loads(body)["resource_url"]
    pull = adapter.handle_webhook(body)
    assert [s.order_ref for s in pull.shipments] == ["Order:1"]
    assert pull.shipments[0].lines  # items were asked for despite the URL saying False
    assert pull.cursor is None


def test_fulfillment_shipped(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    fulfillment = fake.store.mark_shipped(_order(fake), create_date=NOW)
    pull = adapter.handle_webhook(fake.webhook_body("FULFILLMENT_SHIPPED",
                                                    [fulfillment["fulfillmentId"]]))
    assert [s.shipment_key for s in pull.shipments] == [
        f"shipstation:fulfillment:{fulfillment['fulfillmentId']}"]


@pytest.mark.parametrize("url", [
    "http://evil.example/shipments?batchId=1",
    "https://127.0.0.1:{port}/shipments?batchId=1",  # other scheme
    "http://127.0.0.1:1/shipments?batchId=1",  # other port
    "http://localhost:{port}/shipments?batchId=1",  # other host name
])
def test_foreign_resource_urls_are_refused(adapter: ShipStationAdapter, fake: FakeShipStation,
                                           url: str) -> None:
    port = fake.base_url.rsplit(":", 1)[1]
    body = json.dumps({"resource_url": url.format(port=port), "resource_type": "SHIP_NOTIFY"})
    before = sum(fake.calls.values())
    with pytest.raises(PermanentError, match="resource_url host not allowed"):
        adapter.handle_webhook(body.encode())
    assert sum(fake.calls.values()) == before  # the credentials never left


def test_other_paths_and_bodies_are_refused(adapter: ShipStationAdapter,
                                            fake: FakeShipStation) -> None:
    body = json.dumps({"resource_url": fake.base_url + "/stores", "resource_type": "SHIP_NOTIFY"})
    with pytest.raises(PermanentError, match="path not allowed"):
        adapter.handle_webhook(body.encode())
    with pytest.raises(PermanentError, match="not a ShipStation webhook"):
        adapter.handle_webhook(b"<xml/>")


def test_other_events_are_ignored(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    body = json.dumps({"resource_url": fake.base_url + "/orders?batchId=1",
                       "resource_type": "ORDER_NOTIFY"}).encode()
    assert adapter.handle_webhook(body).shipments == []
    assert sum(fake.calls.values()) == 0


def test_subscribe_is_idempotent(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    url = "https://bridge.example/hooks/shipstation/s3cr3t"
    first = adapter.webhook_subscribe(url, "SHIP_NOTIFY", "oc-bridge")
    assert adapter.webhook_subscribe(url, "SHIP_NOTIFY", "oc-bridge") == first
    other = adapter.webhook_subscribe(url, "FULFILLMENT_SHIPPED", "oc-bridge")
    assert other != first
    assert fake.calls["POST /webhooks/subscribe"] == 2
    hooks = adapter.list_webhooks()
    assert {h["HookType"] for h in hooks} == {"SHIP_NOTIFY", "FULFILLMENT_SHIPPED"}
    assert all(h["StoreID"] == 12345 for h in hooks)
    adapter.webhook_unsubscribe(first)
    assert [h["WebHookID"] for h in adapter.list_webhooks()] == [other]
