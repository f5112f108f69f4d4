"""End to end: Orderchamp sandbox → `oc-bridge sync` → fake ShipStation → labels → Orderchamp.

Real HTTP on loopback to both sides and a SQLite ledger on disk; each `sync` is a fresh CLI
invocation (new plugin host, adapters, engine), so "again" also means "after a restart".
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.mapping import order_ref_of

from oc_bridge.cli import CliEnv, main
from oc_bridge.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.usefixtures("plugin_loaded")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # A fast-restoring cost bucket: this test is about ShipStation, not Orderchamp's pacing.
    box = Sandbox(SandboxConfig(orders=30, seed=1, restore_rate=100_000.0)).start(port=0)
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def shipstation() -> Iterator[FakeShipStation]:
    # Real clock here (the engine builds the adapter with real sleeps); the window and
    # requests_per_minute are wide so this test measures the flow, not the 40/min limit
    # (test_ratelimit proves that with a manual clock).
    with FakeShipStation(api_key="key", api_secret="secret", rate_limit=1000) as fake:
        yield fake


@pytest.fixture
def settings_file(tmp_path: Path, sandbox: Sandbox, shipstation: FakeShipStation) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(f"""
[orderchamp]
api_url = "{sandbox.url}"
token = "sandbox-token"

[store]
url = "sqlite:///{tmp_path / 'ledger.sqlite3'}"

[adapters.shipstation]
api_key = "key"
api_secret = "secret"
base_url = "{shipstation.base_url}"
store_id = 12345
requests_per_minute = 1000
""", encoding="utf-8")
    return path


def sync(settings_file: Path) -> tuple[int, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(["--config", str(settings_file), "sync"], env=env)
    output = env.stdout.getvalue() + env.stderr.getvalue()  # type: ignore[attr-defined]
    return code, output


def shipments_in_orderchamp(sandbox: Sandbox, ref: str) -> list[dict[str, Any]]:
    return list(sandbox.get_order(ref)["shipments"])


def test_orders_out_labels_back_exactly_once(sandbox: Sandbox, shipstation: FakeShipStation,
                                             settings_file: Path) -> None:
    code, output = sync(settings_file)
    assert code == 0, output
    orders = list(shipstation.store.orders.values())
    assert orders, output
    for order in orders:
        oc_order = sandbox.get_order(str(order_ref_of(order)))
        assert oc_order["isConfirmed"] and not oc_order["isCancelled"]
        assert order["orderNumber"] == oc_order["number"]
        assert order["advancedOptions"]["storeId"] == 12345
        assert {i["lineItemKey"] for i in order["items"]} <= {p["id"] for p in
                                                              oc_order["products"]}
    exported = len(orders)
    # The engine hands new orders over in createorders batches, not one call per order.
    assert shipstation.calls["POST /orders/createorders"] == -(-exported // 100)

    # The warehouse ships: a full label, a partial label, and one order marked shipped.
    full, partial, marked = orders[0], orders[1], orders[2]
    shipstation.store.create_label(full["orderKey"], tracking_number="3SFULL")
    first_item = partial["items"][0]
    shipstation.store.create_label(partial["orderKey"], {first_item["lineItemKey"]: 1},
                                   tracking_number="3SPART")
    shipstation.store.mark_shipped(marked["orderKey"], tracking_number="DHLMARK")

    code, output = sync(settings_file)
    assert code == 0, output
    tracked = {}
    for order in (full, partial, marked):
        found = shipments_in_orderchamp(sandbox, str(order_ref_of(order)))
        assert len(found) == 1, found
        tracked[order["orderKey"]] = found[0]
    assert "3SFULL" in str(tracked[full["orderKey"]])
    assert tracked[full["orderKey"]]["trackingNumber"] == "3SFULL"
    assert tracked[marked["orderKey"]]["trackingNumber"] == "DHLMARK"
    split = tracked[partial["orderKey"]]
    assert split["isShipped"] and split["trackingNumber"] == "3SPART"
    assert [(p["orderProductId"], p["quantity"]) for p in split["products"]] == [
        (first_item["lineItemKey"], 1)]
    assert len(shipstation.store.orders) == exported  # nothing re-created

    # Restart (a new CLI run on the same ledger): the overlap re-reads the labels, but nothing
    # is reported twice.
    code, output = sync(settings_file)
    assert code == 0, output
    for order in (full, partial, marked):
        assert len(shipments_in_orderchamp(sandbox, str(order_ref_of(order)))) == 1

    # A 429 storm from another tool on the key: the adapter waits X-Rate-Limit-Reset and the
    # new label still arrives exactly once.
    shipstation.store.create_label(orders[3]["orderKey"], tracking_number="3SSTORM")
    shipstation.window.force_throttle(2, reset=1)
    code, output = sync(settings_file)
    assert code == 0, output
    assert shipstation.window.forced_served == 2
    assert len(shipments_in_orderchamp(sandbox, str(order_ref_of(orders[3])))) == 1
    code, output = sync(settings_file)
    assert code == 0, output
    assert len(shipments_in_orderchamp(sandbox, str(order_ref_of(orders[3])))) == 1
    assert len(shipments_in_orderchamp(sandbox, str(order_ref_of(partial)))) == 1


def test_a_split_orders_labels_both_reach_orderchamp(sandbox: Sandbox,
                                                      shipstation: FakeShipStation,
                                                      settings_file: Path) -> None:
    """ShipStation's Split Order keeps the orderKey on the child (own orderId, number
    ``<number>-1``): its label is matched by the orderKey, not parked for its number."""
    code, output = sync(settings_file)
    assert code == 0, output
    order = next(o for o in shipstation.store.orders.values() if len(o["items"]) >= 2)
    key, line, quantity = order["orderKey"], order["items"][0]["lineItemKey"], order["items"][0][
        "quantity"]
    child = shipstation.store.split_order(key, {line: quantity})
    assert child["orderNumber"] == order["orderNumber"] + "-1"
    shipstation.store.create_label(key, order_id=child["orderId"], tracking_number="3SCHILD")
    shipstation.store.create_label(key, order_id=order["orderId"], tracking_number="3SPARENT")

    code, output = sync(settings_file)
    assert code == 0, output
    found = {s["trackingNumber"]: s for s in shipments_in_orderchamp(sandbox,
                                                                      str(order_ref_of(order)))}
    assert set(found) == {"3SCHILD", "3SPARENT"}, output
    assert [(p["orderProductId"], p["quantity"]) for p in found["3SCHILD"]["products"]] == [
        (line, quantity)]
