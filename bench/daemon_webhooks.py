"""Benchmark: `oc-bridge run` receiving signed Orderchamp webhooks on loopback.

Starts the sandbox in this process and the daemon as a subprocess (CSV adapter, SQLite ledger
with synchronous=FULL), then measures and prints:

1. sustained accepted webhooks/s (signature check + durable commit before 200) with
   ``--clients`` concurrent threads for ``--sustain`` seconds (target >= 500/s);
2. p50/p99 latency at a paced 200 requests/s for ``--duration`` seconds (target p99 < 50 ms);
3. a burst of 5,000 webhooks over 500 orders (10 events per order in random order, duplicates
   included): order fetches that followed (target <= 600) and whether any event was lost
   (inbox drained, every accepted delivery processed, each order exported exactly once).

Usage: python bench/daemon_webhooks.py [--duration 30] [--clients 16] [--orders 500]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

from oc_bridge.orderchamp.signatures import sign
from oc_bridge.sandbox import Sandbox, SandboxConfig

SECRET = "bench-secret"
EVENTS = ("ORDER_CREATED", "ORDER_UPDATED", "ORDER_CONFIRMED")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Target:
    """The daemon under test: URL, signed posts, metrics."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/webhooks/orderchamp"
        self._local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]

    def post(self, event: str, order_id: str, nonce: str) -> int:
        body = json.dumps({"data": {"order": {"id": order_id, "number": nonce,
                                              "updatedAt": nonce}}}).encode()
        headers = {"X-Orderchamp-Event": event, "X-Orderchamp-Signature": sign(body, SECRET),
                   "Content-Type": "application/json"}
        return self.session().post(self.url, data=body, headers=headers, timeout=10).status_code

    def metrics(self) -> dict[str, float]:
        values: dict[str, float] = {}
        for line in requests.get(f"{self.base}/metrics", timeout=10).text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def fetches(self) -> float:
        return self.metrics().get(
            'oc_bridge_engine_call_seconds_count{job="process_order"}', 0.0)

    def wait_drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.metrics().get("oc_bridge_inbox_depth", 1) == 0:
                return True
            time.sleep(0.2)
        return False


def sustained(target: Target, ids: list[str], clients: int, seconds: float) -> float:
    accepted = [0] * clients
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        i = 0
        while time.monotonic() < stop:
            i += 1
            if target.post("ORDER_UPDATED", ids[(n * 7919 + i) % len(ids)], f"s{n}-{i}") == 200:
                accepted[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(accepted) / (time.monotonic() - started)


def paced(target: Target, ids: list[str], rate: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    total = int(rate * seconds)
    start = time.monotonic()

    def worker(k: int, step: int) -> None:
        for i in range(k, total, step):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.perf_counter()
            target.post("ORDER_UPDATED", ids[i % len(ids)], f"p{i}")
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=worker, args=(k, 8)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(latencies)


def burst(target: Target, ids: list[str], clients: int) -> tuple[int, int, int]:
    """(sent, accepted 200, unique deliveries) for 10 events per order, shuffled, with
    duplicates."""
    plan: list[tuple[str, str, str]] = []
    for order_id in ids:
        events = [(random.choice(EVENTS), order_id, f"b{order_id}-{k}") for k in range(8)]
        events += random.sample(events, 2)  # redeliveries: identical event and body
        plan += events
    random.shuffle(plan)
    codes: list[int] = []
    lock = threading.Lock()

    def client(chunk: list[tuple[str, str, str]]) -> None:
        for event, order_id, nonce in chunk:
            code = target.post(event, order_id, nonce)
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=client, args=(plan[n::clients],))
               for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(plan), codes.count(200), len(set(plan))


def order_files(outbound: Path) -> Counter[str]:
    files: Counter[str] = Counter()
    for path in outbound.glob("orders-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            files.update({row["order_id"] for row in csv.DictReader(handle)})
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="paced phase, seconds")
    parser.add_argument("--sustain", type=float, default=10.0, help="sustained phase, seconds")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="oc-bridge-bench-"))
    port = free_port()
    config = SandboxConfig(orders=0, seed=3, throttle=False, webhook_secret=SECRET,
                           webhooks_enabled=False, large_order_rate=0.0,
                           bucket_size=1_000_000, restore_rate=1_000_000.0)
    with Sandbox(config) as sandbox:
        (root / "settings.toml").write_text(f"""
[orderchamp]
api_url = "{sandbox.url}"
token = "bench"
webhook_secret = "{SECRET}"
bucket_size = 1000000
restore_rate = 1000000.0
[store]
url = "sqlite:///{root / 'ledger.db'}"
[sync]
reconcile_interval = 3600
shipments_interval = 3600
[daemon]
port = {port}
threads = {max(8, args.clients)}
jitter_seconds = 0.0
[logging]
level = "WARNING"
[adapters.csv]
outbound_dir = "{root / 'out'}"
inbound_dir = "{root / 'in'}"
""", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}
        daemon = subprocess.Popen([sys.executable, "-m", "oc_bridge", "--config",
                                   str(root / "settings.toml"), "run"], cwd=root, env=env,
                                  stderr=(root / "daemon.log").open("wb"))
        target = Target(port)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{target.base}/readyz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            ids = [sandbox.create_order(confirmed=True)["id"] for _ in range(args.orders)]
            warm = sustained(target, ids, args.clients, 1.0)
            del warm
            rate = sustained(target, ids, args.clients, args.sustain)
            print(f"1. sustained accepted webhooks/s: {rate:.0f} (target >= 500)")
            target.wait_drained(120)
            lat = paced(target, ids, 200.0, args.duration)
            p50, p99 = lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000
            print(f"2. latency at 200 req/s for {args.duration:.0f}s: p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms (target p99 < 50 ms)")
            target.wait_drained(120)
            before = target.fetches()
            stored_before = target.metrics().get("oc_bridge_inbox_items{state=\"done\"}", 0)
            sent, accepted, unique = burst(target, ids, args.clients)
            drained = target.wait_drained(300)
            after = target.metrics()
            fetches = target.fetches() - before
            done = after.get("oc_bridge_inbox_items{state=\"done\"}", 0) - stored_before
            files = order_files(root / "out")
            once = sum(1 for i in ids if files[i] == 1)
            lost = (not drained) or accepted != sent or done != unique or once != len(ids)
            print(f"3. burst: {sent} webhooks over {len(ids)} orders ({unique} distinct), "
                  f"{accepted} accepted; {fetches:.0f} order fetches followed (target <= 600)")
            print(f"4. lost events: {'YES' if lost else 'none'} (inbox drained: {drained}, "
                  f"distinct deliveries processed: {done:.0f}/{unique}, orders exported exactly "
                  f"once: {once}/{len(ids)})")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
