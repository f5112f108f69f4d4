"""Cost accounting: MAX_COST_EXCEEDED, the leaky bucket, refunds and statistics."""

from __future__ import annotations

import time
from typing import Any

import requests
from graphql import parse

from oc_bridge.orderchamp.cost import actual_cost, requested_cost
from oc_bridge.sandbox.throttle import Bucket

EXPENSIVE = "{ orders(first: 50) { nodes { id products(first: 100) { nodes { id sku } } } } }"
PAGE = "{ orders(first: 10) { nodes { id number products(first: 30) { nodes { id sku } } } } }"


def test_max_cost_exceeded_without_running(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=10, throttle=True)
    gql = graphql_for(sandbox)
    answer = gql(EXPENSIVE)
    cost = requested_cost(parse(EXPENSIVE))
    assert cost > 2000
    assert "data" not in answer
    error = answer["errors"][0]
    assert error["message"] == f"Query cost {cost} exceeds the maximum of 2000"
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert answer["extensions"]["throttle"]["remaining"] == 1000
    assert sandbox.stats["points_spent"] == 0
    cheap = gql("{ orders(first: 5) { nodes { id } } }")
    assert "data" in cheap and cheap["extensions"]["throttle"]["requestedCost"] <= 2000


def test_extensions_throttle_is_always_present_and_refunds(shared_gql: Any) -> None:
    answer = shared_gql(PAGE)
    throttle = answer["extensions"]["throttle"]
    document = parse(PAGE)
    assert throttle["requestedCost"] == requested_cost(document)
    assert throttle["actualCost"] == actual_cost(document, answer["data"])
    assert throttle["actualCost"] < throttle["requestedCost"]
    assert set(throttle) == {"requestedCost", "actualCost", "limit", "remaining", "restoreRate"}
    assert throttle["limit"] == 1000 and throttle["restoreRate"] == 50.0


def test_bucket_refunds_unused_points(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=30, throttle=True, restore_rate=0.001)
    gql = graphql_for(sandbox)
    answer = gql(PAGE)
    throttle = answer["extensions"]["throttle"]
    spent = throttle["actualCost"]
    assert throttle["requestedCost"] > spent
    assert 1000 - spent - 1 <= throttle["remaining"] <= 1000 - spent
    assert sandbox.stats["points_spent"] == spent


def test_burst_gets_throttled_then_recovers(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=40, throttle=True, bucket_size=1000, restore_rate=2000.0)
    # restore fast so the recovery part of the test is quick; burst with a slow bucket instead
    slow = make_sandbox(orders=40, throttle=True, bucket_size=1000, restore_rate=1.0)
    gql = graphql_for(slow)
    answers = [gql(PAGE) for _ in range(12)]
    throttled = [a for a in answers if a.get("errors", [{}])[0].get("message") == "Throttled"]
    assert throttled, "a burst of 12 x ~400 points must exceed a 1000-point bucket"
    first = throttled[0]
    assert first["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in first
    info = first["extensions"]["throttle"]
    assert info["requestedCost"] > info["remaining"]
    stats = slow.stats
    assert stats["throttled"] == len(throttled)
    assert stats["requests"] == 12
    assert stats["points_spent"] == sum(
        a["extensions"]["throttle"]["actualCost"] for a in answers if "data" in a
    )
    # Other tokens have their own bucket.
    assert "data" in graphql_for(slow, token="another")(PAGE)
    # With a fast restore rate a waiting client gets through again.
    fast = graphql_for(sandbox)
    for _ in range(5):
        fast(PAGE)
    time.sleep(0.6)
    assert "data" in fast(PAGE)


def test_stats_endpoint(shared_sandbox: Any, shared_gql: Any) -> None:
    shared_gql(PAGE)
    stats = requests.get(f"{shared_sandbox.base_url}/sandbox/stats", timeout=10).json()
    for key in ("requests", "points_spent", "throttled"):
        assert isinstance(stats[key], int)
    assert stats["requests"] >= 1 and stats["points_spent"] > 0


def test_bucket_refills_continuously() -> None:
    now = [0.0]
    bucket = Bucket(1000, 50.0, lambda: now[0])
    assert bucket.take(900, enforce=True)
    assert not bucket.take(200, enforce=True)
    now[0] += 2.0  # +100 points
    assert bucket.take(200, enforce=True)
    assert round(bucket.available) == 0
    bucket.refund(150)
    assert round(bucket.available) == 150
    now[0] += 100
    assert bucket.available == 1000
