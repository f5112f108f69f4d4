"""The fake ShipStation against ShipStation's documentation (the fixtures), not the adapter.

Each served record must have exactly the fields of the documented example; the documented
request examples must be accepted as they are; what the documentation does not show (fields,
query parameters) is refused, so an adapter that relies on it fails against the fake.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import requests
from fakes.shipstation import docs
from fakes.shipstation.server import FakeShipStation

FAKE_DIR = Path(docs.__file__).parent
AUTH = ("key", "secret")


def _get(fake: FakeShipStation, path: str, **params: Any) -> Any:
    response = requests.get(fake.base_url + path, params=params, auth=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _post(fake: FakeShipStation, path: str, body: Any) -> requests.Response:
    return requests.post(fake.base_url + path, json=body, auth=AUTH, timeout=10)


def _same_fields(served: dict[str, Any], documented: dict[str, Any], where: str) -> None:
    assert list(served) == list(documented), where
    for name, value in documented.items():
        if isinstance(value, dict) and isinstance(served[name], dict):
            _same_fields(served[name], value, f"{where}.{name}")


def test_the_fake_imports_nothing_it_stands_in_for() -> None:
    for path in FAKE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            assert not any(n.startswith(("oc_bridge", "oc_bridge_shipstation")) for n in names), (
                f"{path.name} imports {names}")


def test_every_fixture_names_its_documentation_page() -> None:
    found = sorted(docs.FIXTURES.rglob("*.json"))
    assert len(found) >= 10
    for path in found:
        text = docs._load(str(path.relative_to(docs.FIXTURES)))
        assert str(text["source"]).startswith("https://"), path.name
        assert text.get("provenance"), path.name


def test_the_documented_order_is_accepted_and_served_in_the_documented_shape(
        fake: FakeShipStation) -> None:
    request = docs.example("v1/orders-createorder.json", "request")
    answer = _post(fake, "/orders/createorders", [request])
    assert answer.status_code == 200, answer.text
    _same_fields(answer.json(), docs.example("v1/orders-createorders.json"), "createorders")
    result = answer.json()["results"][0]
    assert result["success"] and result["orderKey"] == request["orderKey"]
    order = _get(fake, f"/orders/{result['orderId']}")
    _same_fields(order, docs.example("v1/orders-get.json"), "order")
    assert list(order["items"][0]) == list(docs.example("v1/orders-get.json")["items"][0])
    listed = _get(fake, "/orders", orderNumber=request["orderNumber"])
    _same_fields(listed, docs.example("v1/orders-list.json"), "orders list")
    single = _post(fake, "/orders/createorder", request)
    assert single.status_code == 200 and single.json()["orderId"] == result["orderId"]


def test_labels_fulfillments_stores_webhooks_and_stock_have_the_documented_fields(
        fake: FakeShipStation) -> None:
    request = docs.example("v1/orders-createorder.json", "request")
    _post(fake, "/orders/createorders", [request])
    fake.store.create_label(request["orderKey"])
    shipments = _get(fake, "/shipments", includeShipmentItems="true")
    _same_fields(shipments, docs.example("v1/shipments-list.json"), "shipments")
    documented_shipment = docs.example("v1/shipments-list.json")["shipments"][0]
    _same_fields(shipments["shipments"][0], documented_shipment, "shipment")
    documented_item = documented_shipment["shipmentItems"][0]
    assert list(shipments["shipments"][0]["shipmentItems"][0]) == list(documented_item)
    assert _get(fake, "/shipments")["shipments"][0]["shipmentItems"] is None
    fake.store.mark_shipped(request["orderKey"])
    fulfillments = _get(fake, "/fulfillments")
    documented = docs.example("v1/fulfillments-list.json")
    _same_fields(fulfillments, documented, "fulfillments")
    _same_fields(fulfillments["fulfillments"][0], documented["fulfillments"][0], "fulfillment")
    assert list(_get(fake, "/stores")[0]) == list(docs.example("v1/stores-list.json")[0])
    subscribe = docs.example("v1/webhooks-subscribe.json", "request")
    created = _post(fake, "/webhooks/subscribe", subscribe)
    assert list(created.json()) == list(docs.example("v1/webhooks-subscribe.json"))
    _same_fields(_get(fake, "/webhooks"), docs.example("v1/webhooks-list.json"), "webhooks")
    fake.set_stock("ABC123", 10)
    stock = requests.get(fake.base_url_v2 + "/inventory", headers={"api-key": "v2key"},
                         params={"limit": 100}, timeout=10).json()
    _same_fields(stock, docs.example("v2/inventory-list.json"), "inventory")


def test_webhook_bodies_have_the_documented_form(fake: FakeShipStation) -> None:
    documented = docs.example("v1/webhook-payloads.json", "examples")["SHIP_NOTIFY"]
    body = __import__("json").loads(fake.webhook_body("SHIP_NOTIFY", [1]))
    assert list(body) == list(documented)
    assert body["resource_url"].split("?")[1].split("&")[0].startswith("storeID=")
    assert body["resource_url"].endswith("includeShipmentItems=False")


@pytest.mark.parametrize("change", [
    {"orderChampReference": "x"},
    {"shipTo": {"country": "NL", "name": "A", "houseNumber": "12"}},
])
def test_fields_the_documentation_does_not_show_are_refused(
        fake: FakeShipStation, change: dict[str, Any]) -> None:
    request = dict(docs.example("v1/orders-createorder.json", "request"), **change)
    answer = _post(fake, "/orders/createorders", [request])
    assert answer.status_code == 400
    assert "not in ShipStation's documented" in answer.json()["ExceptionMessage"]


def test_query_parameters_the_documentation_does_not_show_are_refused(
        fake: FakeShipStation) -> None:
    answer = requests.get(fake.base_url + "/shipments", params={"updatedSince": "x"},
                          auth=AUTH, timeout=10)
    assert answer.status_code == 400 and "updatedSince" in answer.json()["ExceptionMessage"]
    v2 = requests.get(fake.base_url_v2 + "/inventory", params={"page_size": 5},
                      headers={"api-key": "v2key"}, timeout=10)
    assert v2.status_code == 400


def test_a_429_carries_the_documented_rate_limit_headers(fake: FakeShipStation) -> None:
    fake.window.force_throttle(1, reset=17)
    answer = requests.get(fake.base_url + "/stores", auth=AUTH, timeout=10)
    assert answer.status_code == 429
    documented = docs.example("v1/rate-limits.json", "headers")
    assert set(documented) <= set(answer.headers)
    assert answer.headers["X-Rate-Limit-Reset"] == "17"
    ok = requests.get(fake.base_url + "/stores", auth=AUTH, timeout=10)
    assert int(ok.headers["X-Rate-Limit-Remaining"]) == 39


def test_split_order_keeps_the_key_on_a_child_with_its_own_id_and_number(
        fake: FakeShipStation) -> None:
    request = docs.example("v1/orders-createorder.json", "request")
    request["items"][1]["lineItemKey"] = "discount"
    _post(fake, "/orders/createorders", [request])
    parent = fake.store.orders[request["orderKey"]]
    child = fake.store.split_order(request["orderKey"], {"vd08-MSLbtx": 1})
    assert child["orderKey"] == parent["orderKey"]
    assert child["orderId"] != parent["orderId"]
    assert child["orderNumber"] == f"{parent['orderNumber']}-1"
    assert child["advancedOptions"]["parentId"] == parent["orderId"]
    assert parent["advancedOptions"]["mergedOrSplit"] and child["advancedOptions"]["mergedOrSplit"]
    # Docs: for split orders the orderId is always required for updates.
    again = _post(fake, "/orders/createorders", [request]).json()["results"][0]
    assert not again["success"] and "orderId is required" in again["errorMessage"]
    update = dict(request, orderId=child["orderId"], orderNumber=child["orderNumber"])
    by_id = _post(fake, "/orders/createorders", [update])
    assert by_id.json()["results"][0]["success"]
    label = fake.store.create_label(request["orderKey"], order_id=child["orderId"])
    assert (label["orderKey"], label["orderNumber"]) == (parent["orderKey"], child["orderNumber"])
