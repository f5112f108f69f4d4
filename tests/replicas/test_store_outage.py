"""ACCEPTANCE (issue 14, fault tests): the database goes away during a webhook burst and comes
back. Webhooks are answered 503 with ``Retry-After`` while it is away (Orderchamp delivers them
again), nothing is half written, ``/readyz`` is not ready while it is away (``/healthz`` stays
alive), and the work resumes by itself when it returns: every order exported exactly once.

The daemon reaches PostgreSQL through a TCP proxy on loopback that the test cuts (every open
connection broken, new ones refused) and restores. The outage here lasts a few seconds to keep
the suite quick; ``bench/replicas.py --outage 30`` runs the same scenario with 30 seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from replica_harness import Cluster, outage_burst, via_port, wait_for
from tcp_proxy import TcpProxy

from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.store import ExportState

pytestmark = pytest.mark.slow

ORDERS = 20
OUTAGE_SECONDS = 4.0
FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=0, seed=15, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, **FAST)
    with Sandbox(config) as sb:
        yield sb


def test_database_away_during_a_burst_503_then_everything_resumes(
        tmp_path: Path, sandbox: Sandbox, pg_store_url: str) -> None:
    target = urlsplit(pg_store_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
        cluster = Cluster(tmp_path, sandbox, via_port(pg_store_url, proxy.port), count=1,
                          workers=2)
        try:
            cluster.start_all()
            [replica] = cluster.replicas
            orders = [sandbox.create_order(lines=1)["id"] for _ in range(ORDERS)]
            report = outage_burst(cluster, proxy.cut, proxy.restore, orders=orders,
                                  outage=OUTAGE_SECONDS, before=0.8, pace=0.08)
            text = "\n".join(report.lines())
            assert report.lost == [], text
            assert report.answers[503] > 0, text  # the burst did meet the outage
            assert set(report.answers) <= {200, 503}, text  # never a 500, never a hang
            assert report.retry_after == {"1"}, text  # daemon.retry_after_seconds
            # not ready while away (the very first check may wait out a connect timeout)
            assert 503 in report.ready_while_down and 200 not in report.ready_while_down, text
            assert set(report.alive_while_down) == {200}, text

            # work resumes by itself: every order exported exactly once, the inbox drained
            ids = set(orders)
            assert wait_for(lambda: set(cluster.order_files()) >= ids, 60), cluster.logs()
            report.recovered_seconds = time.monotonic() - report.restored_at
            assert wait_for(lambda: set(cluster.store.inbox_counts()) == {"done"}, 30), \
                cluster.store.inbox_counts()
            assert wait_for(replica.ready, 30), cluster.logs()
            files = cluster.order_files()
            assert {i: n for i, n in files.items() if n != 1} == {}
            # nothing half written: each delivery stored once, every export finished
            assert cluster.store.inbox_counts() == {"done": report.deliveries}
            states = {r.order_id: r.state for r in cluster.store.list_exports()}
            assert states == dict.fromkeys(ids, ExportState.EXPORTED)
            assert cluster.store.list_parked() == []
            assert "webhooks are answered 503 until it is back" in replica.log()
            assert "the store answers again" in replica.log()
            assert cluster.stop_all() == {replica.name: 0}, cluster.logs()
        finally:
            cluster.close()
