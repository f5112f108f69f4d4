"""The daemon's WSGI app runs under gunicorn too (``oc_bridge.daemon.app:create_app()``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from daemon_helpers import Daemon, wait_for

pytestmark = pytest.mark.slow


def test_create_app_serves_under_gunicorn(daemon: Daemon) -> None:
    pytest.importorskip("gunicorn", reason="gunicorn is part of the test extra")
    env = {**daemon.env(), "OC_BRIDGE_CONFIG": str(daemon.config)}
    log = (daemon.root / "gunicorn.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{daemon.port}",
         "--workers", "1", "--threads", "4", "--graceful-timeout", "10",
         "oc_bridge.daemon.app:create_app()"],
        cwd=daemon.root, env=env, stdout=log, stderr=log,
    )
    try:
        assert wait_for(daemon.alive, 30), (daemon.root / "gunicorn.log").read_text()
        # The first reconciliation runs at start; once it succeeded the app is ready.
        assert wait_for(lambda: requests.get(f"{daemon.base}/readyz", timeout=5)
                        .json()["status"] == "ready", 30), (
            requests.get(f"{daemon.base}/readyz", timeout=5).text)
        order = daemon.sandbox.create_order(confirmed=True)
        body = json.dumps({"data": {"order": {"id": order["id"]}}}).encode()
        assert daemon.post("ORDER_CONFIRMED", body).status_code == 200
        assert daemon.post("ORDER_CONFIRMED", body, signature="0" * 64).status_code == 401
        assert wait_for(lambda: daemon.order_files()[order["id"]] == 1, 20), (
            (daemon.root / "gunicorn.log").read_text())
        assert "oc_bridge_webhooks_received_total" in requests.get(
            f"{daemon.base}/metrics", timeout=5).text
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()
    assert process.returncode == 0
