"""Issue 10 §2: reconciliation never skips an order that changes during a pass.

The sandbox serves the ``orders`` listing with position-based (offset) cursors, as many Relay
servers do. While the bridge pages through ``UPDATED_AT_ASC``, orders move to the end of the
list: the bridge's own confirmations (``sync.auto_confirm = "when-in-stock"``) and outside
updates (a retailer editing an order already read). Every eligible order must still be exported
in that pass or the next incremental one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from engine_fakes import FakeAdapter, FakeHooks

from oc_bridge.canonical import StockLevel
from oc_bridge.engine import SyncEngine
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.settings import Settings
from oc_bridge.store import SqliteStore

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}
LISTINGS = ("OrdersPage", "OrdersSummaryPage", "OrderChanges")


class StockedAdapter(FakeAdapter):
    """Plenty of stock for every SKU, so auto-confirm confirms every order it looks at."""

    def __init__(self, skus: Iterable[str]) -> None:
        super().__init__()
        self.skus = list(skus)

    def fetch_stock(self) -> Iterable[StockLevel]:
        return [StockLevel(sku=sku, available=1_000_000) for sku in self.skus]


@pytest.fixture
def moving_sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=100, seed=24, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, positional_cursors=True,
                           now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), **FAST)
    with Sandbox(config) as sandbox:
        yield sandbox


def _eligible(sandbox: Sandbox) -> set[str]:
    """Orders that must reach the warehouse: confirmed (by anyone), not cancelled, with
    something left to ship."""
    with sandbox.state.lock:
        return {o.id for o in sandbox.state.orders
                if o.is_confirmed and not o.is_cancelled
                and o.status not in ("CANCELLED", "CANCELLATION_REQUESTED")
                and any(line.unshipped_quantity > 0 for line in o.lines)}


def _move_orders_while_listing(client: OrderchampClient, sandbox: Sandbox) -> list[str]:
    """After every listing page, a retailer edits the first order of that page (already read),
    which moves it to the end of ``UPDATED_AT_ASC``. Returns the ids edited."""
    edited: list[str] = []
    execute: Callable[..., dict[str, Any]] = client.execute

    def moving(name: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = execute(name, variables)
        if name in LISTINGS:
            nodes = data["orders"]["nodes"]
            if nodes and nodes[0]["id"] not in edited:
                sandbox.update_order(nodes[0]["id"], note=f"edited mid-pass {len(edited)}")
                edited.append(nodes[0]["id"])
        return data

    client.execute = moving  # type: ignore[method-assign]
    return edited


def test_orders_moving_mid_pass_are_all_exported(moving_sandbox: Sandbox, tmp_path: Any) -> None:
    sandbox = moving_sandbox
    unconfirmed = [o.id for o in sandbox.state.orders if o.status == "AWAITING_CONFIRMATION"]
    assert len(unconfirmed) >= 3, "the scenario needs orders for auto-confirm to move"
    adapter = StockedAdapter(v.sku for v in sandbox.state.variants)
    settings = Settings(sync={"auto_confirm": "when-in-stock", "max_attempts": 3})
    store = SqliteStore(tmp_path / "ledger.db")
    # A small page budget makes many pages, so moves land between them.
    with OrderchampClient(sandbox.url, "token", throttle=False, max_attempts=1,
                          max_query_cost=150) as client:
        edited = _move_orders_while_listing(client, sandbox)
        engine = SyncEngine(settings, client, store, {adapter.instance: adapter}, FakeHooks())
        first = engine.reconcile()
        assert first.confirmed >= 3 and len(edited) >= 3
        client.execute = client.__class__.execute.__get__(client)  # type: ignore[method-assign]
        engine.reconcile()  # the next incremental pass
    store.close()
    exported = {order.reference for order in adapter.submitted()}
    missing = _eligible(sandbox) - exported
    assert not missing, f"never exported: {sorted(missing)}"
    assert all(sandbox.state.orders_by_id[i].is_confirmed for i in unconfirmed)
