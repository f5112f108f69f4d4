"""Mutations and their business rules, answered with userErrors over HTTP 200."""

from __future__ import annotations

from typing import Any

from oc_bridge.sandbox import Sandbox
from oc_bridge.sandbox.model import Order

ORDER_FIELDS = "id status isConfirmed isCancelled isFulfilled isPaid updatedAt confirmedAt"

CONFIRM = f"""mutation($id: ID!) {{ orderConfirm(input: {{id: $id, clientMutationId: "c-1"}}) {{
  order {{ {ORDER_FIELDS} invoices(first: 5) {{ nodes {{ type }} }} }}
  userErrors {{ field message }} clientMutationId }} }}"""
CANCEL = f"""mutation($id: ID!) {{ orderCancel(input: {{id: $id, reason: "OUT_OF_STOCK",
  message: "sorry"}}) {{ order {{ {ORDER_FIELDS} cancellationReason }}
  userErrors {{ field message }} }} }}"""
CREATE_SHIPMENT = """mutation($input: ShipmentCreateInput!) { shipmentCreate(input: $input) {
  shipment { id isShipped products(first: 50) { nodes { quantity orderProduct { id } } } }
  userErrors { field message } clientMutationId } }"""
SHIP = """mutation($input: ShipmentShipInput!) { shipmentShip(input: $input) {
  shipment { id isShipped shippedAt isTracked trackingNumber estimatedTransitDays }
  userErrors { field message } } }"""
LINES = """query($id: ID!) { order(id: $id) { status isFulfilled updatedAt
  products(first: 250) { nodes { id quantity unshippedQuantity } } } }"""


def _pick(sandbox: Sandbox, status: str, **extra: Any) -> Order:
    for order in sandbox.state.orders:
        if order.status == status and all(getattr(order, k) == v for k, v in extra.items()):
            return order
    raise AssertionError(f"no {status} order in the sandbox")


def test_confirm(sandbox: Sandbox, gql: Any) -> None:
    order = _pick(sandbox, "AWAITING_CONFIRMATION")
    before = order.updated_at
    result = gql.data(CONFIRM, {"id": order.id})["orderConfirm"]
    assert result["userErrors"] == [] and result["clientMutationId"] == "c-1"
    confirmed = result["order"]
    assert confirmed["status"] == "AWAITING_FULFILMENT" and confirmed["isConfirmed"] is True
    assert confirmed["confirmedAt"] is not None
    assert order.updated_at > before
    assert [n["type"] for n in confirmed["invoices"]["nodes"]] == ["DIRECT_INVOICE"]
    again = gql.data(CONFIRM, {"id": order.id})["orderConfirm"]
    assert again["order"] is None and again["userErrors"][0]["field"] == ["id"]
    missing = gql.data(CONFIRM, {"id": "T3JkZXI6OTk5OQ"})["orderConfirm"]
    assert "does not exist" in missing["userErrors"][0]["message"]
    by_number = gql.data(CONFIRM, {"id": order.number})["orderConfirm"]
    assert by_number["userErrors"], "the API takes global IDs only"


def test_cancel_plain_and_with_shipments(sandbox: Sandbox, gql: Any) -> None:
    plain = _pick(sandbox, "AWAITING_FULFILMENT")
    result = gql.data(CANCEL, {"id": plain.id})["orderCancel"]
    assert result["userErrors"] == []
    assert result["order"]["status"] == "CANCELLED" and result["order"]["isCancelled"] is True
    assert result["order"]["cancellationReason"] == "OUT_OF_STOCK"
    twice = gql.data(CANCEL, {"id": plain.id})["orderCancel"]
    assert "already cancelled" in twice["userErrors"][0]["message"]
    shipped = _pick(sandbox, "AWAITING_DELIVERY")
    requested = gql.data(CANCEL, {"id": shipped.id})["orderCancel"]["order"]
    assert requested["status"] == "CANCELLATION_REQUESTED" and requested["isCancelled"] is False
    completed = _pick(sandbox, "COMPLETED")
    refused = gql.data(CANCEL, {"id": completed.id})["orderCancel"]
    assert refused["order"] is None and refused["userErrors"]


def _lines(gql: Any, order_id: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = gql.data(LINES, {"id": order_id})["order"]["products"]["nodes"]
    return nodes


def test_shipment_rules_and_fulfilment(sandbox: Sandbox, gql: Any) -> None:
    order = _pick(sandbox, "AWAITING_FULFILMENT")
    lines = _lines(gql, order.id)
    first = lines[0]

    def create(products: list[dict[str, Any]], order_id: str = order.id) -> dict[str, Any]:
        payload: dict[str, Any] = gql.data(
            CREATE_SHIPMENT,
            {
                "input": {
                    "orderId": order_id,
                    "method": "SHIP_YOURSELF",
                    "weight": 1200,
                    "products": products,
                    "clientMutationId": "s-1",
                }
            },
        )["shipmentCreate"]
        return payload

    too_many = create([{"orderProductId": first["id"], "quantity": first["quantity"] + 1}])
    assert too_many["shipment"] is None
    assert too_many["userErrors"][0]["field"] == ["products", "0", "quantity"]
    zero = create([{"orderProductId": first["id"], "quantity": 0}])
    assert zero["userErrors"][0]["field"] == ["products", "0", "quantity"]
    other_order = _pick(sandbox, "AWAITING_FULFILMENT", is_paid=True)
    foreign_line = next(o for o in sandbox.state.orders if o is not order).lines[0].id
    foreign = create([{"orderProductId": foreign_line, "quantity": 1}])
    assert foreign["userErrors"][0]["field"] == ["products", "0", "orderProductId"]
    split = create(
        [
            {"orderProductId": first["id"], "quantity": first["quantity"]},
            {"orderProductId": first["id"], "quantity": 1},
        ]
    )
    assert split["userErrors"] and split["userErrors"][0]["field"] == ["products", "1", "quantity"]
    assert other_order.status == "AWAITING_FULFILMENT"

    # Ship part of the order: status moves to FULFILMENT_IN_PROGRESS, lines decrement.
    part = create([{"orderProductId": first["id"], "quantity": first["quantity"]}])
    assert part["userErrors"] == [] and part["clientMutationId"] == "s-1"
    after = _lines(gql, order.id)
    assert after[0]["unshippedQuantity"] == 0
    assert after[1]["unshippedQuantity"] == lines[1]["quantity"]
    assert sandbox.get_order(order.id)["status"] == "FULFILMENT_IN_PROGRESS"
    shipment_id = part["shipment"]["id"]

    tracked_without = gql.data(
        SHIP, {"input": {"id": shipment_id, "isTracked": True, "estimatedTransitDays": 2}}
    )["shipmentShip"]
    assert tracked_without["userErrors"][0]["field"] == ["trackingNumber"]
    untracked_zero = gql.data(
        SHIP, {"input": {"id": shipment_id, "isTracked": False, "estimatedTransitDays": 0}}
    )["shipmentShip"]
    assert untracked_zero["userErrors"][0]["field"] == ["estimatedTransitDays"]
    shipped = gql.data(
        SHIP,
        {
            "input": {
                "id": shipment_id,
                "isTracked": True,
                "trackingNumber": "3SOCB123",
                "carrier": "PostNL",
                "estimatedTransitDays": 1,
            }
        },
    )["shipmentShip"]
    assert shipped["userErrors"] == [] and shipped["shipment"]["isShipped"] is True
    twice = gql.data(
        SHIP,
        {
            "input": {
                "id": shipment_id,
                "isTracked": True,
                "trackingNumber": "3SOCB123",
                "estimatedTransitDays": 1,
            }
        },
    )["shipmentShip"]
    assert "already shipped" in twice["userErrors"][0]["message"]
    assert gql.data(LINES, {"id": order.id})["order"]["isFulfilled"] is False

    # Ship the rest untracked: everything shipped -> AWAITING_DELIVERY and isFulfilled.
    rest = create(
        [
            {"orderProductId": ln["id"], "quantity": ln["unshippedQuantity"]}
            for ln in after
            if ln["unshippedQuantity"]
        ]
    )
    assert rest["userErrors"] == []
    assert gql.data(LINES, {"id": order.id})["order"]["status"] == "FULFILMENT_IN_PROGRESS"
    done = gql.data(
        SHIP,
        {"input": {"id": rest["shipment"]["id"], "isTracked": False, "estimatedTransitDays": 3}},
    )["shipmentShip"]
    assert done["userErrors"] == [] and done["shipment"]["isTracked"] is False
    final = gql.data(LINES, {"id": order.id})["order"]
    assert final["status"] == "AWAITING_DELIVERY" and final["isFulfilled"] is True
    assert all(ln["unshippedQuantity"] == 0 for ln in final["products"]["nodes"])
    nothing_left = create([{"orderProductId": first["id"], "quantity": 1}])
    assert nothing_left["userErrors"]


def test_shipment_refused_for_unconfirmed_and_cancelled(sandbox: Sandbox, gql: Any) -> None:
    for order in (_pick(sandbox, "AWAITING_CONFIRMATION"), _pick(sandbox, "CANCELLED")):
        result = gql.data(
            CREATE_SHIPMENT,
            {
                "input": {
                    "orderId": order.id,
                    "method": "ORDERCHAMP",
                    "products": [{"orderProductId": order.lines[0].id, "quantity": 1}],
                }
            },
        )
        errors = result["shipmentCreate"]["userErrors"]
        assert errors and errors[0]["field"] == ["orderId"], order.status
    bad_method = gql(
        CREATE_SHIPMENT, {"input": {"orderId": "x", "method": "PIGEON", "products": []}}
    )
    assert "PIGEON" in bad_method["errors"][0]["message"]


def test_mark_paid_and_estimated_delivery(sandbox: Sandbox, gql: Any) -> None:
    unpaid = next(o for o in sandbox.state.orders if not o.is_paid and not o.is_cancelled)
    query = """mutation($id: ID!, $d: String!) { orderMarkAsPaid(input: {id: $id, description: $d})
      { order { id isPaid paidAt } userErrors { field message } } }"""
    blank = gql.data(query, {"id": unpaid.id, "d": "  "})["orderMarkAsPaid"]
    assert blank["userErrors"][0]["field"] == ["description"]
    paid = gql.data(query, {"id": unpaid.id, "d": "Bank transfer"})["orderMarkAsPaid"]
    assert paid["order"]["isPaid"] is True and paid["order"]["paidAt"]
    again = gql.data(query, {"id": unpaid.id, "d": "Bank transfer"})["orderMarkAsPaid"]
    assert "already paid" in again["userErrors"][0]["message"]

    order = _pick(sandbox, "AWAITING_FULFILMENT")
    move = """mutation($id: ID!, $at: DateTime!) { orderUpdateEstimatedDelivery(input:
      {id: $id, estimatedDeliveryAt: $at, notifyCustomer: false}) {
      order { estimatedDeliveryAt updatedAt } userErrors { field message } } }"""
    moved = gql.data(move, {"id": order.id, "at": "2030-01-02T10:00:00+01:00"})
    assert moved["orderUpdateEstimatedDelivery"]["order"]["estimatedDeliveryAt"] == (
        "2030-01-02T10:00:00+01:00"
    )
    early = gql.data(move, {"id": order.id, "at": "2001-01-01T00:00:00Z"})
    assert early["orderUpdateEstimatedDelivery"]["userErrors"][0]["field"] == [
        "estimatedDeliveryAt"
    ]
    not_a_date = gql(move, {"id": order.id, "at": "tomorrow"})
    assert "ISO-8601" in not_a_date["errors"][0]["message"]


def test_webhook_create_list_delete(
    sandbox: Sandbox, gql: Any, make_sandbox: Any, graphql_for: Any
) -> None:
    create = """mutation($e: String!) { webhookCreate(input: {topic: ORDER_UPDATED, endpoint: $e,
      template: INVOICING}) { webhook { id topic endpoint template }
      userErrors { field message } } }"""
    ok = gql.data(create, {"e": "http://127.0.0.1:9/hooks"})["webhookCreate"]
    assert ok["userErrors"] == [] and ok["webhook"]["template"] == "INVOICING"
    duplicate = gql.data(create, {"e": "http://127.0.0.1:9/hooks"})["webhookCreate"]
    assert duplicate["userErrors"][0]["field"] == ["endpoint"]
    for bad in ("ftp://example.com/x", "not a url", "https://"):
        assert gql.data(create, {"e": bad})["webhookCreate"]["userErrors"], bad
    listed = gql.data("{ webhooks(first: 10) { totalCount nodes { id endpoint } } }")["webhooks"]
    assert listed["totalCount"] == 1
    delete = """mutation($id: ID!) { webhookDelete(input: {id: $id}) { deletedWebhookId
      userErrors { field message } } }"""
    gone = gql.data(delete, {"id": ok["webhook"]["id"]})["webhookDelete"]
    assert gone["deletedWebhookId"] == ok["webhook"]["id"]
    assert gql.data(delete, {"id": ok["webhook"]["id"]})["webhookDelete"]["userErrors"]

    strict = graphql_for(make_sandbox(orders=2, strict_endpoints=True))
    for local in ("http://localhost:8080/x", "http://127.0.0.1:9/x", "https://hooks.internal/x"):
        assert strict.data(create, {"e": local})["webhookCreate"]["userErrors"], local
    assert not strict.data(create, {"e": "https://example.com/x"})["webhookCreate"]["userErrors"]


def test_inventory_bulk_adjust(sandbox: Sandbox, gql: Any) -> None:
    first, second = sandbox.state.variants[:2]
    start = second.inventory_quantity
    query = """mutation($items: [InventoryLevelAdjustInput!]!) { inventoryLevelBulkAdjust(input:
      {inventoryLevels: $items, clientMutationId: "inv-1"}) { inventoryLevels { quantity
      productVariant { sku } } userErrors { field message } clientMutationId } }"""
    result = gql.data(
        query,
        {
            "items": [
                {"sku": first.sku, "action": "SET", "adjustment": 42},
                {"sku": "NOPE-1", "action": "SET", "adjustment": 1},
                {"productVariantId": second.id, "action": "ADJUST", "adjustment": -3},
            ]
        },
    )["inventoryLevelBulkAdjust"]
    assert result["clientMutationId"] == "inv-1"
    assert [e["field"] for e in result["userErrors"]] == [["inventoryLevels", "1", "sku"]]
    assert [lv["productVariant"]["sku"] for lv in result["inventoryLevels"]] == [
        first.sku,
        second.sku,
    ]
    assert first.inventory_quantity == 42 and second.inventory_quantity == start - 3
    too_many = gql.data(
        query, {"items": [{"sku": first.sku, "action": "SET", "adjustment": 1}] * 101}
    )["inventoryLevelBulkAdjust"]
    assert too_many["userErrors"][0]["field"] == ["inventoryLevels"]
    assert first.inventory_quantity == 42


def test_customers(sandbox: Sandbox, gql: Any) -> None:
    create = """mutation($input: CustomerCreateInput!) { customerCreate(input: $input) {
      customer { id companyName email locale channel address { city country } }
      userErrors { field message } } }"""
    bad = gql.data(
        create,
        {
            "input": {
                "companyName": "",
                "locale": "nl_NL",
                "email": "nope",
                "country": "Netherlands",
            }
        },
    )["customerCreate"]
    assert {tuple(e["field"]) for e in bad["userErrors"]} == {
        ("companyName",),
        ("email",),
        ("country",),
    }
    made = gql.data(
        create,
        {
            "input": {
                "companyName": "Winkel Noord",
                "locale": "nl_NL",
                "email": "inkoop@noord.nl",
                "country": "NL",
                "address": {"city": "Groningen"},
            }
        },
    )["customerCreate"]
    customer = made["customer"]
    assert customer["channel"] == "PORTAL" and customer["address"] == {
        "city": "Groningen",
        "country": "NL",
    }
    update = """mutation($input: CustomerUpdateInput!) { customerUpdate(input: $input) {
      customer { id email } userErrors { field message } } }"""
    changed = gql.data(update, {"input": {"id": customer["id"], "email": "hallo@noord.nl"}})
    assert changed["customerUpdate"]["customer"]["email"] == "hallo@noord.nl"
    missing = gql.data(update, {"input": {"id": "Q3VzdG9tZXI6OTk5OTk", "email": "x@y.nl"}})
    assert missing["customerUpdate"]["userErrors"][0]["field"] == ["id"]


def test_every_order_change_bumps_updated_at(sandbox: Sandbox, gql: Any) -> None:
    order = _pick(sandbox, "AWAITING_CONFIRMATION")
    stamps = [order.updated_at]
    sandbox.update_order(order.number, note="please hurry")
    stamps.append(order.updated_at)
    gql.data(CONFIRM, {"id": order.id})
    stamps.append(order.updated_at)
    gql.data(CANCEL, {"id": order.id})
    stamps.append(order.updated_at)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
