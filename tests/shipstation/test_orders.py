"""Orders out: batches of createorders, per-order failures, idempotent upserts, cancel."""

from __future__ import annotations

import pytest
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter

from oc_bridge.canonical import CancelStatus, FulfilmentAddress, SubmitResult
from oc_bridge.errors import AuthenticationError, MappingError, RejectedError, ServerError

from .conftest import AdapterFactory
from .helpers import make_order

CREATE = "POST /orders/createorders"


def test_submit_order_lands_in_the_fake(adapter: ShipStationAdapter,
                                        fake: FakeShipStation) -> None:
    result = adapter.submit_order(make_order())
    stored = fake.store.orders["orderchamp:Order:1"]
    assert result == SubmitResult(external_id=str(stored["orderId"]))
    assert stored["orderStatus"] == "awaiting_shipment"
    assert stored["shipTo"]["street1"] == "Keizersgracht 12 A"
    assert [i["lineItemKey"] for i in stored["items"]] == ["Order:1/L1", "Order:1/L2"]
    assert stored["advancedOptions"]["storeId"] == 12345
    assert fake.calls[CREATE] == 1


def test_250_orders_go_in_three_batches(adapter: ShipStationAdapter,
                                        fake: FakeShipStation) -> None:
    orders = [make_order(f"Order:{n}", str(5000 + n), lines=1) for n in range(250)]
    results = adapter.submit_orders(orders)
    assert fake.calls[CREATE] == 3
    assert len(fake.store.orders) == 250
    assert all(isinstance(r, SubmitResult) and r.external_id for r in results.values())


def test_one_failing_order_does_not_hold_back_the_batch(adapter: ShipStationAdapter,
                                                        fake: FakeShipStation) -> None:
    fake.store.reject_sku("BAD-1", "Item with SKU 'BAD-1' is discontinued")
    orders = [make_order("Order:1", "1"), make_order("Order:2", "2", sku="BAD"),
              make_order("Order:3", "3"), make_order("Order:4", "4", ship_to=FulfilmentAddress())]
    results = adapter.submit_orders(orders)
    assert isinstance(results["Order:1"], SubmitResult)
    assert isinstance(results["Order:3"], SubmitResult)
    rejected = results["Order:2"]
    assert isinstance(rejected, RejectedError)
    assert "discontinued" in str(rejected)
    assert isinstance(results["Order:4"], MappingError)  # caught before sending
    assert fake.calls[CREATE] == 1
    assert set(fake.store.orders) == {"orderchamp:Order:1", "orderchamp:Order:3"}
    with pytest.raises(RejectedError, match="discontinued"):
        adapter.submit_order(orders[1])


def test_resubmit_is_an_upsert(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    first = adapter.submit_order(make_order())
    again = adapter.submit_order(make_order())
    assert first.external_id == again.external_id
    assert len(fake.store.orders) == 1
    assert len(fake.store.upserts) == 2


def test_update_resends_the_whole_order(adapter: ShipStationAdapter,
                                        fake: FakeShipStation) -> None:
    adapter.submit_order(make_order())
    changed = make_order(revision=2, lines=3, notes="Please call first")
    result = adapter.update_order(changed, None)
    stored = fake.store.orders["orderchamp:Order:1"]
    assert result.external_id == str(stored["orderId"])
    assert len(stored["items"]) == 3
    assert stored["customerNotes"] == "Please call first"
    assert "revision 2" in stored["internalNotes"]
    assert len(fake.store.orders) == 1


def test_update_of_a_shipped_order_is_rejected(adapter: ShipStationAdapter,
                                               fake: FakeShipStation) -> None:
    adapter.submit_order(make_order())
    fake.store.create_label("orderchamp:Order:1")
    with pytest.raises(RejectedError, match=r"no longer open .*shipped"):
        adapter.update_order(make_order(revision=2), None)


def test_resubmit_after_shipping_is_already_done(adapter: ShipStationAdapter,
                                                 fake: FakeShipStation) -> None:
    first = adapter.submit_order(make_order())
    fake.store.create_label("orderchamp:Order:1")
    again = adapter.submit_order(make_order())
    assert again == SubmitResult(external_id=first.external_id, already_existed=True)


def test_cancel_and_cancel_again(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    adapter.submit_order(make_order())
    assert adapter.cancel_order(make_order(), None, "retailer changed their mind").is_accepted
    stored = fake.store.orders["orderchamp:Order:1"]
    assert stored["orderStatus"] == "cancelled"
    assert "retailer changed their mind" in stored["internalNotes"]
    again = adapter.cancel_order(make_order(), None, None)  # idempotent
    assert again.is_accepted and again.reason == "already cancelled"
    assert fake.store.orders["orderchamp:Order:1"]["orderStatus"] == "cancelled"


def test_cancel_of_a_shipped_order_is_rejected(adapter: ShipStationAdapter,
                                               fake: FakeShipStation) -> None:
    adapter.submit_order(make_order())
    fake.store.mark_shipped("orderchamp:Order:1")
    outcome = adapter.cancel_order(make_order(), None, "too late")
    assert outcome.status == CancelStatus.REJECTED
    assert "status shipped" in (outcome.reason or "")
    assert "cannot be cancelled" in (outcome.reason or "")
    assert fake.store.orders["orderchamp:Order:1"]["orderStatus"] == "shipped"


def test_server_errors_are_retried(adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    fake.fail_next = [500, 503]
    assert adapter.submit_order(make_order()).external_id
    assert fake.calls[CREATE] == 3


def test_persistent_server_error_is_transient_for_the_batch(
        make_adapter: AdapterFactory, fake: FakeShipStation) -> None:
    adapter = make_adapter(max_attempts=2)
    fake.fail_next = [500, 500]
    results = adapter.submit_orders([make_order("Order:1", "1"), make_order("Order:2", "2")])
    assert all(isinstance(r, ServerError) for r in results.values())


def test_bad_credentials_stop_everything(make_adapter: AdapterFactory) -> None:
    adapter = make_adapter(api_secret="wrong")
    with pytest.raises(AuthenticationError) as caught:
        adapter.submit_orders([make_order()])
    assert "wrong" not in str(caught.value)


def test_submit_after_a_cancellation_is_rejected_not_already_done(
        adapter: ShipStationAdapter, fake: FakeShipStation) -> None:
    """cancel-and-reexport cannot work with ShipStation: its cancelled orderKey stays
    cancelled, so the new revision is refused (parked), never taken for already exported."""
    adapter.submit_order(make_order())
    assert adapter.cancel_order(make_order(), None, "edited").is_accepted
    with pytest.raises(RejectedError, match="is cancelled there"):
        adapter.submit_order(make_order(revision=2))
    assert fake.store.orders["orderchamp:Order:1"]["orderStatus"] == "cancelled"
