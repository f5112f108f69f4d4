"""Batch submission: adapters with a batch endpoint get new orders in groups, each order's
outcome recorded on its own, and crash safety is unchanged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from engine_fakes import FakeAdapter

from oc_bridge.canonical import FulfilmentOrder, SubmitResult
from oc_bridge.engine import SyncEngine
from oc_bridge.errors import NetworkError, OcBridgeError, RejectedError
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.store import ExportState, SqliteStore

Engine = Callable[..., SyncEngine]


class BatchingAdapter(FakeAdapter):
    """A fake with a batch endpoint of size 4; ``reject`` refuses orders by number."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.reject: set[str] = set()
        self.batch_error: Exception | None = None

    @property
    def submit_batch_size(self) -> int:
        return 4

    def submit_orders(
        self, orders: Sequence[FulfilmentOrder]
    ) -> dict[str, SubmitResult | OcBridgeError]:
        self.batches.append([o.number for o in orders])
        if self.batch_error is not None:
            error, self.batch_error = self.batch_error, None
            raise error
        results: dict[str, SubmitResult | OcBridgeError] = {}
        for order in orders:
            self.calls.append(("submit", order))
            if order.number in self.reject:
                results[order.reference] = RejectedError(f"{order.number} refused")
            else:
                results[order.reference] = SubmitResult(external_id=f"b-{order.number}")
        return results


def exportable(client: OrderchampClient) -> set[str]:
    orders = client.iter_orders(include_unconfirmed=True, include_cancelled=True)
    return {o.number for o in orders
            if o.is_fulfillable and any(p.unshipped_quantity for p in o.products)}


def test_new_orders_go_in_batches_and_each_outcome_is_recorded(
    make_engine: Engine, client: OrderchampClient, store: SqliteStore
) -> None:
    adapter = BatchingAdapter()
    expected = sorted(exportable(client))
    adapter.reject = {expected[1]}
    summary = make_engine(adapters={"wh": adapter}).sync()
    sizes = [len(batch) for batch in adapter.batches]
    assert sum(sizes) == len(expected)
    assert all(size == 4 for size in sizes[:-1]) and 0 < sizes[-1] <= 4
    assert summary.exported == len(expected) - 1 and summary.parked == 1
    states = Counter(r.state for r in store.list_exports())
    assert states == Counter({ExportState.EXPORTED: len(expected) - 1, ExportState.PARKED: 1})
    assert store.get_export("wh", next(
        r.order_id for r in store.list_exports() if r.state == ExportState.EXPORTED
    )).external_id.startswith("b-")  # type: ignore[union-attr]
    # A second pass sends nothing again.
    adapter.batches.clear()
    make_engine(adapters={"wh": adapter}).sync()
    assert adapter.batches == []


def test_a_transient_batch_failure_keeps_every_order_for_the_next_run(
    make_engine: Engine, client: OrderchampClient, store: SqliteStore
) -> None:
    adapter = BatchingAdapter()
    adapter.batch_error = NetworkError("warehouse unreachable")
    first = make_engine(adapters={"wh": adapter}).sync()
    assert first.failed >= 1 and first.exported == len(exportable(client)) - 4
    assert Counter(r.state for r in store.list_exports())[ExportState.FAILED] == 4
    second = make_engine(adapters={"wh": adapter}).sync()
    assert second.exported == 4
    submitted = Counter(order.reference for name, order in adapter.calls if name == "submit")
    assert set(submitted.values()) == {1}


def test_an_order_seen_twice_in_a_pass_is_submitted_once(
    make_engine: Engine, client: OrderchampClient, store: SqliteStore
) -> None:
    adapter = BatchingAdapter()
    engine = make_engine(adapters={"wh": adapter})
    number = sorted(exportable(client))[0]
    order = next(o for o in client.iter_orders() if o.number == number)
    summary = engine._summary()
    engine.orders.handle(order, summary)  # queued in a batch of 4
    engine.orders.handle(order, summary)  # seen again (it changed meanwhile)
    engine.orders.flush()
    submitted = [n for batch in adapter.batches for n in batch]
    assert submitted == [number]
    assert store.get_export("wh", order.id).state == ExportState.EXPORTED  # type: ignore[union-attr]


def test_a_missing_batch_result_is_retried_not_forgotten(
    make_engine: Engine, client: OrderchampClient, store: SqliteStore
) -> None:
    class Forgetful(BatchingAdapter):
        def submit_orders(
            self, orders: Sequence[FulfilmentOrder]
        ) -> dict[str, SubmitResult | OcBridgeError]:
            results = super().submit_orders(orders)
            results.pop(orders[0].reference)
            return results

    adapter = Forgetful()
    summary = make_engine(adapters={"wh": adapter}).sync()
    assert summary.parked == 0 and summary.failed >= 1
    failed = [r for r in store.list_exports() if r.state == ExportState.FAILED]
    assert len(failed) == len(adapter.batches)
    # the back end may hold it: the row keeps its pending revision for an idempotent retry
    assert all(r.pending_revision == 1 for r in failed)
