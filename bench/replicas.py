"""Benchmark: SQLite with one process next to PostgreSQL with one, two and three replicas.

For each set-up: a fresh ledger (a new PostgreSQL database, migrated, dropped afterwards), the
Orderchamp sandbox unthrottled in this process, ``--orders`` new orders, and N ``oc-bridge run``
replicas (``--workers`` inbox workers each, CSV adapter) on loopback ports. A burst of
``--events`` signed webhooks per order (distinct deliveries, shuffled) is posted by
``--clients`` threads spread round robin over the replicas (the way a load balancer would).
Printed side by side:

- accepted webhooks/s: deliveries answered 200 (stored durably first) per second of the burst;
- p99 accept latency: of those answers, under that load;
- orders exported/s: orders with their order file written, per second from the first
  delivery until the last order's file (includes the 2-second settle window).

``--outage SECONDS`` (e.g. 30) instead runs the store-outage scenario of
``tests/replicas/test_store_outage.py`` with that long an outage and prints what the sender saw.

Usage: python bench/replicas.py [--orders 300] [--events 4] [--clients 16] [--workers 4]
       [--dsn postgresql://postgres@127.0.0.1:5432/test] [--outage 30]
The DSN defaults to $OC_BRIDGE_TEST_POSTGRES_DSN (a server where the user may create databases).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "replicas"))

from pg_support import create_database, drop_database
from replica_harness import Cluster, outage_burst, via_port, wait_for
from tcp_proxy import TcpProxy

from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.store.postgres import upgrade_schema

EVENTS = ("ORDER_CREATED", "ORDER_UPDATED", "ORDER_CONFIRMED")
QUIET = '\n[logging]\nlevel = "WARNING"\n'


@dataclass
class Result:
    setup: str
    accepted_per_second: float
    p50_ms: float
    p99_ms: float
    exported_per_second: float
    exported: int
    orders: int


@contextmanager
def ledger(kind: str, dsn: str | None, root: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{root / 'ledger.db'}"
        return
    assert dsn is not None
    url = create_database(dsn)
    try:
        upgrade_schema(url)
        yield url
    finally:
        drop_database(dsn, url)


def sandbox() -> Sandbox:
    return Sandbox(SandboxConfig(orders=0, seed=7, throttle=False, webhooks_enabled=False,
                                 large_order_rate=0.0, bucket_size=1_000_000,
                                 restore_rate=1_000_000.0))


def run_setup(name: str, kind: str, replicas: int, args: argparse.Namespace) -> Result:
    root = Path(tempfile.mkdtemp(prefix="oc-bridge-replicas-"))
    with sandbox() as sb, ledger(kind, args.dsn, root) as url:
        cluster = Cluster(root, sb, url, count=replicas, workers=args.workers, settings=QUIET)
        try:
            cluster.start_all()
            ids = [sb.create_order(lines=2)["id"] for _ in range(args.orders)]
            plan = [(order_id, random.choice(EVENTS), f"{order_id}-{k}")
                    for order_id in ids for k in range(args.events)]
            random.Random(1).shuffle(plan)
            latencies: list[float] = []
            lock = threading.Lock()

            def client(chunk: list[tuple[str, str, str]]) -> None:
                session = requests.Session()
                for order_id, event, nonce in chunk:
                    _, took = cluster.post(order_id, event, session=session, nonce=nonce)
                    with lock:
                        latencies.append(took)

            threads = [threading.Thread(target=client, args=(plan[n::args.clients],))
                       for n in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            posted = time.monotonic()
            wanted = set(ids)
            wait_for(lambda: set(cluster.order_files()) >= wanted, 600, interval=0.05)
            done = time.monotonic()
            exported = len(set(cluster.order_files()) & wanted)
            duplicates = sum(n - 1 for n in cluster.order_files().values() if n > 1)
            if duplicates:
                print(f"  {name}: {duplicates} duplicate order file(s)!", file=sys.stderr)
        finally:
            cluster.stop_all()
            cluster.close()
    latencies.sort()
    return Result(
        setup=name, accepted_per_second=len(plan) / (posted - started),
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        exported_per_second=exported / (done - started), exported=exported,
        orders=len(ids))


def outage(args: argparse.Namespace) -> int:
    root = Path(tempfile.mkdtemp(prefix="oc-bridge-outage-"))
    with sandbox() as sb, ledger("postgresql", args.dsn, root) as url:
        target = urlsplit(url)
        with TcpProxy(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
            cluster = Cluster(root, sb, via_port(url, proxy.port), count=1,
                              workers=args.workers, settings=QUIET)
            try:
                cluster.start_all()
                ids = [sb.create_order(lines=1)["id"] for _ in range(args.orders)]
                pace = max(0.01, (args.outage + 10) / (2 * len(ids)))
                report = outage_burst(cluster, proxy.cut, proxy.restore, orders=ids,
                                      outage=args.outage, before=2.0, pace=pace)
                ok = wait_for(lambda: set(cluster.order_files()) >= set(ids), 300, 0.05)
                report.recovered_seconds = time.monotonic() - report.restored_at if ok \
                    else None
                files = cluster.order_files()
                for line in report.lines():
                    print(line)
                print(f"orders: {len(ids)}, exported: {len(set(files) & set(ids))}, duplicate "
                      f"order files: {sum(n - 1 for n in files.values() if n > 1)}, inbox: "
                      f"{cluster.store.inbox_counts()}, parked: "
                      f"{len(cluster.store.list_parked())}")
                clean = ok and not report.lost and all(n == 1 for n in files.values())
            finally:
                cluster.stop_all()
                cluster.close()
    return 0 if clean else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--events", type=int, default=4, help="webhooks per order")
    parser.add_argument("--clients", type=int, default=16, help="concurrent senders")
    parser.add_argument("--workers", type=int, default=4, help="inbox workers per replica")
    parser.add_argument("--dsn", default=os.environ.get("OC_BRIDGE_TEST_POSTGRES_DSN"))
    parser.add_argument("--outage", type=float, default=None,
                        help="run the store-outage scenario with this many seconds instead")
    args = parser.parse_args()
    if args.dsn is None:
        parser.error("a PostgreSQL server is needed: --dsn or OC_BRIDGE_TEST_POSTGRES_DSN")
    if args.outage is not None:
        if args.orders == 300:
            args.orders = 60
        return outage(args)
    setups = [("SQLite, 1 process", "sqlite", 1), ("PostgreSQL, 1 replica", "postgresql", 1),
              ("PostgreSQL, 2 replicas", "postgresql", 2),
              ("PostgreSQL, 3 replicas", "postgresql", 3)]
    results = []
    for name, kind, count in setups:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.append(run_setup(name, kind, count, args))
    print(f"{args.orders} orders x {args.events} webhooks, {args.clients} senders, "
          f"{args.workers} workers per replica, sandbox unthrottled, loopback, "
          f"{os.cpu_count()} CPU(s)")
    print(f"{'set-up':<24} {'accepted/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'exported/s':>11}")
    for r in results:
        print(f"{r.setup:<24} {r.accepted_per_second:>11.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
              f"{r.exported_per_second:>11.1f}" + ("" if r.exported == r.orders
                                                    else f"  ({r.exported}/{r.orders})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
