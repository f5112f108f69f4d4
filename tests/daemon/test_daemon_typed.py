"""The daemon reads typed engine results: a failed reconcile is a flag of the summary, not a
message prefix; an INVOICE_CREATED event costs one engine run (one invoice query)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from test_daemon_units import deliveries, processor

from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.daemon.scheduler import default_jobs
from oc_bridge.engine import SyncSummary
from oc_bridge.settings import Settings
from oc_bridge.store import SqliteStore


class InvoiceCountingEngine:
    """Records every engine entry point the inbox uses."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def process_order(self, order_id: str) -> SyncSummary:
        self.calls.append(("process_order", order_id))
        return SyncSummary()

    def deliver_invoices(self, order_id: str) -> SyncSummary:  # the old second pass
        self.calls.append(("deliver_invoices", order_id))
        return SyncSummary()


def test_an_invoice_event_runs_the_engine_once() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add([replace(d, event="INVOICE_CREATED") for d in deliveries("A", 1)])
    engine = InvoiceCountingEngine()
    proc = processor(store, engine)
    while items := proc.lease("w"):
        proc.process(items)
    assert engine.calls == [("process_order", "A")]


def _reconcile_job(summary: SyncSummary) -> tuple[Any, SimpleNamespace]:
    store = SqliteStore(":memory:")
    marked: list[bool] = []
    ctx = SimpleNamespace(
        engine=SimpleNamespace(reconcile=lambda: summary),
        metrics=DaemonMetrics(store, None), store=store,
        mark_reconciled=lambda: marked.append(True), marked=marked)
    [job] = [j for j in default_jobs(ctx, Settings()) if j.name == "reconcile"]  # type: ignore[arg-type]
    return job, ctx


def test_a_reconcile_that_could_not_read_orders_is_a_failed_job() -> None:
    summary = SyncSummary()
    summary.reconcile_incomplete = True
    summary.add_failed("Orderchamp answered 502 while paging orders")  # any wording
    job, ctx = _reconcile_job(summary)
    with pytest.raises(RuntimeError):
        job.fn()
    assert ctx.marked == []


def test_item_failures_do_not_fail_the_reconcile_job() -> None:
    summary = SyncSummary()
    summary.add_failed("reading orders from Orderchamp failed: but only an item's message")
    job, ctx = _reconcile_job(summary)
    job.fn()
    assert ctx.marked == [True]
