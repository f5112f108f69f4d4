"""ACCEPTANCE: two Orderchamp accounts (two sandboxes, each with its own token, webhook secret
and account id) served by one ``oc-bridge run`` subprocess over HTTP; each account routes to its
own CSV adapter instance. Plus the CLI as a subprocess with ``--account``.

Throttling is asserted by order of completion, never by timing: while account A's sandbox
answers every request with 429, all of account B's new orders are exported; A's are exported
once the throttling ends.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from daemon_helpers import free_port, wait_for

from oc_bridge.orderchamp.signatures import sign
from oc_bridge.sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.slow

FAST = {"bucket_size": 1_000_000, "restore_rate": 1_000_000.0}
ACCOUNTS = {
    "shop_a": {"account_id": "QWNjb3VudDoxMDE", "token": "token-a", "secret": "secret-a"},
    "shop_b": {"account_id": "QWNjb3VudDoxMDI", "token": "token-b", "secret": "secret-b"},
}


@dataclass
class Installation:
    """One deployment serving two accounts; ``start()`` runs ``oc-bridge run``."""

    root: Path
    sandboxes: dict[str, Sandbox]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def config(self) -> Path:
        return self.root / "settings.toml"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def outbound(self, account: str) -> Path:
        return self.root / f"out_{account}"

    def write_config(self) -> None:
        tables = []
        for name, account in ACCOUNTS.items():
            tables.append(f"""
[accounts.{name}]
account_id = "{account['account_id']}"
token = "{account['token']}"
webhook_secret = "{account['secret']}"
api_url = "{self.sandboxes[name].url}"
adapters = ["csv_{name}"]

[adapters.csv_{name}]
type = "csv"
outbound_dir = "{self.outbound(name)}"
inbound_dir = "{self.root / f'in_{name}'}"
""")
        self.config.write_text(f"""
[orderchamp]
bucket_size = 1000000
restore_rate = 1000000.0
max_attempts = 2

[store]
url = "sqlite:///{self.root / 'ledger.db'}"

[sync]
# frequent reconciliation: a throttled account keeps retrying, and catches up when it ends
reconcile_interval = 2
shipments_interval = 600
# items of the throttled account are retried, not parked, during the test
max_attempts = 30

[daemon]
host = "127.0.0.1"
port = {self.port}
jitter_seconds = 0.0
shutdown_timeout = 5.0
lease_seconds = 5
{''.join(tables)}""", encoding="utf-8")

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
        # every account reconciled once: nothing of the start-up races the scenario
        assert wait_for(lambda: self.readyz().get("status") == "ready", 30), self.log()

    def readyz(self) -> dict[str, object]:
        try:
            answer: dict[str, object] = requests.get(f"{self.base}/readyz", timeout=2).json()
            return answer
        except (requests.RequestException, ValueError):
            return {}

    def log(self) -> str:
        path = self.root / "daemon.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def post(self, account_id: str | None, secret: str, event: str,
             body: bytes) -> requests.Response:
        headers = {"X-Orderchamp-Event": event, "X-Orderchamp-Signature": sign(body, secret)}
        if account_id is not None:
            headers["X-Orderchamp-Account-Id"] = account_id
        return requests.post(f"{self.base}/webhooks/orderchamp", data=body, headers=headers,
                             timeout=10)

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels``."""
        text = requests.get(f"{self.base}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if not (line.startswith(name + " ") or line.startswith(name + "{")):
                continue
            if all(f'{key}="{value}"' in line for key, value in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def exported(self, account: str) -> dict[str, set[str]]:
        """Order id → the notes of its rows, over every order file of ``account``'s folder."""
        found: dict[str, set[str]] = {}
        for path in sorted(self.outbound(account).glob("orders-*.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    found.setdefault(row["order_id"], set()).add(row["note"])
        return found

    def order_files(self, account: str) -> int:
        return len(list(self.outbound(account).glob("orders-*.csv")))

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    sandboxes: dict[str, Sandbox] = {}
    try:
        for seed, (name, account) in enumerate(ACCOUNTS.items(), start=11):
            sandboxes[name] = Sandbox(SandboxConfig(
                orders=0, seed=seed, throttle=False, webhook_secret=account["secret"],
                token=account["token"], account_id=account["account_id"],
                webhooks_enabled=True, large_order_rate=0.0, webhook_retry_base=0.2,
                webhook_retry_max_delay=1.0, webhook_max_attempts=30, **FAST))
            sandboxes[name].__enter__()
        deployment = Installation(root=tmp_path, sandboxes=sandboxes)
        deployment.write_config()
        yield deployment
        deployment.stop()
    finally:
        for sandbox in sandboxes.values():
            sandbox.__exit__(None, None, None)


def _create(installation: Installation, account: str, count: int) -> list[str]:
    sandbox = installation.sandboxes[account]
    return [sandbox.create_order(confirmed=True, note=f"from-{account}")["id"]
            for _ in range(count)]


def test_two_accounts_one_daemon_routing_secrets_and_throttling(
        installation: Installation) -> None:
    installation.start()
    for name in ACCOUNTS:
        registered = installation.cli("--account", name, "webhooks", "register", "--url",
                                      f"{installation.base}/webhooks/orderchamp")
        assert registered.returncode == 0, registered.stderr

    # 1. each account's orders reach its own adapter instance (the sandboxes hand out the same
    #    order ids, so the ledgers must be apart: each id is exported once per account)
    first_a = _create(installation, "shop_a", 3)
    first_b = _create(installation, "shop_b", 3)
    assert set(first_a) == set(first_b)

    def both_exported() -> bool:
        return (set(installation.exported("shop_a")) >= set(first_a)
                and set(installation.exported("shop_b")) >= set(first_b))

    assert wait_for(both_exported, 30), installation.log()
    assert all(notes == {"from-shop_a"} for notes in installation.exported("shop_a").values())
    assert all(notes == {"from-shop_b"} for notes in installation.exported("shop_b").values())
    assert installation.order_files("shop_a") == 3
    assert installation.order_files("shop_b") == 3

    # 2. a delivery naming account A but signed with B's secret is refused; so are deliveries
    #    without an account header or with an account nobody configured
    body = json.dumps({"data": {"order": {"id": first_a[0]}}}).encode()
    a_id = ACCOUNTS["shop_a"]["account_id"]
    assert installation.post(a_id, "secret-b", "ORDER_UPDATED", body).status_code == 401
    assert installation.post(a_id, "secret-a", "ORDER_UPDATED", body).status_code == 200
    assert installation.post(None, "secret-a", "ORDER_UPDATED", body).status_code == 400
    unknown = installation.post("QWNjb3VudDo5OTk", "secret-a", "ORDER_UPDATED", body)
    assert unknown.status_code == 403
    assert "unknown account" in unknown.json()["error"]
    received = "oc_bridge_webhooks_received_total"
    assert installation.metric(received, account="shop_a", outcome="bad_signature") == 1
    assert installation.metric(received, account="shop_b", outcome="bad_signature") == 0
    assert installation.metric(received, outcome="unknown_account") == 1
    assert installation.metric(received, outcome="no_account") == 1
    assert installation.metric(received, account="shop_b", outcome="accepted") >= 3

    # 3. account A throttled: its sandbox answers every request with 429 (Retry-After 1)
    installation.sandboxes["shop_a"].set_faults(fault_429_rate=1.0)
    throttled_a = _create(installation, "shop_a", 3)
    assert wait_for(lambda: installation.sandboxes["shop_a"].stats["faults_429"] >= 3, 20)
    later_b = _create(installation, "shop_b", 4)
    assert wait_for(lambda: installation.order_files("shop_b") == 7, 30), installation.log()
    # B is done while A is still throttled: none of A's new orders got through
    assert installation.order_files("shop_a") == 3
    assert wait_for(lambda: installation.metric("oc_bridge_orders_exported_total",
                                                account="shop_b") == 7, 10)
    assert installation.metric("oc_bridge_orders_exported_total", account="shop_a") == 3
    assert installation.sandboxes["shop_b"].stats["faults_429"] == 0
    assert set(later_b) <= set(installation.exported("shop_b"))

    # 4. the throttling ends: A catches up, every order exported exactly once per account
    installation.sandboxes["shop_a"].set_faults(fault_429_rate=0.0)
    assert wait_for(lambda: installation.order_files("shop_a") == 6, 60), installation.log()
    assert set(throttled_a) <= set(installation.exported("shop_a"))
    assert installation.order_files("shop_b") == 7
    assert installation.terminate() == 0

    # 5. the CLI reads each account's own ledger; status covers both without --account
    status = installation.cli("status", "--json")
    assert status.returncode == 0, status.stderr
    counts = {name: data["counts"] for name, data in json.loads(status.stdout)["accounts"].items()}
    assert counts["shop_a"]["exports"] == {"exported": 6}
    assert counts["shop_b"]["exports"] == {"exported": 7}
    one = installation.cli("--account", "shop_b", "status", "--json")
    assert json.loads(one.stdout)["counts"]["exports"] == {"exported": 7}


def test_cli_account_option(installation: Installation) -> None:
    created = _create(installation, "shop_b", 2)
    # a command that works on one account refuses to guess among several (exit 2)
    ambiguous = installation.cli("sync")
    assert ambiguous.returncode == 2
    assert "several Orderchamp accounts" in ambiguous.stderr
    assert "--account" in ambiguous.stderr
    unknown = installation.cli("--account", "nope", "sync")
    assert unknown.returncode == 2
    assert "no account 'nope'" in unknown.stderr
    # the chosen account syncs with its own token (the sandboxes accept only their own)
    # (--account is a global option, and also accepted after the command)
    synced = installation.cli("sync", "--json", "--account", "shop_b")
    assert synced.returncode == 0, synced.stderr
    assert set(installation.exported("shop_b")) == set(created)
    assert not installation.outbound("shop_a").exists() or installation.order_files("shop_a") == 0
    assert (installation.root / "ledger.shop_b.db").is_file()
    # the other account's ledger and cursor are untouched: its sync starts from nothing
    _create(installation, "shop_a", 1)
    synced_a = installation.cli("--account", "shop_a", "sync")
    assert synced_a.returncode == 0, synced_a.stderr
    assert installation.order_files("shop_a") == 1
    # config show --account prints that account's effective settings, secrets masked
    shown = installation.cli("--account", "shop_a", "config", "show", "--json")
    data = json.loads(shown.stdout)
    assert data["orderchamp"]["account_id"] == ACCOUNTS["shop_a"]["account_id"]
    assert data["orderchamp"]["token"] == "**********"
    assert data["store"]["url"].endswith("ledger.shop_a.db")
    assert list(data["adapters"]) == ["csv_shop_a"]
    assert installation.cli("config", "check").returncode == 0
    whole = json.loads(installation.cli("config", "show", "--json").stdout)
    assert {a["token"] for a in whole["accounts"].values()} == {"**********"}
    assert "token-a" not in installation.cli("config", "show").stdout


def test_doctor_checks_each_account_token_against_its_account_id(
        installation: Installation) -> None:
    for name in ACCOUNTS:
        checked = installation.cli("--account", name, "doctor", "--skip-adapters")
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # a mistyped id: shop_b's token belongs to another account than the one configured
    wrong = installation.cli("--account", "shop_b", "--set",
                             "accounts.shop_b.account_id=QWNjb3VudDo5OTk", "doctor",
                             "--skip-adapters")
    assert wrong.returncode == 2
    assert ("the token belongs to account QWNjb3VudDoxMDI, but accounts.shop_b.account_id is "
            "QWNjb3VudDo5OTk") in wrong.stdout
