"""``oc-bridge alerts check|test`` the way operators use them: in-process and as a subprocess,
against real receivers; and the lost-webhook count in ``oc-bridge sync`` against the sandbox."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.alert_receivers import HttpReceiver, SmtpReceiver

from oc_bridge.cli import CliEnv, main
from oc_bridge.sandbox import Sandbox, SandboxConfig
from oc_bridge.store import ExportOperation, ExportState, ParkedKind, SqliteStore


def _channels(http: HttpReceiver | None, smtp: SmtpReceiver | None) -> str:
    text = ""
    if http is not None:
        text += f'\n[alerts.webhook]\nurl = "{http.url}"\nsecret = "cli-secret"\n'
    if smtp is not None:
        text += (f'\n[alerts.email]\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                 'security = "none"\nto = ["ops@example.com"]\n')
    return text


def _write(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "settings.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "ledger.db"}"\n'
                      f"[alerts]\nstuck_after = 0\n{extra}", encoding="utf-8")
    return config


def run_cli(config: Path, *args: str) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(["--config", str(config), *args], env=env)
    assert isinstance(env.stdout, io.StringIO) and isinstance(env.stderr, io.StringIO)
    return code, env.stdout.getvalue(), env.stderr.getvalue()


def subprocess_cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OC_BRIDGE_")}
    return subprocess.run([sys.executable, "-m", "oc_bridge", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, env=environ, check=False)


def test_alerts_test_reaches_every_channel_as_a_subprocess(
        tmp_path: Path, http_receiver: HttpReceiver, smtp_server: SmtpReceiver) -> None:
    config = _write(tmp_path, _channels(http_receiver, smtp_server))
    done = subprocess_cli(config, "alerts", "test")
    assert done.returncode == 0, done.stderr
    assert "webhook: test alert sent" in done.stdout
    assert "email: test alert sent" in done.stdout
    assert http_receiver.requests[0].json()["test"] is True
    assert http_receiver.requests[0].headers["X-OC-Bridge-Event"] == "test"
    assert "test alert" in smtp_server.messages[0]["Subject"]
    only = subprocess_cli(config, "alerts", "test", "--channel", "webhook", "--json")
    assert [c["channel"] for c in json.loads(only.stdout)["channels"]] == ["webhook"]
    assert len(smtp_server.messages) == 1 and len(http_receiver.requests) == 2


def test_alerts_test_reports_a_failing_channel_and_exits_1(
        tmp_path: Path, http_receiver: HttpReceiver, smtp_server: SmtpReceiver) -> None:
    config = _write(tmp_path, _channels(http_receiver, smtp_server))
    smtp_server.stop()
    done = subprocess_cli(config, "alerts", "test")
    assert done.returncode == 1
    assert "webhook: test alert sent" in done.stdout
    assert "email: FAILED: e-mail via 127.0.0.1" in done.stdout


def test_alerts_test_without_channels_is_a_configuration_problem(tmp_path: Path) -> None:
    code, _out, err = run_cli(_write(tmp_path), "alerts", "test")
    assert code == 2 and "alerts.webhook.url" in err


def test_alerts_check_exits_4_lists_and_sends_once(
        tmp_path: Path, http_receiver: HttpReceiver) -> None:
    config = _write(tmp_path, _channels(http_receiver, None))
    assert run_cli(config, "alerts", "check")[:2] == (0, "alerts check: nothing stuck\n")
    with SqliteStore(tmp_path / "ledger.db") as store:
        store.park(ParkedKind.ORDER, "o1", instance="csv", order_number="1001",
                   reason="carrier XYZ unmapped (sync.require_carrier_map)")
        store.begin_export("csv", "o2", order_number="1002", state=ExportState.SUBMITTING,
                           operation=ExportOperation.SUBMIT, revision=1, digest="d",
                           fingerprint="f")
    code, out, _err = run_cli(config, "alerts", "check", "--dry-run")
    assert code == 4 and "dry run: nothing was sent" in out
    assert http_receiver.requests == []
    code, out, _err = run_cli(config, "alerts", "check")
    assert code == 4
    assert "[parked] parked #1 (order order 1001 at csv): carrier XYZ unmapped" in out
    assert "[stuck_export] order 1002 at csv: export submitting (submit)" in out
    assert "webhook: sent 2 alert(s)" in out
    code, out, _err = run_cli(config, "alerts", "check", "--json")
    report = json.loads(out)
    assert code == 4 and report["exit_code"] == 4
    assert report["counts"]["parked"] == 1 and report["counts"]["stuck_export"] == 1
    assert report["channels"] == [{"channel": "webhook", "outcome": "nothing_new",
                                   "alerts": 0, "error": None}]
    assert len(http_receiver.requests) == 1
    code, out, _err = run_cli(config, "status")
    assert "alerts:      1 stuck" in out and "[stuck_export] order 1002" in out


def test_alerts_check_exits_1_when_a_channel_fails(
        tmp_path: Path, http_receiver: HttpReceiver) -> None:
    http_receiver.status = 500
    config = _write(tmp_path, _channels(http_receiver, None))
    with SqliteStore(tmp_path / "ledger.db") as store:
        store.park(ParkedKind.ORDER, "o1", instance=None, reason="no adapter takes it")
    code, out, _err = run_cli(config, "alerts", "check")
    assert code == 1 and "webhook: FAILED" in out


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(orders=1, seed=3, throttle=False, webhooks_enabled=False,
                           large_order_rate=0.0, bucket_size=1_000_000,
                           restore_rate=1_000_000.0)
    with Sandbox(config) as sb:
        yield sb


def test_sync_counts_an_order_reconciliation_picked_up_without_webhook(
        tmp_path: Path, sandbox: Sandbox) -> None:
    config = _write(tmp_path, "lost_webhook_grace = 0\n")
    config.write_text(config.read_text(encoding="utf-8") + f"""
[orderchamp]
api_url = "{sandbox.url}"
token = "sandbox-token"
bucket_size = 1000000
restore_rate = 1000000.0

[adapters.csv]
outbound_dir = "{tmp_path / 'out'}"
inbound_dir = "{tmp_path / 'in'}"
""", encoding="utf-8")
    sandbox.create_order(confirmed=True)
    first = subprocess_cli(config, "sync", "--json")
    assert json.loads(first.stdout)["repaired_by_reconcile"] == 0, first.stderr  # backfill
    order = sandbox.create_order(confirmed=True)
    second = subprocess_cli(config, "sync", "--json")
    summary = json.loads(second.stdout)
    assert summary["exported"] == 1
    assert summary["repaired_by_reconcile"] == 1
    assert summary["repaired"][0]["order_id"] == order["id"]
    text = subprocess_cli(config, "sync")
    assert "lost webhooks" not in text.stdout  # nothing new: nothing repaired


def test_alerts_check_covers_every_account_and_names_it(
        tmp_path: Path, http_receiver: HttpReceiver) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(f"""
[orderchamp]
api_url = "http://127.0.0.1:9/v1/graphql"
[store]
url = "sqlite:///{tmp_path / 'ledger.db'}"
[alerts]
stuck_after = 0
[alerts.webhook]
url = "{http_receiver.url}"
[accounts.nl]
account_id = "QWNjb3VudDox"
token = "t-nl"
adapters = ["csv_nl"]
[accounts.de]
account_id = "QWNjb3VudDoy"
token = "t-de"
adapters = ["csv_de"]
[adapters.csv_nl]
type = "csv"
outbound_dir = "{tmp_path / 'nl'}"
inbound_dir = "{tmp_path / 'nl-in'}"
[adapters.csv_de]
type = "csv"
outbound_dir = "{tmp_path / 'de'}"
inbound_dir = "{tmp_path / 'de-in'}"
""", encoding="utf-8")
    with SqliteStore(tmp_path / "ledger.de.db") as store:
        store.park(ParkedKind.ORDER, "o1", instance="csv_de", reason="no SKU mapping for X")
    code, out, _err = run_cli(config, "alerts", "check", "--json")
    report = json.loads(out)
    assert code == 4
    by_account = {r["account"]: r for r in report["accounts"]}
    assert by_account["nl"]["exit_code"] == 0 and by_account["de"]["exit_code"] == 4
    (request,) = http_receiver.requests
    assert request.json()["account"] == "de"
    assert "(account de)" in request.json()["summary"]
    code, out, _err = run_cli(config, "--account", "nl", "alerts", "check")
    assert code == 0 and "nothing stuck" in out
