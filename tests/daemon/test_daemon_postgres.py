"""ACCEPTANCE on PostgreSQL: ``oc-bridge run`` with ``store.url = "postgresql://..."`` (a fresh
database of its own), refusing to start before ``oc-bridge db upgrade``, then receiving a burst
of duplicated, shuffled webhooks: each order exported once, a cancellation written once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from daemon_helpers import Daemon, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _use_store(daemon: Daemon, url: str) -> None:
    daemon.write_config()
    text = daemon.config.read_text(encoding="utf-8")
    sqlite = f'url = "sqlite:///{daemon.root / "ledger.db"}"'
    assert sqlite in text
    daemon.config.write_text(text.replace(sqlite, f'url = "{url}"'), encoding="utf-8")


def test_the_daemon_on_postgresql(daemon: Daemon, pg_database: str) -> None:
    _use_store(daemon, pg_database)
    refused = subprocess.run(
        [sys.executable, "-m", "oc_bridge", "--config", str(daemon.config), "run"],
        cwd=daemon.root, env=daemon.env(), capture_output=True, text=True, timeout=60,
        check=False)
    assert refused.returncode == 2 and "oc-bridge db upgrade" in refused.stderr
    upgraded = daemon.cli("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    daemon.sandbox.set_webhooks(duplicates=True, shuffle=True)
    daemon.start()
    daemon.register()
    orders = [daemon.sandbox.create_order(confirmed=True)["id"] for _ in range(12)]
    assert wait_for(lambda: set(orders) <= set(daemon.order_files()), 30), daemon.log()
    daemon.sandbox.cancel_order(orders[0])
    assert wait_for(lambda: any(daemon.outbound.glob("cancel-*.csv")), 20), daemon.log()
    assert daemon.sandbox.wait_for_deliveries(20)
    assert wait_for(lambda: daemon.metric("oc_bridge_inbox_depth") == 0, 20)
    files = daemon.order_files()
    assert {o: files[o] for o in orders} == dict.fromkeys(orders, 1)
    assert len(list(daemon.outbound.glob("cancel-*.csv"))) == 1
    status = daemon.cli("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"cancelled": 1' in status.stdout
    assert daemon.terminate() == 0
