"""Stock polling, client-side rate limiting, 429 handling, plugin registration."""

from __future__ import annotations

from pathlib import Path

import oc_bridge_rest as rest_wms
import pytest
from fakes.rest_wms import FakePicqer, FakeResponse, FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.errors import ThrottledError
from oc_bridge.plugins import PluginHost
from oc_bridge.ratelimit import RateLimiter

from .conftest import build, picqer_options

pytestmark = pytest.mark.usefixtures("secrets_env")


class ManualClock:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_picqer_stock_sums_free_stock(picqer_adapter: RestWmsAdapter,
                                      picqer_fake: FakePicqer) -> None:
    for i in range(130):  # two pages of 100
        picqer_fake.set_stock(f"SKU-{i:03d}", i)
    levels = {level.sku: level for level in picqer_adapter.fetch_stock()}
    assert len(levels) == 130
    assert levels["SKU-007"].available == 7 and levels["SKU-007"].on_hand == 9
    assert levels["SKU-007"].reserved == 2 and levels["SKU-007"].as_of is not None
    assert picqer_fake.call_count("GET", "/api/v1/products") == 2


def test_shipbob_stock(shipbob_adapter: RestWmsAdapter, shipbob_fake: FakeShipBob) -> None:
    shipbob_fake.set_stock("MUG", 12)
    (level,) = shipbob_adapter.fetch_stock()
    assert (level.sku, level.available, level.on_hand, level.reserved) == ("MUG", 12, 13, 1)


def test_limiter_sleeps_when_the_window_is_full() -> None:
    clock = ManualClock()
    limiter = RateLimiter(requests=3, per_seconds=10, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.before_request()
        clock.now += 1
    assert clock.sleeps == []
    limiter.before_request()
    assert clock.sleeps == [pytest.approx(7.0)]
    limiter.before_request()  # the second call of the old window has left by now
    assert len(clock.sleeps) == 2 and limiter.waited == pytest.approx(sum(clock.sleeps))


def test_limiter_waits_for_reset_when_budget_is_low() -> None:
    clock = ManualClock()
    limiter = RateLimiter(requests=100, remaining_header="X-Left", reset_header="X-Reset",
                          reserve=2, clock=clock, sleep=clock.sleep)
    limiter.observe({"X-Left": "10", "X-Reset": "30"})
    limiter.before_request()
    assert clock.sleeps == []
    limiter.observe({"X-Left": "2", "X-Reset": "30"})
    limiter.before_request()
    assert clock.sleeps == [30.0]
    epoch = RateLimiter(requests=5, remaining_header="X-Left", reset_header="X-Reset",
                        reset_is_epoch=True, clock=clock, wall_clock=lambda: 5000.0,
                        sleep=clock.sleep)
    epoch.observe({"X-Left": "0", "X-Reset": "5012"})
    epoch.before_request()
    assert clock.sleeps[-1] == pytest.approx(12.0)


def test_adapter_paces_real_calls(picqer_fake: FakePicqer, tmp_path: Path) -> None:
    clock = ManualClock()
    options = picqer_options(picqer_fake, rate_limit={"requests": 2, "per_seconds": 60})
    adapter = build(options, tmp_path, "picqer", clock=clock, sleep=clock.sleep)
    for _ in range(3):
        list(adapter.fetch_stock())
    assert clock.sleeps == [pytest.approx(60.0)]
    adapter.close()


def test_adapter_slows_down_on_the_remaining_header(picqer_fake: FakePicqer,
                                                    tmp_path: Path) -> None:
    clock = ManualClock()
    adapter = build(picqer_options(picqer_fake), tmp_path, "picqer", clock=clock,
                    sleep=clock.sleep)
    picqer_fake.remaining = 4  # the profile keeps a reserve of 5
    list(adapter.fetch_stock())
    assert clock.sleeps == []
    list(adapter.fetch_stock())
    assert clock.sleeps == [pytest.approx(60.0)]
    adapter.close()


def test_429_retry_after_is_honoured(picqer_fake: FakePicqer, tmp_path: Path) -> None:
    clock = ManualClock()
    adapter = build(picqer_options(picqer_fake), tmp_path, "picqer", clock=clock,
                    sleep=clock.sleep)
    picqer_fake.fail_next("GET", "/api/v1/products",
                          FakeResponse(429, {"error": True}, {"Retry-After": "7"}))
    picqer_fake.set_stock("A", 1)
    assert [level.sku for level in adapter.fetch_stock()] == ["A"]
    assert 7.0 in clock.sleeps
    assert picqer_fake.call_count("GET", "/api/v1/products") == 2
    adapter.close()


def test_registered_through_the_plugin_host() -> None:
    host = PluginHost.load(entry_points=False, extra_plugins=[rest_wms], environ={})
    assert host.adapter_classes["rest"] is RestWmsAdapter


def test_check_reports_bad_credentials(picqer_fake: FakePicqer, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICQER_API_KEY", "wrong")
    adapter = build(picqer_options(picqer_fake), tmp_path, "picqer")
    (problem,) = adapter.check()
    assert problem.startswith("adapters.picqer:") and "credentials" in problem
    adapter.close()


def test_a_429_on_the_last_attempt_still_holds_back_the_next_call(
        picqer_fake: FakePicqer, tmp_path: Path) -> None:
    """The only attempt of a call draws a 429 with Retry-After and the call gives up; the
    next call must still wait those seconds instead of drawing another 429."""
    clock = ManualClock()
    adapter = build(picqer_options(picqer_fake, max_attempts=1), tmp_path, "picqer",
                    clock=clock, sleep=clock.sleep)
    picqer_fake.fail_next("GET", "/api/v1/products",
                          FakeResponse(429, {"error": True}, {"Retry-After": "7"}))
    picqer_fake.set_stock("A", 1)
    with pytest.raises(ThrottledError):
        list(adapter.fetch_stock())
    assert clock.sleeps == []
    assert [level.sku for level in adapter.fetch_stock()] == ["A"]
    assert clock.sleeps == [pytest.approx(7.0)]
    adapter.close()
