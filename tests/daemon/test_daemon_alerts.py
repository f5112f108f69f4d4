"""ACCEPTANCE (alerting): ``oc-bridge run`` against the sandbox with webhooks lost. The order
reconciliation had to pick up is counted as a lost webhook; it and the exported-but-unshipped
orders alert once at a real HTTP receiver and a real SMTP server, and a restart sends nothing
again."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from daemon_helpers import Daemon, wait_for
from fakes.alert_receivers import HttpReceiver, SmtpReceiver, free_port

pytestmark = pytest.mark.slow

HOOK_SECRET = "alert-hook-secret"


@pytest.fixture
def receivers() -> Iterator[tuple[HttpReceiver, SmtpReceiver]]:
    http, smtp = HttpReceiver(), SmtpReceiver(port=free_port())
    http.start()
    smtp.start()
    yield http, smtp
    http.stop()
    smtp.stop()


def _config(http: HttpReceiver, smtp: SmtpReceiver) -> str:
    return f"""
[alerts]
check_interval = 1
stuck_after = 3600
export_within = 3600
ship_within = 1
lost_webhook_grace = 0

[alerts.webhook]
url = "{http.url}"
secret = "{HOOK_SECRET}"

[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
from_addr = "bridge@example.com"
to = ["ops@example.com"]
"""


def _webhook_keys(http: HttpReceiver) -> Counter[str]:
    keys: Counter[str] = Counter()
    for request in http.requests:
        keys.update(a["key"] for a in request.json()["alerts"])
    return keys


def _email_lines(smtp: SmtpReceiver) -> Counter[str]:
    lines: Counter[str] = Counter()
    for message in smtp.messages:
        text = message.get_payload(decode=True).decode()
        lines.update(line for line in text.splitlines() if line.startswith("- ["))
    return lines


def _alert_runs(daemon: Daemon) -> float:
    return daemon.metric('oc_bridge_scheduled_runs_total{job="alerts",outcome="ok"}')


def test_lost_webhook_and_unshipped_orders_alert_once_on_both_channels(
        daemon: Daemon, receivers: tuple[HttpReceiver, SmtpReceiver]) -> None:
    http, smtp = receivers
    daemon.reconcile_interval = 2
    daemon.write_config(_config(http, smtp))
    daemon.sandbox.set_webhooks(enabled=False)  # every webhook is lost
    backfilled = daemon.sandbox.create_order(confirmed=True)["id"]
    daemon.start()  # the first pass is a backfill (no cursor yet): not a repair
    assert wait_for(lambda: daemon.order_files()[backfilled] == 1, 10), daemon.log()
    repaired = daemon.sandbox.create_order(confirmed=True)
    assert wait_for(lambda: daemon.order_files()[repaired["id"]] == 1, 15), daemon.log()
    assert wait_for(lambda: daemon.metric("oc_bridge_repaired_by_reconcile_total") == 1,
                    10), daemon.log()

    wanted = {f"lost_webhook:{repaired['id']}", f"not_shipped:csv:{backfilled}",
              f"not_shipped:csv:{repaired['id']}"}

    def arrived() -> bool:
        keys = {re.sub(r"^(lost_webhook:[^:]+):.*$", r"\1", k) for k in _webhook_keys(http)}
        return wanted <= keys and len(_email_lines(smtp)) >= 3

    assert wait_for(arrived, 20), daemon.log()
    runs = _alert_runs(daemon)
    assert wait_for(lambda: _alert_runs(daemon) >= runs + 3, 15), daemon.log()

    keys = _webhook_keys(http)
    assert sorted(keys.values()) == [1, 1, 1], keys  # each alert exactly once
    for request in http.requests:
        signature = hmac.new(HOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-OC-Bridge-Signature"] == signature
    lines = _email_lines(smtp)
    assert sorted(lines.values()) == [1, 1, 1], lines
    assert sum(1 for line in lines if line.startswith("- [not_shipped]")) == 2
    (lost,) = [line for line in lines if line.startswith("- [lost_webhook]")]
    assert repaired["number"] in lost and "no webhook brought it" in lost
    assert daemon.metric('oc_bridge_alerts_total{kind="not_shipped"}') == 2
    assert daemon.metric('oc_bridge_alerts_total{kind="lost_webhook"}') == 1
    assert daemon.metric('oc_bridge_stuck_items{kind="not_shipped"}') == 2
    assert daemon.metric('oc_bridge_alert_notifications_total{channel="email",'
                         'outcome="sent"}') == len(smtp.messages)

    # a restart remembers what was sent (the state is in the ledger)
    sent = (len(http.requests), len(smtp.messages))
    assert daemon.terminate() == 0
    daemon.start()
    assert wait_for(lambda: _alert_runs(daemon) >= 3, 15), daemon.log()
    assert (len(http.requests), len(smtp.messages)) == sent
    assert daemon.metric("oc_bridge_repaired_by_reconcile_total") == 0
    assert daemon.terminate() == 0


def test_webhooks_that_arrive_are_not_counted_as_lost(daemon: Daemon) -> None:
    daemon.reconcile_interval = 2
    daemon.write_config("[alerts]\nlost_webhook_grace = 1\ncheck_interval = 1\n")
    daemon.sandbox.create_order(confirmed=True)
    daemon.start()
    daemon.register()
    orders = [daemon.sandbox.create_order(confirmed=True)["id"] for _ in range(3)]
    assert wait_for(lambda: all(daemon.order_files()[o] == 1 for o in orders), 20), daemon.log()
    assert daemon.sandbox.wait_for_deliveries(20)
    runs = daemon.metric('oc_bridge_scheduled_runs_total{job="reconcile",outcome="ok"}')
    assert wait_for(lambda: daemon.metric(
        'oc_bridge_scheduled_runs_total{job="reconcile",outcome="ok"}') >= runs + 2, 15)
    assert daemon.metric("oc_bridge_repaired_by_reconcile_total") == 0
    assert daemon.metric('oc_bridge_alerts_total{kind="lost_webhook"}') == 0
    assert daemon.terminate() == 0
