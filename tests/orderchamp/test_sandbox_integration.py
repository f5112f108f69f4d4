"""The client against the real sandbox over loopback HTTP, with throttling switched on.

The restore rate is raised so the listing takes about a second; the bucket capacity stays at
Orderchamp's 1000 points, so every page must still fit and the client must still wait.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oc_bridge.errors import UserErrorsError
from oc_bridge.orderchamp import OrderchampClient
from oc_bridge.orderchamp.schema_check import check_operations, fetch_schema
from oc_bridge.sandbox import Sandbox, SandboxConfig

RATE = 5000.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=40, seed=1, throttle=True, restore_rate=RATE,
                           webhooks_enabled=False)
    with Sandbox(config) as running:
        yield running


@pytest.fixture
def live(sandbox: Sandbox) -> Iterator[OrderchampClient]:
    with OrderchampClient(sandbox.url, "sandbox-token", restore_rate=RATE) as client:
        yield client


def test_account_and_live_schema_check(live: OrderchampClient) -> None:
    assert live.account().type == "SUPPLIER"
    assert check_operations(fetch_schema(live)) == []


def test_full_listing_under_throttling_gets_every_line_and_is_never_throttled(
    sandbox: Sandbox, live: OrderchampClient
) -> None:
    before = sandbox.stats["throttled"]
    orders = live.iter_orders(include_unconfirmed=True, include_cancelled=True)
    listed = list(orders)
    assert len(listed) == orders.total_count == 40
    assert all(len(o.products) == o.products_count for o in listed)
    assert live.stats.throttled_answers == 0 and sandbox.stats["throttled"] == before
    assert live.stats.throttle_waits > 0  # the bucket, not the server, did the pacing


def test_large_order_and_shipment_round_trip(sandbox: Sandbox, live: OrderchampClient) -> None:
    created = sandbox.create_order(confirmed=True, lines=250)
    order = live.get_order(created["id"])
    assert order is not None and order.is_fulfillable
    # the sandbox caps lines at its catalogue size; what matters is more than two pages
    assert len(order.products) == order.products_count > 200
    assert len({p.id for p in order.products}) == len(order.products)
    first, second = order.products[0], order.products[1]
    shipment = live.create_shipment(order.id, [(first.id, first.quantity), (second.id, 1)],
                                    weight=1200)
    assert {p.order_product_id for p in shipment.products} == {first.id, second.id}
    shipped = live.ship_shipment(shipment.id, is_tracked=True, estimated_transit_days=2,
                                 tracking_number="3SABC123", carrier="PostNL")
    assert shipped.is_shipped is True and shipped.tracking_number == "3SABC123"
    again = live.get_order(order.id)
    assert again is not None and [s.id for s in again.shipments] == [shipment.id]
    assert again.products[0].unshipped_quantity == 0
    with pytest.raises(UserErrorsError) as caught:
        live.create_shipment(order.id, [(first.id, 1)])  # nothing left to ship on that line
    assert caught.value.errors and caught.value.errors[0].message
