"""Webhook deliveries to a local receiver: signed, retried, duplicated, shuffled, disabled."""

from __future__ import annotations

import json
from typing import Any

from oc_bridge.orderchamp.signatures import verify
from oc_bridge.sandbox import Sandbox

SUBSCRIBE = """mutation($topic: WebhookTopic!, $e: String!) { webhookCreate(input: {topic: $topic,
  endpoint: $e}) { webhook { id } userErrors { message } } }"""
CONFIRM = """mutation($id: ID!) { orderConfirm(input: {id: $id}) { userErrors { message } } }"""


def _subscribe(gql: Any, endpoint: str, *topics: str) -> dict[str, str]:
    ids = {}
    for topic in topics:
        made = gql.data(SUBSCRIBE, {"topic": topic, "e": endpoint})["webhookCreate"]
        assert made["userErrors"] == []
        ids[topic] = made["webhook"]["id"]
    return ids


def _unconfirmed(sandbox: Sandbox) -> Any:
    return next(o for o in sandbox.state.orders if o.status == "AWAITING_CONFIRMATION")


def test_confirm_delivers_signed_events(sandbox: Sandbox, gql: Any, receiver: Any) -> None:
    ids = _subscribe(
        gql, receiver.url, "ORDER_CONFIRMED", "ORDER_UPDATED", "INVOICE_CREATED", "ORDER_CANCELLED"
    )
    order = _unconfirmed(sandbox)
    assert gql.data(CONFIRM, {"id": order.id})["orderConfirm"]["userErrors"] == []
    assert sandbox.wait_for_deliveries(10)
    events = {r.headers["X-Orderchamp-Event"]: r for r in receiver.received}
    assert set(events) == {"ORDER_CONFIRMED", "ORDER_UPDATED", "INVOICE_CREATED"}
    for topic, request in events.items():
        assert request.headers["Content-Type"] == "application/json"
        assert verify(request.body, request.headers["X-Orderchamp-Signature"], "s3cret")
        assert not verify(request.body, request.headers["X-Orderchamp-Signature"], "wrong")
        assert request.headers["X-Orderchamp-Webhook-Id"] == ids[topic]
        assert request.headers["X-Orderchamp-Account-Id"] == sandbox.state.account.id
        assert b" " not in request.body  # compact JSON
    payload = events["ORDER_UPDATED"].json()
    assert set(payload["data"]["order"]) == {"id", "number", "createdAt", "updatedAt"}
    assert payload["data"]["order"]["number"] == order.number
    invoice = events["INVOICE_CREATED"].json()["data"]["invoice"]
    assert invoice["order"] == {"id": order.id} and invoice["id"] == order.invoices[-1].id
    log = sandbox.deliveries
    assert {d["status"] for d in log} == {"delivered"} and len(log) == 3
    assert all(d["attempts"] == 1 and d["endpoint"] == receiver.url for d in log)


def test_admin_and_python_api_fire_events(sandbox: Sandbox, gql: Any, receiver: Any) -> None:
    _subscribe(gql, receiver.url, "ORDER_CREATED", "ORDER_UPDATED", "ORDER_CANCELLED")
    created = sandbox.create_order(confirmed=False, lines=2)
    sandbox.cancel_order(created["number"])
    assert sandbox.wait_for_deliveries(10)
    topics = [r.headers["X-Orderchamp-Event"] for r in receiver.received]
    assert sorted(topics) == ["ORDER_CANCELLED", "ORDER_CREATED", "ORDER_UPDATED"]
    assert all(r.json()["data"]["order"]["id"] == created["id"] for r in receiver.received)


def test_failed_delivery_is_retried(sandbox: Sandbox, gql: Any, receiver: Any) -> None:
    _subscribe(gql, receiver.url, "ORDER_CREATED")
    receiver.statuses = [500, 302]
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(10)
    assert len(receiver.received) == 3
    assert receiver.received[0].body == receiver.received[2].body
    (entry,) = sandbox.deliveries
    assert entry["status"] == "delivered" and entry["attempts"] == 3


def test_gives_up_after_max_attempts(make_sandbox: Any, graphql_for: Any, receiver: Any) -> None:
    sandbox = make_sandbox(orders=3, webhook_max_attempts=2)
    _subscribe(graphql_for(sandbox), receiver.url, "ORDER_CREATED")
    receiver.statuses = [503, 503, 503]
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(10)
    (entry,) = sandbox.deliveries
    assert entry["status"] == "failed" and entry["attempts"] == 2 and entry["http_status"] == 503
    assert sandbox.stats["webhooks_failed"] == 1


def test_unreachable_endpoint_is_a_failure(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=3, webhook_max_attempts=2)
    _subscribe(graphql_for(sandbox), "http://127.0.0.1:9/nothing-listens", "ORDER_CREATED")
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(10)
    (entry,) = sandbox.deliveries
    assert entry["status"] == "failed" and entry["error"]


def test_duplicates(make_sandbox: Any, graphql_for: Any, receiver: Any) -> None:
    sandbox = make_sandbox(orders=3, webhook_duplicates=True)
    _subscribe(graphql_for(sandbox), receiver.url, "ORDER_CREATED")
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(10)
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


def test_shuffle_changes_order_but_delivers_everything(
    make_sandbox: Any, graphql_for: Any, receiver: Any
) -> None:
    sandbox = make_sandbox(orders=3, webhook_shuffle=True, webhook_batch_window=0.3)
    _subscribe(graphql_for(sandbox), receiver.url, "ORDER_CREATED")
    with sandbox.state.lock:  # create them together so they land in one batch
        numbers = [sandbox.create_order(confirmed=False)["number"] for _ in range(10)]
    assert sandbox.wait_for_deliveries(10)
    got = [json.loads(r.body)["data"]["order"]["number"] for r in receiver.received]
    assert sorted(got) == sorted(numbers)
    assert got != numbers


def test_disabled_webhooks_deliver_nothing(
    make_sandbox: Any, graphql_for: Any, receiver: Any
) -> None:
    sandbox = make_sandbox(orders=3, webhooks_enabled=False)
    _subscribe(graphql_for(sandbox), receiver.url, "ORDER_CREATED")
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(5)
    assert receiver.received == [] and sandbox.deliveries == []
    sandbox.set_webhooks(enabled=True)
    sandbox.create_order()
    assert sandbox.wait_for_deliveries(5)
    assert len(receiver.received) == 1


def test_invoicing_template_adds_detail(sandbox: Sandbox, gql: Any, receiver: Any) -> None:
    made = gql.data(
        """mutation($e: String!) { webhookCreate(input: {topic: ORDER_CONFIRMED, endpoint: $e,
        template: INVOICING}) { userErrors { message } } }""",
        {"e": receiver.url},
    )
    assert made["webhookCreate"]["userErrors"] == []
    gql.data(CONFIRM, {"id": _unconfirmed(sandbox).id})
    assert sandbox.wait_for_deliveries(10)
    order = receiver.received[0].json()["data"]["order"]
    assert order["invoices"][0]["type"] == "DIRECT_INVOICE" and "totalPrice" in order
