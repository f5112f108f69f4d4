"""A daemon installation for tests: settings TOML, CSV folders, ``oc-bridge run`` as a
subprocess on a fixed free port, and signed webhook deliveries."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from oc_bridge.orderchamp.signatures import sign
from oc_bridge.sandbox import Sandbox

SECRET = "s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


@dataclass
class Daemon:
    """One installation; ``start()`` runs ``oc-bridge run`` in a fresh process."""

    root: Path
    sandbox: Sandbox
    port: int = field(default_factory=free_port)
    reconcile_interval: int = 600
    process: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.root / "settings.toml"

    @property
    def outbound(self) -> Path:
        return self.root / "out"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/webhooks/orderchamp"

    def write_config(self, extra: str = "") -> None:
        self.config.write_text(f"""
[orderchamp]
api_url = "{self.sandbox.url}"
token = "sandbox-token"
webhook_secret = "{SECRET}"
bucket_size = 1000000
restore_rate = 1000000.0
max_attempts = 2

[store]
url = "sqlite:///{self.root / 'ledger.db'}"

[sync]
reconcile_interval = {self.reconcile_interval}
shipments_interval = 600

[daemon]
host = "127.0.0.1"
port = {self.port}
jitter_seconds = 0.0
shutdown_timeout = 5.0
lease_seconds = 5

[adapters.csv]
outbound_dir = "{self.outbound}"
inbound_dir = "{self.root / 'in'}"
{extra}
""", encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "oc_bridge", "--config", str(self.config), *args],
            cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=60,
            check=False)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oc_bridge", "--config", str(self.config), "run"],
            cwd=self.root, env=self.env(), stdout=subprocess.DEVNULL,
            stderr=(self.root / "daemon.log").open("ab"))
        assert wait_for(self.alive, 20), self.log()
        # The first reconciliation runs at start-up; let it finish so that it cannot race a
        # test's own scenario (it would export an order the test creates meanwhile).
        assert wait_for(self.ready, 20), self.log()

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.base}/readyz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def alive(self) -> bool:
        try:
            return requests.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        path = self.root / "daemon.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 15) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def register(self) -> None:
        result = self.cli("webhooks", "register", "--url", self.webhook_url)
        assert result.returncode == 0, result.stderr

    def post(self, event: str, body: bytes, *, signature: str | None = None,
             account: str | None = None) -> requests.Response:
        headers = {"X-Orderchamp-Event": event,
                   "X-Orderchamp-Signature": sign(body, SECRET) if signature is None
                   else signature}
        if account:
            headers["X-Orderchamp-Account-Id"] = account
        return requests.post(self.webhook_url, data=body, headers=headers, timeout=10)

    def metric(self, name: str) -> float:
        text = requests.get(f"{self.base}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def order_files(self) -> Counter[str]:
        """Order files per order id (any revision) in the outbound folder."""
        import csv
        files: Counter[str] = Counter()
        for path in sorted(self.outbound.glob("orders-*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                ids = {row["order_id"] for row in csv.DictReader(handle)}
            files.update(ids)
        return files

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
