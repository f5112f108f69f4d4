"""ACCEPTANCE: ``oc-bridge run`` as a subprocess against the sandbox, which delivers signed
webhooks to it; the CSV adapter writes into tmp_path."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from daemon_helpers import Daemon, wait_for

pytestmark = pytest.mark.slow


def exported_once(daemon: Daemon, ids: set[str]) -> bool:
    files = daemon.order_files()
    return all(files[i] >= 1 for i in ids)


def test_webhooks_export_new_orders_and_cancellations(daemon: Daemon) -> None:
    daemon.sandbox.set_webhooks(duplicates=True, shuffle=True)
    daemon.start()
    daemon.register()
    orders = [daemon.sandbox.create_order(confirmed=True)["id"] for _ in range(5)]
    assert wait_for(lambda: exported_once(daemon, set(orders)), 20), daemon.log()
    daemon.sandbox.cancel_order(orders[0])
    assert wait_for(lambda: any(daemon.outbound.glob("cancel-*.csv")), 20), daemon.log()
    assert daemon.sandbox.wait_for_deliveries(20)
    assert wait_for(lambda: daemon.metric("oc_bridge_inbox_depth") == 0, 10)
    files = daemon.order_files()
    assert {i: files[i] for i in orders} == dict.fromkeys(orders, 1)
    assert len(list(daemon.outbound.glob("cancel-*.csv"))) == 1
    assert daemon.metric("oc_bridge_webhooks_received_total") >= 10
    # every adapter call went through the boundary, timed per instance and method
    assert daemon.metric('oc_bridge_adapter_call_seconds_count{instance="csv",'
                         'method="submit_order",outcome="ok"}') >= 5
    assert daemon.terminate() == 0


def test_forged_signature_gets_401_and_changes_nothing(daemon: Daemon) -> None:
    daemon.start()
    order = daemon.sandbox.create_order(confirmed=True)
    body = json.dumps({"data": {"order": {"id": order["id"]}}}).encode()
    answer = daemon.post("ORDER_CONFIRMED", body, signature="0" * 64)
    assert answer.status_code == 401
    assert daemon.post("ORDER_CONFIRMED", body, signature="").status_code == 401
    assert daemon.metric("oc_bridge_inbox_items") == 0
    assert not list(daemon.outbound.glob("*.csv"))
    # the genuine delivery, twice: stored once, exported once
    assert daemon.post("ORDER_CONFIRMED", body).status_code == 200
    assert daemon.post("ORDER_CONFIRMED", body).json()["status"] == "duplicate"
    assert wait_for(lambda: daemon.order_files()[order["id"]] == 1, 15), daemon.log()
    assert daemon.terminate() == 0


def test_sigkill_mid_burst_then_restart_exports_each_order_once(daemon: Daemon) -> None:
    daemon.start()
    daemon.register()
    created = [daemon.sandbox.create_order(confirmed=False)["id"] for _ in range(40)]
    confirmed: list[str] = []

    def burst() -> None:
        for order_id in created:
            daemon.sandbox.confirm_order(order_id)
            confirmed.append(order_id)

    thread = threading.Thread(target=burst)
    thread.start()
    assert wait_for(lambda: len(confirmed) >= 10, 20)
    daemon.kill()
    thread.join(30)
    daemon.start()
    assert wait_for(lambda: exported_once(daemon, set(created)), 40), daemon.log()
    assert daemon.sandbox.wait_for_deliveries(30)
    assert wait_for(lambda: daemon.metric("oc_bridge_inbox_depth") == 0, 15)
    files = daemon.order_files()
    assert {i: files[i] for i in created} == dict.fromkeys(created, 1)
    assert daemon.terminate() == 0


def test_reconciliation_alone_exports_when_webhooks_are_off(daemon: Daemon) -> None:
    daemon.reconcile_interval = 2
    daemon.write_config()
    daemon.sandbox.set_webhooks(enabled=False)
    daemon.start()
    assert wait_for(lambda: requests.get(f"{daemon.base}/readyz", timeout=2).status_code == 200,
                    10), daemon.log()
    order = daemon.sandbox.create_order(confirmed=True)["id"]
    assert wait_for(lambda: daemon.order_files()[order] == 1, 2 * 2 + 3), daemon.log()
    assert daemon.terminate() == 0
