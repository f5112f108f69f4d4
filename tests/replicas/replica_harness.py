"""Several ``oc-bridge run`` replicas on one ledger, as an operator runs them behind a proxy.

Used by ``tests/replicas`` (in CI against PostgreSQL) and ``bench/replicas.py``. A
:class:`Cluster` is one installation (settings file, CSV adapter folders, one ledger URL) and
N replicas of ``oc-bridge run`` started from it as subprocesses on loopback ports. Webhooks are
posted the way a load balancer in front of them spreads Orderchamp's deliveries: round robin,
and a delivery a replica did not accept (connection refused from a dead one, a 503) goes to
the next. Everything checked is read from outside the replicas: the ledger (claims, inbox,
activity), the CSV adapter's files, the sandbox's orders.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from oc_bridge.orderchamp.signatures import sign
from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ActivityEntry, Claim, Store, open_store

__all__ = ["SECRET", "Cluster", "Replica", "free_port", "wait_for"]

SECRET = "replica-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclass
class Replica:
    """One ``oc-bridge run`` of the cluster."""

    name: str
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/webhooks/orderchamp"

    @property
    def log_path(self) -> Path:
        return self.root / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def get(self, path: str) -> requests.Response | None:
        try:
            return requests.get(self.base + path, timeout=5)
        except requests.RequestException:
            return None

    def alive(self) -> bool:
        answer = self.get("/healthz")
        return answer is not None and answer.status_code == 200

    def ready(self) -> bool:
        answer = self.get("/readyz")
        return answer is not None and answer.status_code == 200

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def owns_claim(self, claim: Claim) -> bool:
        """True when ``claim``'s owner (``host:pid:random``) is this replica's process."""
        parts = claim.owner.rsplit(":", 2)
        return len(parts) == 3 and parts[1] == str(self.pid)

    def owns_lease(self, lease_owner: str | None) -> bool:
        """True when an inbox lease (``<pid>-w<n>:<token>``) is this replica's."""
        return bool(lease_owner) and str(lease_owner).startswith(f"{self.pid}-")


@dataclass
class Cluster:
    """One installation shared by ``count`` replicas; see the module docstring."""

    root: Path
    sandbox: Sandbox
    store_url: str
    count: int = 3
    workers: int = 2
    settings: str = ""
    replicas: list[Replica] = field(default_factory=list)
    _store: Store | None = None
    _turn: Iterable[int] = field(default_factory=itertools.count)
    _turn_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.replicas = [Replica(f"replica{i + 1}", self.root) for i in range(self.count)]
        self.write_config()

    # --- installation ---------------------------------------------------------------------------

    @property
    def config(self) -> Path:
        return self.root / "settings.toml"

    @property
    def outbound(self) -> Path:
        return self.root / "out"

    @property
    def inbound(self) -> Path:
        return self.root / "in"

    def write_config(self) -> None:
        """Every replica reads this file; each gets its own port with ``--set``."""
        self.config.write_text(f"""
[orderchamp]
api_url = "{self.sandbox.url}"
token = "sandbox-token"
webhook_secret = "{SECRET}"
bucket_size = 1000000
restore_rate = 1000000.0
max_attempts = 3

[store]
url = "{self.store_url}"

[sync]
reconcile_interval = 3600
shipments_interval = 1
claim_seconds = 600
job_lock_seconds = 10

[daemon]
host = "127.0.0.1"
workers = {self.workers}
jitter_seconds = 0.0
shutdown_timeout = 5.0
lease_seconds = 4
retry_after_seconds = 1

[adapters.csv]
outbound_dir = "{self.outbound}"
inbound_dir = "{self.inbound}"
{self.settings}
""", encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}

    # --- replicas -------------------------------------------------------------------------------

    def start(self, replica: Replica, *, wait_ready: bool = True) -> None:
        """``oc-bridge run`` for ``replica`` in a fresh process; waits until it answers."""
        replica.process = subprocess.Popen(
            [sys.executable, "-m", "oc_bridge", "--config", str(self.config),
             "--set", f"daemon.port={replica.port}", "run"],
            cwd=self.root, env=self.env(), stdout=subprocess.DEVNULL,
            stderr=replica.log_path.open("ab"))
        assert wait_for(replica.alive, 30), replica.log()
        if wait_ready:
            # ready = the store answers and a reconciliation (its own, or skipped because
            # another replica held it and then its own next one) completed
            assert wait_for(replica.ready, 60), replica.log()

    def start_all(self) -> None:
        for replica in self.replicas:
            self.start(replica, wait_ready=False)
        for replica in self.replicas:
            assert wait_for(replica.ready, 60), replica.log()

    def kill(self, replica: Replica) -> None:
        """SIGKILL, and reap it (so its pid is gone for the others' dead-owner check)."""
        assert replica.process is not None
        replica.process.send_signal(signal.SIGKILL)
        replica.process.wait(10)

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM every running replica; exit codes by name (None when it had to be killed)."""
        codes: dict[str, int | None] = {}
        for replica in self.replicas:
            if replica.running:
                assert replica.process is not None
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            if replica.process is None:
                continue
            try:
                codes[replica.name] = replica.process.wait(20)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait(10)
                codes[replica.name] = None
        return codes

    def close(self) -> None:
        for replica in self.replicas:
            if replica.running:
                assert replica.process is not None
                replica.process.kill()
                replica.process.wait(10)
        if self._store is not None:
            self._store.close()
            self._store = None

    def logs(self) -> str:
        return "\n".join(f"--- {r.name} ---\n{r.log()[-4000:]}" for r in self.replicas)

    # --- webhooks -------------------------------------------------------------------------------

    @staticmethod
    def body(order_id: str, event: str = "ORDER_CREATED", nonce: str = "") -> bytes:
        """A webhook body; a different ``nonce`` makes a different delivery of the event."""
        data = {"order": {"id": order_id, **({"updatedAt": nonce} if nonce else {})}}
        return json.dumps({"event": event, "data": data}).encode()

    def post(self, order_id: str, event: str = "ORDER_CREATED", *,
             session: requests.Session | None = None, nonce: str = "",
             give_up_after: float = 60.0) -> tuple[Replica, float]:
        """Deliver one signed webhook like a load balancer: the next replica in turn, and on
        to the next while one refuses the connection or answers other than 200 (Orderchamp
        retries). Returns the replica that stored it and the seconds its answer took."""
        body = self.body(order_id, event, nonce)
        headers = {"X-Orderchamp-Event": event, "X-Orderchamp-Signature": sign(body, SECRET)}
        http = session or requests
        deadline = time.monotonic() + give_up_after
        with self._turn_lock:
            start = next(self._turn)  # type: ignore[call-overload]
        for attempt in itertools.count():
            replica = self.replicas[(start + attempt) % len(self.replicas)]
            began = time.perf_counter()
            try:
                answer = http.post(replica.webhook_url, data=body, headers=headers, timeout=10)
            except requests.RequestException:
                answer = None
            took = time.perf_counter() - began
            if answer is not None and answer.status_code == 200:
                return replica, took
            if time.monotonic() > deadline:
                raise AssertionError(f"webhook for {order_id} not accepted within "
                                     f"{give_up_after:.0f}s")
            if attempt % len(self.replicas) == len(self.replicas) - 1:
                time.sleep(0.2)  # every replica refused this round: back off a little
        raise AssertionError("unreachable")

    # --- what happened --------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The test's own view of the shared ledger."""
        if self._store is None:
            self._store = open_store(self.store_url)
        return self._store

    def claims_of(self, replica: Replica) -> list[Claim]:
        return [c for c in self.store.list_claims() if replica.owns_claim(c)]

    def leases_of(self, replica: Replica) -> list[dict[str, Any]]:
        rows = self.store._query(  # type: ignore[attr-defined]
            "SELECT id, group_key, lease_owner FROM inbox WHERE state = 'leased'")
        return [dict(r) for r in rows if replica.owns_lease(r["lease_owner"])]

    def takeovers(self) -> list[ActivityEntry]:
        """Every claim takeover written to the activity log."""
        return [a for a in self.store.recent_activity(100_000)
                if a.kind == "claim" and a.state == "taken over"]

    def order_files(self) -> Counter[str]:
        """Order files per order id (any revision) in the CSV adapter's outbound folder."""
        files: Counter[str] = Counter()
        for path in sorted(self.outbound.glob("orders-*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                files.update({row["order_id"] for row in csv.DictReader(handle)})
        return files

    def drop_shipments(self, name: str, rows: list[dict[str, object]]) -> Path:
        """A shipments file in the inbound folder, written whole (as a warehouse would)."""
        self.inbound.mkdir(parents=True, exist_ok=True)
        columns = ["order_number", "sku", "quantity", "carrier", "tracking_number",
                   "tracking_url", "shipped_at", "estimated_transit_days"]
        tmp = self.inbound / f".{name}.tmp"
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: row.get(c, "") for c in columns})
        path = self.inbound / name
        tmp.replace(path)
        return path


def via_port(url: str, port: int) -> str:
    """``url`` (``postgresql://user@host:5432/db``) pointed at ``127.0.0.1:port`` instead."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    if parts.password:
        user = f"{parts.username}:{parts.password}@"
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


@dataclass
class OutageReport:
    """What a webhook burst saw while the store went away for a while and came back."""

    outage_seconds: float = 0.0
    deliveries: int = 0
    answers: Counter[int] = field(default_factory=Counter)
    retry_after: set[str] = field(default_factory=set)
    ready_while_down: list[int] = field(default_factory=list)
    alive_while_down: list[int] = field(default_factory=list)
    recovered_seconds: float | None = None
    lost: list[str] = field(default_factory=list)
    #: ``time.monotonic()`` when the store came back.
    restored_at: float = 0.0
    #: Seconds from the store's return to the first webhook accepted again / /readyz 200.
    accepting_after: float | None = None
    ready_after: float | None = None

    def lines(self) -> list[str]:
        return [
            f"outage: {self.outage_seconds:.1f} s, deliveries: {self.deliveries}",
            f"answers: {dict(sorted(self.answers.items()))}, "
            f"Retry-After: {sorted(self.retry_after)}",
            f"/readyz while down: {Counter(self.ready_while_down)}, /healthz while down: "
            f"{Counter(self.alive_while_down)}",
            f"after the store came back: webhooks accepted again in "
            f"{_seconds(self.accepting_after)}, /readyz 200 in {_seconds(self.ready_after)}, "
            f"every order exported {_seconds(self.recovered_seconds)} later (the burst was "
            "still being sent)",
            f"deliveries never accepted: {len(self.lost)}",
        ]


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def outage_burst(cluster: Cluster, cut: Callable[[], None], restore: Callable[[], None], *,
                 orders: list[str], outage: float, before: float = 1.0,
                 pace: float = 0.05) -> OutageReport:
    """Post two events per order to the cluster's first replica, paced so the burst lasts
    beyond the outage, like Orderchamp: a delivery not answered 200 is sent again after its
    ``Retry-After``. ``before`` seconds into the burst the store is cut for ``outage`` seconds.
    Returns what the sender and the probes saw."""
    replica = cluster.replicas[0]
    report = OutageReport(outage_seconds=outage)
    queue = [(order_id, event) for order_id in orders
             for event in ("ORDER_CREATED", "ORDER_CONFIRMED")]
    report.deliveries = len(queue)
    down = threading.Event()

    def probe() -> None:
        while down.is_set():
            ready, alive = replica.get("/readyz"), replica.get("/healthz")
            # (a Response is falsy for a 4xx/5xx: compare with None)
            report.ready_while_down.append(ready.status_code if ready is not None else 0)
            report.alive_while_down.append(alive.status_code if alive is not None else 0)
            time.sleep(0.25)

    def outage_thread() -> None:
        time.sleep(before)
        cut()
        down.set()
        prober = threading.Thread(target=probe)
        prober.start()
        time.sleep(outage)
        down.clear()
        prober.join()
        restore()
        report.restored_at = time.monotonic()
        while time.monotonic() - report.restored_at < 60:
            answer = replica.get("/readyz")
            if answer is not None and answer.status_code == 200:
                report.ready_after = time.monotonic() - report.restored_at
                return
            time.sleep(0.1)

    cutter = threading.Thread(target=outage_thread)
    cutter.start()
    session = requests.Session()
    waiting: list[tuple[float, str, str]] = []  # (not before, order, event): Orderchamp's retries
    deadline = time.monotonic() + outage + before + 60
    while (queue or waiting) and time.monotonic() < deadline:
        now = time.monotonic()
        due = [w for w in waiting if w[0] <= now]
        if due:
            waiting.remove(due[0])
            order_id, event = due[0][1], due[0][2]
        elif queue:
            order_id, event = queue.pop(0)
        else:
            time.sleep(0.05)
            continue
        body = cluster.body(order_id, event)
        headers = {"X-Orderchamp-Event": event, "X-Orderchamp-Signature": sign(body, SECRET)}
        try:
            answer = session.post(replica.webhook_url, data=body, headers=headers, timeout=15)
            status = answer.status_code
        except requests.RequestException:
            answer, status = None, 0
        report.answers[status] += 1
        if status == 200 and report.restored_at and report.accepting_after is None:
            report.accepting_after = time.monotonic() - report.restored_at
        if status != 200:
            delay = 1.0
            if answer is not None and "Retry-After" in answer.headers:
                report.retry_after.add(answer.headers["Retry-After"])
                delay = float(answer.headers["Retry-After"])
            waiting.append((time.monotonic() + delay, order_id, event))
        time.sleep(pace)
    cutter.join()
    report.lost = [f"{o} {e}" for _, o, e in waiting] + [f"{o} {e}" for o, e in queue]
    return report
