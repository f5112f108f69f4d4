"""Rate limiting: slow down before the budget is spent, honour 429 resets, never cause a 429.

The fake's 40-per-minute window and the adapter's limiter share one ManualClock: the adapter's
sleeps advance the fake's window, so minutes of traffic take milliseconds.
"""

from __future__ import annotations

import pytest
from fakes.shipstation.clock import ManualClock
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter

from oc_bridge.errors import ThrottledError

from .conftest import AdapterFactory
from .helpers import make_order

CREATE = "POST /orders/createorders"


def test_low_remaining_waits_for_the_reset(adapter: ShipStationAdapter, fake: FakeShipStation,
                                           clock: ManualClock) -> None:
    fake.window.consume(37)  # another tool on the same key
    clock.advance(15)  # 45 s left in the window
    adapter.stores()  # 38th request: 2 left, at the reserve
    assert clock.sleeps == []
    adapter.stores()
    assert clock.sleeps == [45.0]
    assert fake.window.over_limit == 0
    assert adapter.client.limiter.last_headers["remaining"] == "39"  # a fresh window


def test_429_waits_exactly_the_reset_then_succeeds(adapter: ShipStationAdapter,
                                                   fake: FakeShipStation,
                                                   clock: ManualClock) -> None:
    fake.window.force_throttle(1, reset=7)
    assert adapter.submit_order(make_order()).external_id
    assert clock.sleeps == [7.0]
    assert fake.calls[CREATE] == 2
    assert len(fake.store.orders) == 1


def test_a_429_storm_within_max_attempts_passes(make_adapter: AdapterFactory,
                                                fake: FakeShipStation,
                                                clock: ManualClock) -> None:
    adapter = make_adapter(max_attempts=5)
    fake.window.force_throttle(4, reset=3)
    assert adapter.submit_order(make_order()).external_id
    assert clock.sleeps == [3.0, 3.0, 3.0, 3.0]
    assert fake.calls[CREATE] == 5


def test_a_longer_429_storm_raises_throttled(make_adapter: AdapterFactory,
                                             fake: FakeShipStation,
                                             clock: ManualClock) -> None:
    adapter = make_adapter(max_attempts=3)
    fake.window.force_throttle(10, reset=5)
    with pytest.raises(ThrottledError) as caught:
        adapter.submit_order(make_order())
    assert caught.value.retry_after == 5.0
    assert fake.calls[CREATE] == 3  # max_attempts, not more
    assert clock.sleeps == [5.0, 5.0]
    results = adapter.submit_orders([make_order("Order:2", "2"), make_order("Order:3", "3")])
    assert all(isinstance(r, ThrottledError) for r in results.values())  # retried later


def test_1000_orders_take_10_calls_and_cause_no_429(adapter: ShipStationAdapter,
                                                    fake: FakeShipStation) -> None:
    orders = [make_order(f"Order:{n}", str(n), lines=1) for n in range(1000)]
    results = adapter.submit_orders(orders)
    assert fake.calls[CREATE] <= 10
    assert len(fake.store.orders) == 1000
    assert all(not isinstance(r, Exception) for r in results.values())
    assert fake.window.over_limit == 0 and fake.window.forced_served == 0


def test_1000_orders_with_the_budget_shared_cause_no_429(adapter: ShipStationAdapter,
                                                         fake: FakeShipStation,
                                                         clock: ManualClock) -> None:
    fake.window.consume(35)  # another tool has spent most of this minute
    adapter.submit_orders([make_order(f"Order:{n}", str(n), lines=1) for n in range(1000)])
    assert fake.calls[CREATE] == 10
    assert fake.window.over_limit == 0
    assert clock.sleeps == [60.0]  # one pause until the window reset


def test_a_long_polling_run_never_exceeds_the_limit(adapter: ShipStationAdapter,
                                                    fake: FakeShipStation,
                                                    clock: ManualClock) -> None:
    cursor = None
    for _ in range(150):  # 300 calls: more than 7 windows' worth
        cursor = adapter.fetch_shipments(cursor).cursor
    assert fake.calls["GET /shipments"] == fake.calls["GET /fulfillments"] == 150
    assert fake.window.over_limit == 0
    assert clock.now() - 1_000.0 >= 7 * 60  # it had to wait for 7 window resets


def test_requests_per_minute_caps_our_own_share(make_adapter: AdapterFactory,
                                                fake: FakeShipStation,
                                                clock: ManualClock) -> None:
    adapter = make_adapter(requests_per_minute=5)
    for _ in range(11):
        adapter.stores()
    assert sum(clock.sleeps) == pytest.approx(120.0)
    assert fake.window.over_limit == 0


def test_after_a_call_ran_out_of_attempts_on_429_the_next_call_still_waits(
        make_adapter: AdapterFactory, fake: FakeShipStation, clock: ManualClock) -> None:
    """The last attempt of ``createorders`` draws a 429; the ``GET /shipments`` that follows
    must wait for X-Rate-Limit-Reset instead of drawing more 429s."""
    adapter = make_adapter(max_attempts=1)
    fake.window.consume(40)  # another tool spent this minute's budget
    clock.advance(10)  # the window resets in 50 s
    with pytest.raises(ThrottledError):
        adapter.submit_order(make_order())
    adapter.fetch_shipments(None)
    assert fake.window.over_limit == 1  # only the first call hit the limit
    assert clock.sleeps == [50.0]
    assert fake.calls["GET /shipments"] == fake.calls["GET /fulfillments"] == 1
