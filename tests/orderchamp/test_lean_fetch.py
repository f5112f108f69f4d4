"""The lean order fetch and the cheap change listing: exact line pages, the tail of a large
order without cursors, and page sizes learned from the server's throttle status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from oc_bridge.orderchamp import OrderchampClient, load_operation
from oc_bridge.orderchamp.cost import requested_cost
from oc_bridge.sandbox import Sandbox, SandboxConfig

from .helpers import FakeOrderchamp


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=0, seed=3, throttle=False, webhooks_enabled=False)
    with Sandbox(config) as running:
        yield running


def _names(client: OrderchampClient) -> list[str]:
    return sorted(client.stats.by_operation)


@pytest.mark.parametrize("lines", [1, 7, 100, 150])
def test_lean_fetch_reads_every_line_once(sandbox: Sandbox, lines: int) -> None:
    created = sandbox.create_order(confirmed=True, lines=lines)
    with OrderchampClient(sandbox.url, "token", throttle=False) as client:
        order = client.get_order(created["id"], with_shipments=False, products_count=lines)
        assert order is not None and len(order.products) == lines
        assert len({p.id for p in order.products}) == lines
        expected = ["OrderLean"] if lines <= 100 else ["OrderLeanPaged", "OrderLinesPage"]
        assert _names(client) == expected  # no cursor paging, no pageInfo
        assert order.products_count == lines


def test_lean_fetch_without_a_count_still_gets_every_line(sandbox: Sandbox) -> None:
    created = sandbox.create_order(confirmed=True, lines=130)
    with OrderchampClient(sandbox.url, "token", throttle=False) as client:
        order = client.get_order(created["id"], with_shipments=False)
        assert order is not None and len(order.products) == 130


def _throttle(limit: int) -> dict[str, Any]:
    return {"throttle": {"requestedCost": 2, "actualCost": 1, "limit": limit,
                         "remaining": limit - 1, "restoreRate": 50}}


def test_listing_pages_are_sized_from_the_limit_the_first_answer_reports(
        client: OrderchampClient, fake: FakeOrderchamp) -> None:
    fake.queue("OrdersCount", {"data": {"orders": {"totalCount": 0}},
                               "extensions": _throttle(300)})
    fake.on("OrderChanges", lambda v: {"data": {"orders": {"nodes": []}},
                                       "extensions": _throttle(300)})
    changes = client.iter_order_changes(include_cancelled=True)
    assert changes.total_count == 0
    assert list(changes) == [] and changes.complete
    listing = next(c for c in fake.calls if c["operationName"] == "OrderChanges")
    cost = requested_cost(load_operation("OrderChanges").document, listing["variables"])
    assert 250 < cost <= 300  # as large as the learned 300-point bucket allows, not 1000
