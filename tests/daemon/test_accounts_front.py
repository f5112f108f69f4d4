"""The several-accounts front in-process: webhooks and adapter routes reach the right
account's inbox, metrics carry the account label, readiness per account."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from wsgi_client import call, call_json

from oc_bridge.accounts import each_account
from oc_bridge.daemon.accounts import AccountsDaemonApp
from oc_bridge.daemon.app import create_app
from oc_bridge.orderchamp.signatures import sign
from oc_bridge.runtime import open_runtime
from oc_bridge.settings import load_settings
from oc_bridge.store.postgres import upgrade_schema

CONFIG = """
[orderchamp]
api_url = "http://127.0.0.1:9/v1/graphql"

[store]
url = "{store_url}"

[accounts.shop_a]
account_id = "QWNjb3VudDox"
token = "token-a"
webhook_secret = "secret-a"
adapters = ["ss_a"]
bucket_size = 40
restore_rate = 2.0

[accounts.shop_b]
account_id = "QWNjb3VudDoy"
token = "token-b"
webhook_secret = "secret-b"
adapters = ["ss_b"]

[adapters.ss_a]
type = "shipstation"
api_key = "k"
api_secret = "s"
webhook_token = "token-of-a"

[adapters.ss_b]
type = "shipstation"
api_key = "k"
api_secret = "s"
webhook_token = "token-of-b"
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def front(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AccountsDaemonApp]:
    """Both accounts' ledgers on SQLite (a file each) or PostgreSQL (a schema each)."""
    if request.param == "sqlite":
        store_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        store_url = str(request.getfixturevalue("pg_database"))
    path = tmp_path / "settings.toml"
    path.write_text(CONFIG.format(store_url=store_url), encoding="utf-8")
    settings = load_settings(path, environ={})
    if request.param == "postgresql":
        for account in each_account(settings):
            upgrade_schema(account.store.url)
    runtimes = {account.account or "": open_runtime(account) for account in each_account(settings)}
    app = AccountsDaemonApp(runtimes, owns_runtimes=True)  # not started: nothing is processed
    yield app
    app.stop(1.0)


def _pending(app: AccountsDaemonApp, account: str) -> int:
    return app.apps[account].runtime.store.inbox_counts().get("pending", 0)


def _orderchamp(app: AccountsDaemonApp, account_id: str, secret: str,
                order_id: str = "T3JkZXI6MQ") -> int:
    body = json.dumps({"data": {"order": {"id": order_id}}}).encode()
    status, _ = call(app, "POST", "/webhooks/orderchamp", body, {
        "X-Orderchamp-Event": "ORDER_CONFIRMED", "X-Orderchamp-Signature": sign(body, secret),
        "X-Orderchamp-Account-Id": account_id})
    return status


def test_orderchamp_webhooks_go_to_the_inbox_of_their_account(front: AccountsDaemonApp) -> None:
    assert _orderchamp(front, "QWNjb3VudDoy", "secret-b") == 200
    assert (_pending(front, "shop_a"), _pending(front, "shop_b")) == (0, 1)
    # the same order id and body in the other account is a different delivery, not a duplicate
    assert _orderchamp(front, "QWNjb3VudDox", "secret-a") == 200
    assert (_pending(front, "shop_a"), _pending(front, "shop_b")) == (1, 1)
    # signed with the other account's secret: refused, nothing stored
    assert _orderchamp(front, "QWNjb3VudDox", "secret-b", "T3JkZXI6Mg") == 401
    assert _orderchamp(front, "QWNjb3VudDo5", "secret-a", "T3JkZXI6Mg") == 403
    assert (_pending(front, "shop_a"), _pending(front, "shop_b")) == (1, 1)


def test_adapter_routes_go_to_the_account_owning_the_instance(front: AccountsDaemonApp) -> None:
    body = json.dumps({"resource_url": "https://ssapi.shipstation.com/shipments?x=1",
                       "resource_type": "SHIP_NOTIFY"}).encode()
    assert call(front, "POST", "/webhooks/shipstation/ss_b/token-of-b", body)[0] == 200
    assert (_pending(front, "shop_a"), _pending(front, "shop_b")) == (0, 1)
    assert call(front, "POST", "/webhooks/shipstation/ss_a/token-of-a", body)[0] == 200
    assert (_pending(front, "shop_a"), _pending(front, "shop_b")) == (1, 1)
    # another instance's token, or an instance nobody has: 404 from the adapter's route
    assert call(front, "POST", "/webhooks/shipstation/ss_a/token-of-b", body)[0] == 404
    assert call(front, "POST", "/webhooks/shipstation/ss_c/token-of-a", body)[0] == 404
    assert call(front, "GET", "/nowhere")[0] == 404


def test_metrics_carry_the_account_label(front: AccountsDaemonApp) -> None:
    _orderchamp(front, "QWNjb3VudDox", "secret-b")
    _orderchamp(front, "QWNjb3VudDo5", "secret-a")
    status, raw = call(front, "GET", "/metrics")
    assert status == 200
    text = raw.decode()
    assert ('oc_bridge_webhooks_received_total{account="shop_a",event="ORDER_CONFIRMED",'
            'outcome="bad_signature",source="orderchamp"} 1.0') in text
    assert ('oc_bridge_webhooks_received_total{event="ORDER_CONFIRMED",'
            'outcome="unknown_account",source="orderchamp"} 1.0') in text
    assert 'oc_bridge_inbox_depth{account="shop_b"} 0.0' in text
    # one HELP/TYPE per metric name, however many accounts
    assert text.count("# TYPE oc_bridge_inbox_depth gauge") == 1


def test_readiness_reports_each_account(front: AccountsDaemonApp) -> None:
    status, data = call_json(front, "GET", "/readyz")
    # no reconciliation has run yet: reported per account, but the receiver stays in rotation
    assert status == 200
    assert data["status"] == "degraded"
    assert set(data["accounts"]) == {"shop_a", "shop_b"}
    assert data["accounts"]["shop_a"]["reconcile"] == "not yet"
    front.apps["shop_a"].ctx.mark_reconciled()
    front.apps["shop_b"].ctx.mark_reconciled()
    assert call_json(front, "GET", "/readyz")[1]["status"] == "ready"


def test_log_lines_name_the_account(front: AccountsDaemonApp,
                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="oc_bridge")
    assert _orderchamp(front, "QWNjb3VudDoy", "secret-b") == 200
    stored = [r for r in caplog.records if "stored" in r.getMessage()]
    assert stored and all(getattr(r, "account", None) == "shop_b" for r in stored)
    assert stored[0].getMessage().startswith("[shop_b] webhook ORDER_CONFIRMED")
    caplog.clear()
    logging.getLogger("oc_bridge.test").info("outside any account")
    assert not hasattr(caplog.records[0], "account")


def test_create_app_serves_every_account(tmp_path: Path) -> None:
    """The WSGI factory (gunicorn) gives the front for settings with [accounts.*]."""
    path = tmp_path / "settings.toml"
    path.write_text(CONFIG.format(store_url=f"sqlite:///{tmp_path / 'ledger.db'}"),
                    encoding="utf-8")
    app = create_app(load_settings(path, environ={}), start=False)
    try:
        assert isinstance(app, AccountsDaemonApp)
        assert sorted(app.apps) == ["shop_a", "shop_b"]
        assert _orderchamp(app, "QWNjb3VudDox", "secret-a") == 200
        assert (_pending(app, "shop_a"), _pending(app, "shop_b")) == (1, 0)
    finally:
        app.stop(1.0)


def test_each_account_has_its_own_client_budget_engine_and_workers(
        front: AccountsDaemonApp) -> None:
    """What keeps a throttled account from slowing another: nothing on the way is shared."""
    a, b = front.apps["shop_a"], front.apps["shop_b"]
    assert a.runtime.client.bucket is not None and b.runtime.client.bucket is not None
    assert (a.runtime.client.bucket.capacity, a.runtime.client.bucket.restore_rate) == (40, 2)
    assert (b.runtime.client.bucket.capacity, b.runtime.client.bucket.restore_rate) == (1000, 50)
    assert a.runtime.client is not b.runtime.client
    assert a.runtime.store is not b.runtime.store
    assert a.ctx.engine is not b.ctx.engine  # this thread's engine of each account
    assert a.workers is not b.workers and a.processor is not b.processor
    assert {job.name for job in a.jobs} == {job.name for job in b.jobs}
    assert not {id(job) for job in a.jobs} & {id(job) for job in b.jobs}


def test_one_console_over_every_account(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(CONFIG.format(store_url=f"sqlite:///{tmp_path / 'ledger.db'}")
                    + "\n[console]\nenabled = true\n", encoding="utf-8")
    settings = load_settings(path, environ={})
    app = AccountsDaemonApp({a.account or "": open_runtime(a) for a in each_account(settings)},
                            owns_runtimes=True)
    try:
        # never the first account's console passed off as the whole deployment: one console
        # on the front, over every account (tests/console/test_console_accounts.py)
        assert app.console is not None and list(app.console.accounts) == ["shop_a", "shop_b"]
        assert all(account.console is None for account in app.apps.values())
        assert call(app, "GET", "/console/login")[0] == 200
        single = AccountsDaemonApp({"shop_a": open_runtime(next(each_account(settings)))},
                                   owns_runtimes=True)
        try:
            assert single.console is not None and list(single.console.accounts) == ["shop_a"]
        finally:
            single.stop(1.0)
    finally:
        app.stop(1.0)
