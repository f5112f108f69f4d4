"""The client-side leaky bucket: waiting, refunds, syncing with the server, invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oc_bridge.orderchamp.bucket import LeakyBucket

from .helpers import FakeClock


def _bucket(clock: FakeClock, **kw: float) -> LeakyBucket:
    return LeakyBucket(1000, 50, clock=clock, sleep=clock.sleep, **kw)


def test_starts_full_and_acquires_without_waiting(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    assert bucket.acquire(400) == 0 and clock.sleeps == []
    assert bucket.level == pytest.approx(600)


def test_acquire_waits_exactly_for_the_missing_points(clock: FakeClock) -> None:
    bucket = _bucket(clock, headroom=0)
    bucket.acquire(900)
    waited = bucket.acquire(300)  # 100 left: 200 missing at 50/s
    assert waited == pytest.approx(4.0) and sum(clock.sleeps) == pytest.approx(4.0)
    assert bucket.level == pytest.approx(0)


def test_headroom_adds_a_little_margin(clock: FakeClock) -> None:
    bucket = _bucket(clock)  # 1 point of headroom by default
    bucket.acquire(1000)
    assert bucket.wait_time(100) == pytest.approx(101 / 50)


def test_refill_is_capped_at_capacity(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    bucket.acquire(500)
    clock.now += 3600
    assert bucket.level == 1000


def test_settle_refunds_unused_points(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    bucket.acquire(800)
    assert bucket.in_flight == 800
    bucket.settle(800, 150)
    assert bucket.level == pytest.approx(850) and bucket.in_flight == 0


def test_sync_adopts_the_servers_remaining_and_rates(clock: FakeClock) -> None:
    bucket = _bucket(clock, headroom=0)
    bucket.acquire(100)
    bucket.settle(100, 100)
    bucket.sync(remaining=300, restore_rate=100, limit=2000)
    assert (bucket.level, bucket.capacity, bucket.restore_rate) == (300, 2000, 100)
    assert bucket.wait_time(500) == pytest.approx(2.0)


def test_sync_discounts_requests_still_in_flight(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    bucket.acquire(200)  # another thread's request, not yet answered
    bucket.sync(remaining=500)
    assert bucket.level == pytest.approx(300)


def test_cost_above_capacity_waits_for_a_full_bucket(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    bucket.acquire(10)
    assert bucket.acquire(1500) == pytest.approx(10 / 50)
    assert bucket.level == 0


def test_drain_empties(clock: FakeClock) -> None:
    bucket = _bucket(clock)
    bucket.drain()
    assert bucket.wait_time(49) == pytest.approx(1.0)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.integers(0, 1500)),
        st.tuples(st.just("settle"), st.integers(0, 1500)),
        st.tuples(st.just("sync"), st.integers(-50, 1500)),
        st.tuples(st.just("advance"), st.integers(0, 30)),
    ),
    max_size=40,
)


@given(operations)
def test_level_stays_within_zero_and_capacity(steps: list[tuple[str, int]]) -> None:
    clock = FakeClock()
    bucket = LeakyBucket(1000, 50, clock=clock, sleep=clock.sleep)
    held: list[int] = []
    for action, value in steps:
        if action == "acquire":
            bucket.acquire(value)
            held.append(value)
        elif action == "settle" and held:
            requested = held.pop()
            bucket.settle(requested, min(value, requested))
        elif action == "sync":
            bucket.sync(value)
        else:
            clock.now += value
        assert 0 <= bucket.level <= bucket.capacity
        assert bucket.in_flight >= 0


def test_a_share_holds_and_refills_that_part_of_the_budget(clock: FakeClock) -> None:
    """Three replicas on one token take a third each: together they never ask for more than
    the server's bucket holds."""
    bucket = _bucket(clock, headroom=0, share=1 / 3)
    assert bucket.capacity == pytest.approx(1000 / 3)
    assert bucket.acquire(300) == 0
    waited = bucket.acquire(100)  # 33.3 left, 66.7 missing at 50/3 points/s
    assert waited == pytest.approx(4.0)


def test_a_share_scales_the_servers_figures(clock: FakeClock) -> None:
    bucket = _bucket(clock, headroom=0, share=0.5)
    bucket.sync(600, restore_rate=100, limit=2000)  # the whole token's figures
    assert bucket.capacity == pytest.approx(1000)
    assert bucket.restore_rate == pytest.approx(50)
    assert bucket.level == pytest.approx(300)


@pytest.mark.parametrize("share", [0, -0.5, 1.5])
def test_a_share_outside_zero_to_one_is_refused(clock: FakeClock, share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        _bucket(clock, share=share)


def test_budget_share_reaches_the_clients_bucket() -> None:
    from oc_bridge.orderchamp.factory import client_from_settings
    from oc_bridge.settings import OrderchampSettings

    settings = OrderchampSettings(token="t", bucket_size=1000, restore_rate=50,
                                  budget_share=0.5)
    with client_from_settings(settings) as client:
        assert client.bucket is not None
        assert client.bucket.capacity == pytest.approx(500)
        assert client.bucket.restore_rate == pytest.approx(25)
        assert client.page_budget == 500  # pages fit the share
