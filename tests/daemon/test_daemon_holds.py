"""ACCEPTANCE (issue 15, holds): ``oc-bridge run`` as a subprocess, orders arriving by signed
webhooks from the sandbox: ``sync.hold_minutes`` and manual holds, released by the CLI."""

from __future__ import annotations

import json

import pytest
from daemon_helpers import Daemon, wait_for

pytestmark = pytest.mark.slow


def with_sync(daemon: Daemon, lines: str) -> None:
    text = daemon.config.read_text(encoding="utf-8")
    daemon.config.write_text(text.replace("shipments_interval = 600",
                                          f"shipments_interval = 600\n{lines}"), encoding="utf-8")


def status(daemon: Daemon) -> dict:  # type: ignore[type-arg]
    result = daemon.cli("status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_webhook_orders_wait_for_hold_minutes_then_the_holds_job_exports_them(
        daemon: Daemon) -> None:
    # 12 s: long enough for the webhook to arrive while the order is held back, even on a
    # busy machine; the holds job then exports it without any further event.
    with_sync(daemon, "hold_minutes = 0.2\nhold_check_seconds = 1")
    daemon.start()
    daemon.register()
    order = daemon.sandbox.create_order(confirmed=True, lines=1)
    # The webhook's order is held back (logged, and listed as waiting) ...
    assert wait_for(lambda: f"order {order['number']}: held back until" in daemon.log(), 20), \
        daemon.log()
    # ... then the holds job exports it once, with no further webhook or reconciliation.
    assert [w["order_id"] for w in status(daemon)["waiting"]] == [order["id"]]
    assert wait_for(lambda: daemon.order_files()[order["id"]] == 1, 60), daemon.log()
    assert daemon.sandbox.wait_for_deliveries(20)
    assert wait_for(lambda: status(daemon)["waiting"] == [], 10)
    assert daemon.order_files()[order["id"]] == 1
    assert daemon.metric('oc_bridge_scheduled_runs_total{job="holds",outcome="ok"}') >= 1
    assert daemon.terminate() == 0


def test_a_held_order_waits_in_the_daemon_until_released(daemon: Daemon) -> None:
    with_sync(daemon, "hold_check_seconds = 1")
    daemon.start()
    daemon.register()
    order = daemon.sandbox.create_order(confirmed=False, lines=1)
    held = daemon.cli("orders", "hold", order["id"], "--reason", "address check", "--json")
    assert held.returncode == 0, held.stderr
    daemon.sandbox.confirm_order(order["id"])
    assert daemon.sandbox.wait_for_deliveries(20)
    assert wait_for(lambda: daemon.metric("oc_bridge_inbox_depth") == 0, 15)
    # The confirmation's webhook was processed: the order is held, nothing exported.
    assert wait_for(lambda: f"order {order['number']}: held (address check)" in daemon.log(),
                    15), daemon.log()
    assert daemon.order_files()[order["id"]] == 0
    [row] = status(daemon)["held"]
    assert row["order_id"] == order["id"] and row["reason"] == "address check"
    released = daemon.cli("orders", "release", order["id"])
    assert released.returncode == 0, released.stderr
    assert wait_for(lambda: daemon.order_files()[order["id"]] == 1, 20), daemon.log()
    assert status(daemon)["held"] == [] and status(daemon)["waiting"] == []
    assert daemon.terminate() == 0
