"""execute() and mutate(): errors, throttling, retries, redaction and stats."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from pydantic import SecretStr

from oc_bridge.errors import (
    AmbiguousMutationError,
    AuthenticationError,
    GraphQLError,
    MalformedResponseError,
    OcBridgeError,
    PermanentError,
    UserErrorsError,
)
from oc_bridge.orderchamp import OrderchampClient, load_operation
from oc_bridge.orderchamp.cost import requested_cost

from .helpers import API_URL, TOKEN, FakeClock, FakeOrderchamp, order_node

ACCOUNT = {"data": {"account": {"id": "Account:1", "name": "Noordzee", "type": "SUPPLIER",
                                "slug": "noordzee"}}}


def test_account_sends_bearer_token_and_operation(client: OrderchampClient,
                                                  fake: FakeOrderchamp) -> None:
    fake.queue("Account", ACCOUNT)
    account = client.account()
    assert (account.id, account.type) == ("Account:1", "SUPPLIER")
    assert fake.headers[0]["Authorization"] == f"Bearer {TOKEN}"
    assert fake.calls[0]["query"] == load_operation("Account").source
    assert client.stats.requests == 1


def test_secret_str_token_is_accepted(fake: FakeOrderchamp, clock: FakeClock) -> None:
    fake.queue("Account", ACCOUNT)
    with OrderchampClient(API_URL, SecretStr(TOKEN), sleep=clock.sleep, clock=clock) as client:
        client.account()
    assert fake.headers[0]["Authorization"] == f"Bearer {TOKEN}"


def test_401_is_authentication_error_without_retry(client: OrderchampClient,
                                                   fake: FakeOrderchamp, clock: FakeClock) -> None:
    fake.queue("Account", (401, {}, '{"message": "Unauthenticated."}'))
    with pytest.raises(AuthenticationError):
        client.account()
    assert len(fake.calls) == 1 and clock.sleeps == []


def test_500_then_success(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("Account", (500, {}, "oops"), ACCOUNT)
    assert client.account().name == "Noordzee"
    assert len(fake.calls) == 2 and client.stats.retries == 1


def test_graphql_throttled_waits_for_the_bucket_then_succeeds(
    client: OrderchampClient, fake: FakeOrderchamp, clock: FakeClock
) -> None:
    throttled = {"errors": [{"message": "Throttled"}],
                 "extensions": {"throttle": {"requestedCost": 5, "actualCost": 0,
                                             "limit": 1000, "remaining": 2,
                                             "restoreRate": 50}}}
    fake.queue("Account", throttled, ACCOUNT)
    assert client.account().id == "Account:1"
    assert len(fake.calls) == 2
    # the bucket must refill from 2 to 5 requested (+1 headroom) points at 50/s
    assert sum(clock.sleeps) == pytest.approx((5 + 1 - 2) / 50)
    assert client.stats.throttled_answers == 1 and client.stats.throttle_waits == 1


def test_throttled_code_without_details_drains_the_bucket(
    client: OrderchampClient, fake: FakeOrderchamp, clock: FakeClock
) -> None:
    fake.queue("Account", {"errors": [{"message": "slow down",
                                       "extensions": {"code": "THROTTLED"}}]}, ACCOUNT)
    client.account()
    cost = requested_cost(load_operation("Account").document)
    assert sum(clock.sleeps) == pytest.approx((cost + 1) / 50)


def test_http_429_waits_retry_after(client: OrderchampClient, fake: FakeOrderchamp,
                                    clock: FakeClock) -> None:
    fake.queue("Account", (429, {"Retry-After": "4"}, ""), ACCOUNT)
    client.account()
    assert clock.sleeps == [4.0]


def test_non_json_body_is_malformed(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("Account", (200, {"Content-Type": "text/html"}, "<html>maintenance</html>"))
    with pytest.raises(MalformedResponseError, match="not JSON"):
        client.account()
    assert len(fake.calls) == 1


def test_missing_data_is_malformed(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("Account", {"extensions": {}})
    with pytest.raises(MalformedResponseError, match="no data"):
        client.account()


def test_graphql_errors_carry_message_and_path(client: OrderchampClient,
                                               fake: FakeOrderchamp) -> None:
    fake.queue("OrderSize", {"data": {"order": None}, "errors": [
        {"message": "Internal failure", "path": ["order", "products", 3, "sku"]}]})
    with pytest.raises(GraphQLError) as caught:
        client.get_order("Order:1")
    assert caught.value.errors[0].path == ("order", "products", 3, "sku")
    assert "Internal failure (at order.products.3.sku)" in str(caught.value)
    assert caught.value.request_id == "req-1" and len(fake.calls) == 1


def test_user_errors_raise_with_field_and_message(client: OrderchampClient,
                                                  fake: FakeOrderchamp) -> None:
    fake.queue("ShipmentCreate", {"data": {"shipmentCreate": {
        "shipment": None, "clientMutationId": None,
        "userErrors": [{"field": ["input", "products", "0", "quantity"],
                        "message": "exceeds unshipped quantity"}]}}})
    with pytest.raises(UserErrorsError) as caught:
        client.create_shipment("Order:1", [("OrderProduct:1", 5)])
    error = caught.value
    assert error.mutation == "shipmentCreate"
    assert error.errors[0].field == ("input", "products", "0", "quantity")
    assert error.errors[0].message == "exceeds unshipped quantity"


def test_mutation_timeout_is_ambiguous_and_sent_once(client: OrderchampClient,
                                                     fake: FakeOrderchamp,
                                                     clock: FakeClock) -> None:
    fake.queue("ShipmentCreate", requests.ReadTimeout("read timed out"))
    with pytest.raises(AmbiguousMutationError):
        client.create_shipment("Order:1", [("OrderProduct:1", 1)])
    assert len(fake.calls) == 1 and clock.sleeps == []


def test_mutation_throttled_is_retried(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("OrderConfirm", {"errors": [{"message": "Throttled"}]}, {"data": {"orderConfirm": {
        "order": {**order_node(1), "isConfirmed": True}, "userErrors": [],
        "clientMutationId": None}}})
    assert client.confirm_order("Order:1").is_confirmed is True
    assert len(fake.calls) == 2


def test_query_timeout_is_retried(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("Account", requests.ReadTimeout("slow"), ACCOUNT)
    assert client.account().id == "Account:1"


def test_token_never_appears_in_errors_or_logs(
    client: OrderchampClient, fake: FakeOrderchamp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.queue("Account", (500, {}, f"echo Bearer {TOKEN}"), (500, {}, TOKEN),
               (502, {}, TOKEN), (503, {}, TOKEN), (504, {}, TOKEN))
    fake.queue("OrderSize", {"data": None, "errors": [{"message": f"bad token {TOKEN}"}]})
    fake.queue("OrderConfirm", (400, {}, f'{{"message": "token {TOKEN} lacks scope"}}'))
    captured: list[OcBridgeError] = []
    for call in (client.account, lambda: client.get_order("Order:1"),
                 lambda: client.confirm_order("Order:1")):
        with pytest.raises(OcBridgeError) as caught:
            call()
        captured.append(caught.value)
    for error in captured:
        for text in (str(error), repr(error), str(getattr(error, "body", "")),
                     str(error.__cause__)):
            assert TOKEN not in text
    assert TOKEN not in caplog.text
    assert "***" in caplog.text


def test_too_expensive_document_is_refused_locally(client: OrderchampClient,
                                                   fake: FakeOrderchamp) -> None:
    with pytest.raises(PermanentError, match="more than the 2000 allowed"):
        client.execute("OrdersPage", {"first": 100, "productsFirst": 100})
    assert fake.calls == []


def test_none_variables_are_omitted(client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("OrderCancel", {"data": {"orderCancel": {
        "order": order_node(1), "userErrors": [], "clientMutationId": None}}})
    client.cancel_order("Order:1", reason="out of stock")
    assert fake.calls[0]["variables"] == {"input": {"id": "Order:1", "reason": "out of stock"}}


def test_update_estimated_delivery_sends_aware_iso(client: OrderchampClient,
                                                   fake: FakeOrderchamp) -> None:
    fake.queue("OrderUpdateEstimatedDelivery", {"data": {"orderUpdateEstimatedDelivery": {
        "order": {**order_node(1), "estimatedDeliveryAt": "2024-04-02T12:00:00+00:00"},
        "userErrors": [], "clientMutationId": None}}})
    when = datetime(2024, 4, 2, 12, tzinfo=UTC)
    order = client.update_estimated_delivery("Order:1", when, notify_customer=False)
    assert order.estimated_delivery_at == when
    assert order.total_price == Decimal("21.78")
    assert fake.calls[0]["variables"]["input"] == {
        "id": "Order:1", "estimatedDeliveryAt": "2024-04-02T12:00:00+00:00",
        "notifyCustomer": False}
    with pytest.raises(ValueError, match="aware"):
        client.update_estimated_delivery("Order:1", datetime(2024, 4, 2))


def test_stats_use_the_servers_actual_cost(client: OrderchampClient,
                                           fake: FakeOrderchamp) -> None:
    fake.queue("Account", {**ACCOUNT, "extensions": {"throttle": {
        "requestedCost": 5, "actualCost": 4, "limit": 1000, "remaining": 996,
        "restoreRate": 50}}})
    client.account()
    assert client.stats.points_spent == 4 and client.stats.points_requested == 5
    assert client.bucket is not None and client.bucket.level == pytest.approx(996)


def test_odd_errors_list_is_still_a_graphql_error(client: OrderchampClient,
                                                  fake: FakeOrderchamp) -> None:
    fake.queue("Account", {"data": None, "errors": ["boom"]})
    with pytest.raises(GraphQLError, match="boom"):
        client.account()


def test_requests_without_bucket_wait_out_throttled_from_the_answer(
    fake: FakeOrderchamp, clock: FakeClock
) -> None:
    fake.queue("Account", {"errors": [{"message": "Throttled"}], "extensions": {"throttle": {
        "requestedCost": 5, "actualCost": 0, "limit": 1000, "remaining": 0,
        "restoreRate": 50}}}, ACCOUNT)
    with OrderchampClient(API_URL, TOKEN, throttle=False, sleep=clock.sleep,
                          clock=clock) as client:
        client.account()
        assert client.bucket is None
    cost = requested_cost(load_operation("Account").document)
    assert clock.sleeps == [pytest.approx(cost / 50)]
