"""The adapter boundary: every adapter method called by core goes through ``BoundAdapter``,
which turns a foreign exception into an ``AdapterFault`` for that instance (traceback logged),
passes oc-bridge errors through, refuses undeclared capabilities and times every call."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from engine_fakes import ALL, FakeAdapter

from oc_bridge.adapter import Capability, UnsupportedCapabilityError
from oc_bridge.boundary import BoundAdapter
from oc_bridge.canonical import InvoiceDocument, ShipmentPull
from oc_bridge.engine import SyncEngine
from oc_bridge.errors import AdapterFault, RejectedError
from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ExportState, SqliteStore
from oc_bridge.testing import make_fulfilment_order


def _json_error() -> Exception:
    try:
        json.loads('{"half": ')
    except json.JSONDecodeError as exc:
        return exc
    raise AssertionError("unreachable")


FOREIGN: list[Callable[[], Exception]] = [
    lambda: ValueError("bad value"), lambda: KeyError("tracking"), _json_error,
    lambda: OSError(5, "Input/output error"),
]
ORDER = make_fulfilment_order(1)
INVOICE = InvoiceDocument(invoice_id="inv-1", order_ref=ORDER.reference, subtotal=Decimal(1))
CALLS: dict[str, Callable[[BoundAdapter], Any]] = {
    "submit_order": lambda b: b.submit_order(ORDER),
    "update_order": lambda b: b.update_order(ORDER, "x"),
    "cancel_order": lambda b: b.cancel_order(ORDER, "x", None),
    "fetch_shipments": lambda b: b.fetch_shipments(None),
    "acknowledge_shipments": lambda b: b.acknowledge_shipments(ShipmentPull(), []),
    "fetch_stock": lambda b: b.fetch_stock(),
    "receive_invoice": lambda b: b.receive_invoice(INVOICE),
    "receive_customers": lambda b: b.receive_customers([]),
    "expected_delivery": lambda b: b.expected_delivery(ORDER.reference, ORDER.number, None),
}


class Raising(FakeAdapter):
    """Raises ``error()`` from every method (a lazy stock iterator raises while iterated)."""

    def __init__(self, error: Callable[[], Exception], instance: str = "bad") -> None:
        super().__init__(instance)
        self.error = error

    def _raise(self, *args: Any) -> Any:
        raise self.error()

    submit_order = update_order = cancel_order = fetch_shipments = _raise
    acknowledge_shipments = receive_invoice = receive_customers = _raise
    expected_delivery = check = close = _raise

    def fetch_stock(self) -> Any:
        yield from ()
        raise self.error()


@pytest.mark.parametrize("error", FOREIGN)
@pytest.mark.parametrize("method", sorted(CALLS))
def test_a_foreign_exception_becomes_an_adapter_fault_of_the_instance(
    method: str, error: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    bound = BoundAdapter(Raising(error))
    with caplog.at_level(logging.ERROR), pytest.raises(AdapterFault) as caught:
        CALLS[method](bound)
    fault = caught.value
    assert str(fault).startswith(f"adapter bad: {method} raised {type(error()).__name__}")
    assert fault.instance == "bad" and fault.method == method
    assert isinstance(fault.__cause__, type(error()))
    [record] = [r for r in caplog.records if r.name == bound.log.name]
    assert record.exc_info is not None  # the traceback is in the log
    assert bound.stats[method].faults == 1


def test_submit_orders_without_a_batch_method_faults_one_order_at_a_time() -> None:
    bound = BoundAdapter(Raising(lambda: KeyError("sku")))
    results = bound.submit_orders([ORDER, make_fulfilment_order(1)])
    assert len(results) == 2 and all(isinstance(r, AdapterFault) for r in results.values())
    assert str(results[ORDER.reference]).startswith("adapter bad: submit_order raised KeyError")


def test_check_and_close_never_raise(caplog: pytest.LogCaptureFixture) -> None:
    bound = BoundAdapter(Raising(lambda: ValueError("no")))
    assert bound.check() == ["adapter bad: check raised ValueError: no"]
    bound.close()
    assert "close raised ValueError" in caplog.text


def test_oc_bridge_errors_pass_through_unchanged() -> None:
    adapter = FakeAdapter("wh")
    rejected = RejectedError("no such SKU")
    adapter.fail["update"] = [rejected]
    bound = BoundAdapter(adapter)
    with pytest.raises(RejectedError) as caught:
        bound.update_order(ORDER, None)
    assert caught.value is rejected and bound.stats["update_order"].errors == 1


def test_undeclared_capabilities_are_refused_before_the_adapter_is_called() -> None:
    adapter = FakeAdapter("wh", capabilities=ALL - {Capability.CANCEL_ORDERS})
    with pytest.raises(UnsupportedCapabilityError):
        BoundAdapter(adapter).cancel_order(ORDER, None, None)
    assert adapter.calls == []


def test_calls_are_timed_and_observed() -> None:
    seen: list[tuple[str, str, str]] = []
    bound = BoundAdapter(FakeAdapter("wh"),
                         observer=lambda i, m, s, outcome: seen.append((i, m, outcome)))
    bound.submit_order(ORDER)
    bound.fetch_shipments(None)
    assert seen == [("wh", "submit_order", "ok"), ("wh", "fetch_shipments", "ok")]
    assert bound.stats["submit_order"].calls == 1 and bound.stats["submit_order"].seconds >= 0


def test_engine_steps_fault_one_instance_only(
    make_engine: Callable[..., SyncEngine], sandbox: Sandbox, store: SqliteStore
) -> None:
    """Update, cancel, invoices, delivery dates, shipments and acknowledgement: the faulty
    instance's items fail or park naming it; the healthy instance's work is done."""
    good, bad = FakeAdapter("wh"), FakeAdapter("bad")
    adapters = {"bad": bad, "wh": good}
    updated, cancelled = sandbox.create_order(lines=2), sandbox.create_order(lines=1)
    assert make_engine(adapters=adapters).reconcile().exported >= 4
    bad.fail["update"] = [KeyError("notes")]
    bad.fail["cancel"] = [ValueError("status")]
    bad.fail["fetch"] = [_json_error()]
    sandbox.update_order(updated["id"], note="nieuw")
    sandbox.cancel_order(cancelled["id"])
    summary = make_engine(adapters=adapters).sync()
    assert summary.updated == 1 and summary.cancelled == 1  # at wh
    assert store.get_export("wh", updated["id"]).revision == 2
    reasons = " | ".join(summary.parked_reasons)
    assert "to bad failed: adapter bad: update_order raised KeyError" in reasons
    assert "at bad failed: adapter bad: cancel_order raised ValueError" in reasons \
        or "to bad failed: adapter bad: cancel_order raised ValueError" in reasons
    assert any(e.startswith("bad: reading shipments failed: adapter bad: fetch_shipments "
                            "raised JSONDecodeError") for e in summary.errors)
    assert store.get_export("bad", updated["id"]).state == ExportState.PARKED
    assert summary.exit_code == 4


class _Overlap(FakeAdapter):
    """Records how many calls run inside the instance at once."""

    def __init__(self, instance: str = "slow") -> None:
        super().__init__(instance)
        self.inside = 0
        self.most = 0
        self.gate = threading.Lock()

    def expected_delivery(self, reference: str, number: str, external_id: str | None) -> None:
        with self.gate:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.05)
        with self.gate:
            self.inside -= 1
        return None


class _ThreadSafeOverlap(_Overlap):
    thread_safe = True


def _call_from_threads(bound: BoundAdapter, threads: int = 4) -> None:
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait(5)
        bound.expected_delivery(ORDER.reference, ORDER.number, None)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)


def test_the_boundary_calls_one_instance_one_thread_at_a_time() -> None:
    """The daemon's workers run in parallel; an adapter not declared thread-safe never sees
    two calls at once."""
    adapter = _Overlap()
    bound = BoundAdapter(adapter)
    _call_from_threads(bound)
    assert adapter.most == 1
    assert bound.stats["expected_delivery"].calls == 4


def test_a_thread_safe_adapter_is_called_concurrently() -> None:
    adapter = _ThreadSafeOverlap()
    _call_from_threads(BoundAdapter(adapter))
    assert adapter.most > 1
