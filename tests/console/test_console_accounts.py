"""A several-accounts daemon has one console showing every account, one at a time: the header
switches accounts, each page reads the chosen account's ledger (in-process, no server)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, PASSWORD_HASH, USER, csrf_of

from oc_bridge.accounts import each_account
from oc_bridge.daemon.accounts import AccountsDaemonApp
from oc_bridge.runtime import open_runtime
from oc_bridge.settings import load_settings
from oc_bridge.store import ParkedKind

CONFIG = """
[orderchamp]
api_url = "http://127.0.0.1:9/v1/graphql"
max_attempts = 1

[store]
url = "sqlite:///{root}/ledger.db"

[console]
enabled = true
password_hash = "{password_hash}"

[accounts.shop_a]
account_id = "QWNjb3VudDox"
token = "token-a"
webhook_secret = "secret-a"
adapters = ["csv_a"]

[accounts.shop_b]
account_id = "QWNjb3VudDoy"
token = "token-b"
webhook_secret = "secret-b"
adapters = ["csv_b"]

[adapters.csv_a]
type = "csv"
outbound_dir = "{root}/a/out"
inbound_dir = "{root}/a/in"

[adapters.csv_b]
type = "csv"
outbound_dir = "{root}/b/out"
inbound_dir = "{root}/b/in"
"""


class Browser:
    """Calls a WSGI app in-process, keeping cookies like a browser."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, dict[str, list[str]], str]:
        body = "&".join(f"{k}={v}" for k, v in (form or {}).items()).encode()
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        answer: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]]) -> None:
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        text = b"".join(self.app(environ, start)).decode()
        headers: dict[str, list[str]] = {}
        for name, value in answer["headers"]:
            headers.setdefault(name.lower(), []).append(value)
        for value in headers.get("set-cookie", []):
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            self.cookies.update({k: m.value for k, m in jar.items()})
        return answer["status"], headers, text


@pytest.fixture
def front(tmp_path: Path) -> Iterator[AccountsDaemonApp]:
    path = tmp_path / "settings.toml"
    path.write_text(CONFIG.format(root=tmp_path, password_hash=PASSWORD_HASH), encoding="utf-8")
    settings = load_settings(path, environ={})
    runtimes = {a.account or "": open_runtime(a) for a in each_account(settings)}
    app = AccountsDaemonApp(runtimes, owns_runtimes=True)  # not started: nothing is processed
    yield app
    app.stop(1.0)


def test_one_console_switches_between_accounts(front: AccountsDaemonApp) -> None:
    front.apps["shop_b"].runtime.store.park(
        ParkedKind.ORDER, "T3JkZXI6Nw", instance="csv_b", order_number="OC-7",
        reason="no routing rule matches order OC-7")
    browser = Browser(front)
    status, headers, _ = browser.request("GET", "/console/parked")
    assert status == 303 and headers["location"][0].startswith("/console/login")
    _, _, form = browser.request("GET", "/console/login")
    status, _, _ = browser.request("POST", "/console/login", {
        "csrf_token": csrf_of(form), "user": USER, "password": PASSWORD.replace(" ", "+")})
    assert status == 303
    status, _, page = browser.request("GET", "/console/parked")
    assert status == 200 and "shop_a" in page and "shop_b" in page  # the switch
    assert "Nothing parked" in page and "OC-7" not in page  # shop_a first
    status, _, _ = browser.request("POST", "/console/account", {
        "csrf_token": csrf_of(page), "account": "shop_b", "next": "/console/parked"})
    assert status == 303
    _, _, page = browser.request("GET", "/console/parked")
    assert "no routing rule matches order OC-7" in page
    assert re.search(r'<option value="shop_b" selected>', page)
    _, _, overview = browser.request("GET", "/console/")
    assert "csv_b" in overview and "csv_a" not in overview
    status, _, _ = browser.request("POST", "/console/account", {
        "csrf_token": "forged", "account": "shop_a"})
    assert status == 403
    status, _, _ = browser.request("POST", "/console/account", {
        "csrf_token": csrf_of(page), "account": "nobody"})
    assert status == 404
