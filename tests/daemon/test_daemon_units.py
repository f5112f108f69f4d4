"""The daemon in-process: webhook checks in order, dedupe, coalescing, leases, scheduler,
metrics and readiness."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wsgi_client import call, call_json

from oc_bridge.daemon.app import DaemonApp
from oc_bridge.daemon.inbox import InboxProcessor
from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.daemon.scheduler import Job, Scheduler
from oc_bridge.engine import SyncSummary
from oc_bridge.orderchamp.execution import ClientStats
from oc_bridge.orderchamp.signatures import sign
from oc_bridge.runtime import open_runtime
from oc_bridge.settings import load_settings
from oc_bridge.store import ORDERCHAMP_SOURCE, InboxDelivery, SqliteStore, body_digest

SECRET = "s"
ACCOUNT = "QWNjb3VudDox"
PATH = "/webhooks/orderchamp"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[DaemonApp]:
    settings = load_settings(None, environ={}, overrides={
        "orderchamp": {"api_url": "http://127.0.0.1:9/v1/graphql", "token": "t",
                       "webhook_secret": SECRET, "account_id": ACCOUNT},
        "store": {"url": f"sqlite:///{tmp_path / 'ledger.db'}"},
        "daemon": {"max_body_bytes": 2048}})
    runtime = open_runtime(settings, environ={})
    daemon = DaemonApp(runtime, owns_runtime=True)  # workers not started: items stay pending
    yield daemon
    daemon.stop(1)


def order_body(order_id: str = "T3JkZXI6MQ==", extra: str = "") -> bytes:
    return json.dumps({"data": {"order": {"id": order_id, "number": extra}}}).encode()


def headers(body: bytes, event: str = "ORDER_CONFIRMED", **kw: str) -> dict[str, str]:
    return {"X-Orderchamp-Event": event, "X-Orderchamp-Signature": sign(body, SECRET),
            "X-Orderchamp-Account-Id": ACCOUNT, **kw}


def test_checks_in_order(app: DaemonApp) -> None:
    big = b"x" * 3000
    assert call(app, "POST", PATH, big, {"X-Orderchamp-Signature": "bad"})[0] == 413
    body = order_body()
    assert call(app, "POST", PATH, body, headers(body, **{"X-Orderchamp-Signature": "00"}))[0] \
        == 401
    assert call(app, "POST", PATH, body, {"X-Orderchamp-Event": "ORDER_CREATED"})[0] == 401
    assert call(app, "POST", PATH, body, headers(body, **{"X-Orderchamp-Account-Id": "x"}))[0] \
        == 403
    junk = b"not json"
    assert call(app, "POST", PATH, junk, headers(junk))[0] == 400
    no_id = b'{"data":{}}'
    assert call(app, "POST", PATH, no_id, headers(no_id))[0] == 400
    assert call(app, "POST", PATH, body, headers(body, event="PRODUCT_CREATED"))[0] == 202
    assert app.runtime.store.inbox_counts() == {}
    assert call(app, "POST", PATH, body, headers(body))[0] == 200
    assert app.runtime.store.inbox_counts() == {"pending": 1}
    assert call(app, "GET", PATH)[0] == 405 and call(app, "GET", "/nope")[0] == 404


def test_identical_deliveries_stored_once(app: DaemonApp) -> None:
    body = order_body()
    answers = [call_json(app, "POST", PATH, body, headers(body))[1]["status"] for _ in range(3)]
    assert answers == ["stored", "duplicate", "duplicate"]
    other = call_json(app, "POST", PATH, body, headers(body, event="ORDER_UPDATED"))[1]
    assert other["status"] == "stored"
    invoice = json.dumps({"data": {"invoice": {"id": "I1", "order": {"id": "O9"}}}}).encode()
    assert call(app, "POST", PATH, invoice, headers(invoice, event="INVOICE_CREATED"))[0] == 200
    assert app.runtime.store.inbox_counts() == {"pending": 3}


def test_health_metrics_and_readiness(app: DaemonApp) -> None:
    assert call(app, "GET", "/healthz")[0] == 200
    status, data = call_json(app, "GET", "/readyz")
    assert status == 503 and data["reconcile"] == "not yet" and data["store"] == "ok"
    app.ctx.mark_reconciled()
    assert call(app, "GET", "/readyz")[0] == 200
    app.ctx.last_reconciled = time.time() - 10_000
    app.runtime.store.set_cursor("daemon:reconciled_at", repr(time.time() - 10_000))
    assert call_json(app, "GET", "/readyz")[1]["reconcile"].startswith("stale")
    text = call(app, "GET", "/metrics")[1].decode()
    for name in ("oc_bridge_webhooks_received_total", "oc_bridge_inbox_depth",
                 "oc_bridge_orders_exported_total", "oc_bridge_shipments_reported_total",
                 "oc_bridge_parked_items", "oc_bridge_orderchamp_points_spent",
                 "oc_bridge_orderchamp_throttle_waits", "oc_bridge_engine_call_seconds",
                 "oc_bridge_orders_seen_total", "oc_bridge_orders_fetched_total",
                 "oc_bridge_orderchamp_points_per_order"):
        assert name in text


def test_metrics_report_points_per_order_and_per_operation(tmp_path: Path) -> None:
    stats = ClientStats(points_spent=500)
    stats.count("OrderChanges", requests=1, points=100)
    stats.count("OrderLean", requests=4, points=400)
    with SqliteStore(tmp_path / "m.db") as store:
        metrics = DaemonMetrics(store, lambda: stats)
        metrics.count_summary(SyncSummary(orders_seen=20, orders_fetched=4))
        text = metrics.render().decode()
    assert 'oc_bridge_orderchamp_operation_points_spent{operation="OrderLean"} 400.0' in text
    assert 'oc_bridge_orderchamp_operation_requests{operation="OrderChanges"} 1.0' in text
    assert "oc_bridge_orderchamp_points_per_order 25.0" in text
    assert "oc_bridge_orders_fetched_total 4.0" in text


class CountingEngine:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail

    def process_order(self, order_id: str) -> SyncSummary:
        self.calls.append(order_id)
        summary = SyncSummary()
        if self.fail:
            summary.add_failed("boom")
        return summary


def deliveries(order_id: str, n: int) -> list[InboxDelivery]:
    return [InboxDelivery(ORDERCHAMP_SOURCE, "ORDER_UPDATED", f"b{order_id}{i}",
                          body_digest(f"{order_id}{i}".encode()), order_id=order_id,
                          group_key=order_id) for i in range(n)]


def processor(store: SqliteStore, engine: Any, lease: float = 60) -> InboxProcessor:
    return InboxProcessor(store, lambda: engine, DaemonMetrics(store, None),
                          lease_seconds=lease, max_attempts=2)


def test_events_of_one_order_are_coalesced() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add(deliveries("A", 10) + deliveries("B", 3))
    engine = CountingEngine()
    proc = processor(store, engine)
    while items := proc.lease("w"):
        proc.process(items)
    assert sorted(engine.calls) == ["A", "B"]
    assert store.inbox_counts() == {"done": 13}


def test_a_held_group_is_skipped_and_an_expired_lease_retaken() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add(deliveries("A", 2))
    first = store.inbox_lease("crashed", lease_seconds=0.2)
    assert len(first) == 2
    store.inbox_add(deliveries("A", 3)[2:])  # a new event for the held order
    assert store.inbox_lease("other", lease_seconds=60) == []
    time.sleep(0.25)
    again = store.inbox_lease("other", lease_seconds=60)
    assert len(again) == 3 and all(i.attempts >= 1 for i in again)
    store.inbox_complete(first)  # the crashed worker's late completion changes nothing
    assert store.inbox_counts() == {"leased": 3}


def test_failures_back_off_then_park() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add(deliveries("A", 1))
    proc = processor(store, CountingEngine(fail=True))
    assert proc.process(proc.lease("w")) is False
    assert store.inbox_counts() == {"pending": 1} and proc.lease("w") == []  # backing off
    item = store.inbox_get(1)
    assert item is not None and item.last_error == "boom"
    store._execute("UPDATE inbox SET available_at = '2000-01-01'")
    assert proc.process(proc.lease("w")) is False
    assert store.inbox_counts() == {"parked": 1}
    assert [p.reference for p in store.list_parked()] == ["A"]


def test_an_order_held_by_another_process_is_looked_at_again_uncounted() -> None:
    class HeldEngine(CountingEngine):
        def process_order(self, order_id: str) -> SyncSummary:
            summary = super().process_order(order_id)
            summary.held_elsewhere = 1
            return summary

    store = SqliteStore(":memory:")
    store.inbox_add(deliveries("A", 1))
    proc = processor(store, HeldEngine())
    for _ in range(3):  # more often than max_attempts: never parked for it
        assert proc.process(proc.lease("w")) is False
        assert store.inbox_counts() == {"pending": 1} and proc.lease("w") == []  # later
        item = store.inbox_get(1)
        assert item is not None and item.attempts == 0 and "another process" in \
            (item.last_error or "")
        store._execute("UPDATE inbox SET available_at = '2000-01-01'")
    assert store.list_parked() == []


def test_scheduler_jobs_are_single_flight() -> None:
    running = threading.Event()
    release = threading.Event()
    runs: list[str] = []

    def slow() -> None:
        runs.append("x")
        running.set()
        release.wait(5)

    scheduler = Scheduler([Job("slow", 3600, slow)])
    thread = threading.Thread(target=scheduler.run_now, args=("slow",))
    thread.start()
    assert running.wait(5)
    assert scheduler.run_now("slow") is False
    release.set()
    thread.join(5)
    assert scheduler.run_now("slow") is True and runs == ["x", "x"]


def test_scheduler_runs_jobs_periodically() -> None:
    ticks: list[float] = []
    scheduler = Scheduler([Job("tick", 0.05, lambda: ticks.append(time.monotonic()))],
                          jitter=0.01)
    scheduler.start()
    deadline = time.monotonic() + 5
    while len(ticks) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    scheduler.stop(1)
    assert len(ticks) >= 3


def test_a_worker_survives_a_failure_while_recording_an_outcome() -> None:
    """A ledger error after processing (e.g. the database locked too long) is logged; the
    worker goes on leasing instead of dying with the inbox left unprocessed."""
    from oc_bridge.daemon.workers import WorkerPool

    class Processor:
        def __init__(self) -> None:
            self.leases = 0
            self.processed = 0

        def lease(self, owner: str) -> list[str]:
            self.leases += 1
            return ["item"] if self.leases <= 3 else []

        def process(self, items: list[str]) -> None:
            self.processed += 1
            raise RuntimeError("database is locked")

    processor = Processor()
    pool = WorkerPool(processor, 1)  # type: ignore[arg-type]
    pool.start()
    try:
        deadline = time.monotonic() + 5
        while processor.processed < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert processor.processed == 3
        assert all(thread.is_alive() for thread in pool._threads)
    finally:
        assert pool.stop(5)
