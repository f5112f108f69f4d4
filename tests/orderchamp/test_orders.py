"""iter_orders, get_order and the other readers: paging, page sizes from the cost rule, laziness."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from oc_bridge.orderchamp import OrderchampClient, load_operation
from oc_bridge.orderchamp.cost import requested_cost

from .helpers import FakeClock, FakeOrderchamp, OrderBook, line, order_node, page


def _costs(fake: FakeOrderchamp) -> list[int]:
    return [requested_cost(load_operation(c["operationName"]).document, c["variables"],
                           c["operationName"]) for c in fake.calls]


def test_iter_orders_pages_nested_lines(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    book = OrderBook([3, 250, 1, 12, 0, 7, 2])
    book.install(fake)
    orders = list(client.iter_orders())
    assert [o.number for o in orders] == [f"OC-{i:05d}" for i in range(1, 8)]
    assert [len(o.products) for o in orders] == [3, 250, 1, 12, 0, 7, 2]
    assert len({p.id for p in orders[1].products}) == 250
    assert orders[1].products[-1].unit_price == Decimal("4.50")
    assert orders[0].shipping_address is not None
    assert orders[0].shipping_address.house_number == "1A"
    assert "OrderProductsPage" in fake.names()
    assert max(_costs(fake)) <= 1000  # every page fits the bucket (and max_query_cost)


def test_page_sizes_fit_a_smaller_budget(fake: FakeOrderchamp, clock: FakeClock) -> None:
    OrderBook([40] * 9).install(fake)
    with OrderchampClient("https://api.orderchamp.test/v1/graphql", "tok-abcdef",
                          max_query_cost=600, sleep=clock.sleep, clock=clock) as client:
        orders = list(client.iter_orders())
    assert [len(o.products) for o in orders] == [40] * 9
    assert max(_costs(fake)) <= 600


def test_light_listing_selects_summary_fields(client: OrderchampClient,
                                              fake: FakeOrderchamp) -> None:
    OrderBook([5, 5, 5]).install(fake)
    orders = list(client.iter_orders(with_lines=False, include_cancelled=True))
    assert fake.names() == ["OrdersSummaryPage"]
    assert orders[0].products == () and orders[0].products_count == 5
    assert orders[0].created_at == datetime(2024, 3, 1, 9, tzinfo=UTC)
    first = fake.calls[0]["variables"]["first"]
    cost = requested_cost(load_operation("OrdersSummaryPage").document, {"first": first})
    next_cost = requested_cost(load_operation("OrdersSummaryPage").document, {"first": first + 1})
    assert cost <= 1000 < next_cost  # the largest page that fits the bucket


def test_updated_since_is_omitted_when_none(client: OrderchampClient,
                                            fake: FakeOrderchamp) -> None:
    OrderBook([1]).install(fake)
    list(client.iter_orders(with_lines=False))
    variables = fake.calls[0]["variables"]
    assert "updatedSince" not in variables and "after" not in variables
    assert "isFulfilled" not in variables
    assert variables["includeUnconfirmed"] is False and variables["sort"] == "CREATED_AT_ASC"


def test_updated_since_is_sent_when_given(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    OrderBook([1]).install(fake)
    since = datetime(2024, 3, 1, tzinfo=UTC)
    list(client.iter_orders(with_lines=False, updated_since=since, is_fulfilled=False))
    assert fake.calls[0]["variables"]["updatedSince"] == "2024-03-01T00:00:00+00:00"
    assert fake.calls[0]["variables"]["isFulfilled"] is False
    with pytest.raises(ValueError, match="aware"):
        client.iter_orders(updated_since=datetime(2024, 3, 1))


def test_iteration_is_lazy(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    OrderBook([1] * 12).install(fake)
    orders = client.iter_orders(with_lines=False, page_size=5)
    assert orders.total_count is None and fake.calls == []
    first_page = [next(orders) for _ in range(5)]
    assert len(fake.calls) == 1 and orders.total_count == 12
    assert first_page[-1].number == "OC-00005"
    next(orders)
    assert len(fake.calls) == 2
    rest = list(orders)
    assert len(rest) == 6 and len(fake.calls) == 3
    # the last page asks only for the orders still expected
    assert [c["variables"]["first"] for c in fake.calls] == [5, 5, 2]


def test_get_order_with_shipments_and_invoices(client: OrderchampClient,
                                               fake: FakeOrderchamp) -> None:
    lines = [line(1, i) for i in range(150)]

    def order(variables: dict[str, Any]) -> dict[str, Any]:
        nodes, info = page(lines, variables["productsFirst"], None)
        return {"data": {"order": {**order_node(1, 150),
                                   "products": {"pageInfo": info, "nodes": nodes}}}}

    def products(variables: dict[str, Any]) -> dict[str, Any]:
        nodes, info = page(lines, variables["first"], variables.get("after"))
        return {"data": {"order": {"id": "Order:1",
                                   "products": {"pageInfo": info, "nodes": nodes}}}}

    shipment_lines = [{"orderProduct": {"id": ln["id"], "sku": ln["sku"]}, "quantity": 1}
                      for ln in lines]
    shipments = [
        {"id": "Shipment:1", "method": "SHIP_YOURSELF", "isTracked": True, "isShipped": True,
         "shippedAt": "2024-03-03T08:00:00Z", "trackingNumber": "3S123"},
        {"id": "Shipment:2", "method": "ORDERCHAMP", "isTracked": False, "isShipped": False},
    ]
    owned = {"Shipment:1": shipment_lines[:2], "Shipment:2": shipment_lines}

    def order_shipments(variables: dict[str, Any]) -> dict[str, Any]:
        chosen, info = page(list(range(len(shipments))), variables["first"],
                            variables.get("after"))
        edges = []
        for index in chosen:
            items, items_info = page(owned[shipments[index]["id"]], variables["productsFirst"],
                                     variables.get("productsAfter"))
            edges.append({"cursor": str(index), "node": {
                **shipments[index], "products": {"pageInfo": items_info, "nodes": items}}})
        return {"data": {"order": {"id": "Order:1", "shipments": {
            "pageInfo": info, "edges": edges}}}}

    fake.on("Order", order)
    fake.on("OrderProductsPage", products)
    fake.on("OrderShipments", order_shipments)
    fake.queue("OrderInvoices", {"data": {"order": {"id": "Order:1", "invoices": {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [{"id": "Invoice:1", "number": "F-1", "type": "DIRECT_INVOICE",
                   "createdAt": "2024-03-03T08:00:00Z", "currency": "EUR",
                   "subtotalPrice": "10.00", "taxPrice": "2.10", "totalPrice": "12.10"}]}}}})
    got = client.get_order("Order:1", with_invoices=True, full=True)
    assert got is not None
    assert len(got.products) == 150
    assert [len(s.products) for s in got.shipments] == [2, 150]
    assert got.shipments[1].products[149].order_product_id == "OrderProduct:1-149"
    # the second shipment's lines did not fit one page: it was selected alone and continued
    follow_up = [c["variables"] for c in fake.calls if "productsAfter" in c["variables"]]
    assert follow_up and follow_up[0]["first"] == 1 and follow_up[0]["after"] == "0"
    assert got.shipments[0].tracking_number == "3S123"
    assert got.invoices[0].total_price == Decimal("12.10")
    assert got.invoices[0].order_id == "Order:1"
    assert max(_costs(fake)) <= 1000


def test_get_order_unknown_is_none(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("OrderSize", {"data": {"order": None}})
    assert client.get_order("Order:404") is None


def test_variants_by_sku_are_batched(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    def variants(variables: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"productVariants": {
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [{"id": f"ProductVariant:{s}", "sku": s, "inventoryQuantity": 3,
                       "inventoryPolicy": "DENY"} for s in variables["skus"]]}}}

    fake.on("ProductVariants", variants)
    skus = [f"SKU-{i}" for i in range(250)]
    found = list(client.iter_product_variants(skus))
    assert [v.sku for v in found] == skus
    assert all(len(c["variables"]["skus"]) <= 100 for c in fake.calls)
    assert max(_costs(fake)) <= 1000


def test_webhooks_customers_and_inventory(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    empty = {"hasNextPage": False, "endCursor": None}
    hook = {"id": "Webhook:1", "topic": "ORDER_UPDATED", "endpoint": "https://x.test/h",
            "template": None}
    fake.queue("Webhooks", {"data": {"webhooks": {"pageInfo": empty, "nodes": [hook]}}})
    fake.queue("WebhookCreate", {"data": {"webhookCreate": {
        "webhook": hook, "userErrors": [], "clientMutationId": None}}})
    fake.queue("WebhookDelete", {"data": {"webhookDelete": {
        "deletedWebhookId": "Webhook:1", "userErrors": [], "clientMutationId": None}}})
    fake.queue("Customers", {"data": {"customers": {"pageInfo": empty, "nodes": [
        {"id": "Customer:1", "companyName": "Winkel", "channel": "PORTAL",
         "address": {"city": "Utrecht"}}]}}})
    adjusted = {"inventoryLevels": [], "clientMutationId": "m1",
                "userErrors": [{"field": ["inventoryLevels", "0", "sku"], "message": "unknown"}]}
    fake.queue("InventoryLevelBulkAdjust", {"data": {"inventoryLevelBulkAdjust": adjusted}})
    assert client.list_webhooks()[0].topic == "ORDER_UPDATED"
    assert client.create_webhook("ORDER_UPDATED", "https://x.test/h").id == "Webhook:1"
    assert client.delete_webhook("Webhook:1") == "Webhook:1"
    customers = list(client.iter_customers("PORTAL"))
    assert customers[0].address is not None and customers[0].address.city == "Utrecht"
    assert fake.calls[3]["variables"]["channel"] == "PORTAL"
    payload = client.bulk_adjust_inventory(
        [{"sku": "X", "action": "SET", "adjustment": 4}], client_mutation_id="m1")
    assert payload["userErrors"][0]["message"] == "unknown"
    with pytest.raises(ValueError, match="at most 100"):
        client.bulk_adjust_inventory([{"sku": "X", "action": "SET", "adjustment": 1}] * 101)
