"""Real parallelism in one daemon: ``daemon.workers`` threads run different orders at the same
time, never one order in two workers at once; each thread has its own engine and claims
owner; a store that cannot be reached is answered 503 with Retry-After and works again by
itself."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from oc_bridge.daemon import intake
from oc_bridge.daemon.app import DaemonApp
from oc_bridge.daemon.inbox import InboxProcessor
from oc_bridge.daemon.intake import InboxWriter, IntakeError
from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.daemon.workers import WorkerPool
from oc_bridge.engine import SyncSummary
from oc_bridge.engine.claims import Claims
from oc_bridge.errors import TransientError
from oc_bridge.orderchamp.signatures import sign
from oc_bridge.runtime import open_runtime
from oc_bridge.settings import load_settings
from oc_bridge.store import ORDERCHAMP_SOURCE, InboxDelivery, SqliteStore, body_digest

SECRET = "s"
PATH = "/webhooks/orderchamp"


def delivery(order_id: str, n: int) -> InboxDelivery:
    return InboxDelivery(ORDERCHAMP_SOURCE, "ORDER_UPDATED", f"{order_id}-{n}",
                         body_digest(f"{order_id}-{n}".encode()), order_id=order_id,
                         group_key=order_id)


def run_pool(store: SqliteStore, engine: Any, workers: int, until: Any) -> None:
    processor = InboxProcessor(store, lambda: engine, DaemonMetrics(store, None),
                               lease_seconds=60, max_attempts=3)
    pool = WorkerPool(processor, workers)
    pool.start()
    try:
        deadline = time.monotonic() + 30
        while not until() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        assert pool.stop(10)


class MeetingEngine:
    """``process_order`` returns only once ``parties`` orders are inside it at the same time:
    with engine calls serialised it fails (the barrier breaks)."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=10)
        self.met: list[str] = []

    def process_order(self, order_id: str) -> SyncSummary:
        summary = SyncSummary()
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            summary.add_failed("processed alone")
            return summary
        self.met.append(order_id)
        return summary


def test_two_workers_process_two_orders_at_the_same_time() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add([delivery("A", 1), delivery("B", 1)])
    engine = MeetingEngine(2)
    run_pool(store, engine, 2, lambda: store.inbox_counts() == {"done": 2})
    assert sorted(engine.met) == ["A", "B"]
    assert store.inbox_counts() == {"done": 2}


class OverlapEngine:
    """Records the orders being processed at each moment; events keep arriving meanwhile."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.inside: set[str] = set()
        self.lock = threading.Lock()
        self.doubled: list[str] = []
        self.most = 0
        self.runs = 0
        self.next = 100

    def process_order(self, order_id: str) -> SyncSummary:
        with self.lock:
            if order_id in self.inside:
                self.doubled.append(order_id)
            self.inside.add(order_id)
            self.most = max(self.most, len(self.inside))
            self.runs += 1
            self.next += 1
            number = self.next
        # a new event for the same order arrives while it is processed
        self.store.inbox_add([delivery(order_id, number)])
        time.sleep(0.01)
        with self.lock:
            self.inside.discard(order_id)
        return SyncSummary()


def test_one_order_is_never_worked_by_two_workers_at_once() -> None:
    store = SqliteStore(":memory:")
    store.inbox_add([delivery(order, n) for n in range(3) for order in "ABCDE"])
    engine = OverlapEngine(store)
    run_pool(store, engine, 4, lambda: engine.runs >= 60)
    assert engine.doubled == []
    assert engine.most > 1  # and still in parallel


@pytest.fixture
def app(tmp_path: Path) -> Iterator[DaemonApp]:
    settings = load_settings(None, environ={}, overrides={
        "orderchamp": {"api_url": "http://127.0.0.1:9/v1/graphql", "token": "t",
                       "webhook_secret": SECRET},
        "store": {"url": f"sqlite:///{tmp_path / 'ledger.db'}"},
        "sync": {"claim_seconds": 600, "job_lock_seconds": 30},
        "daemon": {"retry_after_seconds": 7, "workers": 3}})
    daemon = DaemonApp(open_runtime(settings, environ={}), owns_runtime=True)
    yield daemon
    daemon.stop(1)


def test_each_thread_has_its_own_engine_and_claims_owner(app: DaemonApp) -> None:
    engines: dict[str, Any] = {}

    def grab(name: str) -> None:
        engines[name] = app.ctx.engine
        assert app.ctx.engine is engines[name]  # the same one on every call in this thread

    threads = [threading.Thread(target=grab, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = engines["t0"].ctx.claims, engines["t1"].ctx.claims
    assert first.owner != second.owner
    assert first.acquire("export:csv:O1")
    assert not second.acquire("export:csv:O1")  # exactly as another replica would be kept out


def test_a_job_lock_has_its_own_short_lease(app: DaemonApp) -> None:
    claims: Claims = app.ctx.engine.ctx.claims
    with claims.job("job:test") as held:
        assert held
        claim = app.runtime.store.get_claim("job:test")
        assert claim is not None
        left = (datetime.fromisoformat(claim.expires_at)
                - datetime.fromisoformat(claim.claimed_at)).total_seconds()
    assert 25 <= left <= 31  # job_lock_seconds, not claim_seconds
    assert claims.acquire("export:csv:O2")
    step = app.runtime.store.get_claim("export:csv:O2")
    assert step is not None
    assert (datetime.fromisoformat(step.expires_at)
            - datetime.fromisoformat(step.claimed_at)).total_seconds() > 500


def post(app: DaemonApp, body: bytes) -> tuple[int, dict[str, str], Any]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": PATH, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1",
               "HTTP_X_ORDERCHAMP_EVENT": "ORDER_CREATED",
               "HTTP_X_ORDERCHAMP_SIGNATURE": sign(body, SECRET)}
    answer: list[Any] = []
    chunks = app(environ, lambda status, headers: answer.extend([status, dict(headers)]))
    return int(answer[0].split()[0]), answer[1], json.loads(b"".join(chunks))


def body(n: int) -> bytes:
    return json.dumps({"data": {"order": {"id": f"O{n}"}}}).encode()


def test_store_down_webhooks_get_503_with_retry_after_then_work_again(
        app: DaemonApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "PROBE_INTERVAL", 0.05)
    store = app.runtime.store
    real_add, real_counts = store.inbox_add, store.inbox_counts
    calls: list[int] = []

    def down(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise TransientError("store: connection refused")

    monkeypatch.setattr(store, "inbox_add", down)
    monkeypatch.setattr(store, "inbox_counts", down)
    status, headers, data = post(app, body(1))
    assert status == 503 and headers["Retry-After"] == "7" and "retry" in data["error"]
    assert app.writer.store_down
    # while down, further deliveries fail at once without waiting on the store
    assert post(app, body(2))[0] == 503
    ready, checks = app.readiness()
    assert not ready and checks["store"].startswith("unreachable")
    # the store is back: the writer's probe notices, webhooks are stored again by themselves
    monkeypatch.setattr(store, "inbox_add", real_add)
    monkeypatch.setattr(store, "inbox_counts", real_counts)
    deadline = time.monotonic() + 10
    while app.writer.store_down and time.monotonic() < deadline:
        time.sleep(0.02)
    assert app.readiness()[1]["store"] == "ok"
    assert post(app, body(1))[0] == 200
    assert store.inbox_counts() == {"pending": 1}  # nothing of the failed ones was stored


def test_a_request_is_answered_when_the_store_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store that does not answer (a connection attempt hanging) costs a request at most
    the writer's timeout; later requests fail at once until the store answers."""
    store = SqliteStore(":memory:")
    real_add = store.inbox_add
    release = threading.Event()

    def hanging(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real_add(*args, **kwargs)

    monkeypatch.setattr(store, "inbox_add", hanging)
    writer = InboxWriter(store, timeout=0.2)
    try:
        with pytest.raises(IntakeError, match="in time"):
            writer.add(delivery("A", 1))
        assert writer.store_down
        with pytest.raises(IntakeError, match="unavailable"):
            writer.add(delivery("B", 1))
        release.set()  # the hanging write finishes after all: the store is up again
        deadline = time.monotonic() + 10
        while writer.store_down and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not writer.store_down
        assert writer.add(delivery("B", 1)) is True
    finally:
        writer.close()


def test_a_replica_is_ready_when_any_replica_reconciled(app: DaemonApp, tmp_path: Path) -> None:
    """Only one replica at a time reconciles (the others skip the held job): the others are
    ready as soon as the ledger says a reconciliation completed recently."""
    assert app.readiness()[1]["reconcile"] == "not yet"
    other = SqliteStore(tmp_path / "ledger.db")  # another replica's view of the same ledger
    try:
        other.set_cursor("daemon:reconciled_at", repr(time.time() - 5))
    finally:
        other.close()
    ready, checks = app.readiness()
    assert ready and checks["reconcile"] == "ok"


def test_an_idle_writer_marked_down_by_a_readiness_check_probes_and_reopens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Marked down from outside (a readiness check) while no delivery is queued, the writer
    still probes the store and reopens the intake by itself."""
    monkeypatch.setattr(intake, "PROBE_INTERVAL", 0.05)
    writer = InboxWriter(SqliteStore(":memory:"))
    try:
        writer.start()
        time.sleep(0.1)  # the writer waits for deliveries
        writer.mark_down("the readiness check failed")
        deadline = time.monotonic() + 10
        while writer.store_down and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not writer.store_down
    finally:
        writer.close()
