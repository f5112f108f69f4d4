"""The console over real HTTP against ``oc-bridge run``: every route refused without a session,
log-in, CSRF, rate limit, security headers, the trusted-header mode, secrets never shown."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests
from console_helpers import (
    PASSWORD,
    PASSWORD_HASH,
    USER,
    MakeDaemon,
    console_config,
    csrf_of,
    logged_in,
)
from daemon_helpers import Daemon

from oc_bridge.console import ROUTES
from oc_bridge.console.app import CONTENT_SECURITY_POLICY
from oc_bridge.console.auth import SECRET_CURSOR
from oc_bridge.errors import SettingsError
from oc_bridge.settings import load_settings
from oc_bridge.store import ParkedKind, open_store

pytestmark = pytest.mark.slow

#: Routes answered without log-in: the form and the stylesheet, nothing from the ledger.
PUBLIC = {("GET", "/console/login"), ("POST", "/console/login"),
          ("GET", "/console/static/<name>")}


def concrete(pattern: str) -> str:
    """A URL for a route pattern: each ``<param>`` filled with a plausible value."""
    return re.sub(r"<(\w+)>", lambda m: {"parked_id": "1", "name": "console.css"}.get(
        m.group(1), "T3JkZXI6MQ"), pattern)


def test_only_the_login_form_and_stylesheet_are_public() -> None:
    assert {(r.method, r.pattern) for r in ROUTES if r.public} == PUBLIC


def test_every_console_url_without_a_session_is_refused(console_daemon: Daemon) -> None:
    anonymous = requests.Session()
    for route in ROUTES:
        if route.public:
            continue
        url = console_daemon.base + concrete(route.pattern)
        for cookie in (None, "forged.value", "eyJ1IjoiYWRtaW4ifQ.AAAA"):
            headers = {"Cookie": f"oc_console={cookie}"} if cookie else {}
            answer = anonymous.request(route.method, url, headers=headers,
                                       allow_redirects=False, timeout=10,
                                       data={"csrf_token": "x"} if route.method == "POST"
                                       else None)
            if route.method == "GET":
                assert answer.status_code == 303, (route, answer.status_code)
                assert answer.headers["Location"].startswith("/console/login?next=")
            else:
                assert answer.status_code == 401, (route, answer.status_code)
            assert len(answer.content) < 20 and "csrf" not in answer.text, route
            assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_public_routes_show_no_ledger_data(console_daemon: Daemon) -> None:
    form = requests.get(f"{console_daemon.base}/console/login", timeout=10)
    assert form.status_code == 200 and 'name="password"' in form.text
    assert "Parked" not in form.text and "Overview" not in form.text
    css = requests.get(f"{console_daemon.base}/console/static/console.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    for name in ("../app.py", "%2e%2e%2fapp.py", "missing.css", "views.py"):
        assert requests.get(f"{console_daemon.base}/console/static/{name}",
                            timeout=10).status_code == 404


def test_login_sets_a_strict_session_cookie_and_pages_carry_security_headers(
    console_daemon: Daemon,
) -> None:
    session = requests.Session()
    form = session.get(f"{console_daemon.base}/console/login", timeout=10)
    cookie = form.headers["Set-Cookie"]
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/console/", "Max-Age=28800"):
        assert flag in cookie
    answer = session.post(f"{console_daemon.base}/console/login", allow_redirects=False,
                          timeout=10, data={"csrf_token": csrf_of(form.text), "user": USER,
                                            "password": PASSWORD, "next": "/console/parked"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/parked"
    new_cookie = answer.headers["Set-Cookie"]
    assert new_cookie.split(";")[0] != cookie.split(";")[0]  # a new session at log-in
    for path in ("/console/", "/console/parked", "/console/adapters", "/console/webhooks"):
        page = session.get(console_daemon.base + path, timeout=10)
        assert page.status_code == 200, path
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Cache-Control"] == "no-store"
        assert "<script" not in page.text and "style=" not in page.text


def test_login_refuses_wrong_passwords_forged_tokens_and_open_redirects(
    console_daemon: Daemon,
) -> None:
    session = requests.Session()
    base = f"{console_daemon.base}/console"
    token = csrf_of(session.get(f"{base}/login", timeout=10).text)
    wrong = session.post(f"{base}/login", timeout=10, data={
        "csrf_token": token, "user": USER, "password": "guess"})
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    forged = session.post(f"{base}/login", timeout=10, data={
        "csrf_token": token[:-2] + "xx", "user": USER, "password": PASSWORD})
    assert forged.status_code == 403
    other_user = session.post(f"{base}/login", timeout=10, data={
        "csrf_token": token, "user": "root", "password": PASSWORD})
    assert other_user.status_code == 401
    answer = session.post(f"{base}/login", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "user": USER, "password": PASSWORD,
        "next": "//evil.example/console/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/console/"


def test_actions_need_the_sessions_csrf_token(console_daemon: Daemon) -> None:
    session = logged_in(console_daemon.base)
    other = logged_in(console_daemon.base)
    page = session.get(f"{console_daemon.base}/console/", timeout=10)
    token = csrf_of(page.text)
    for forged in ("", "forged", csrf_of(other.get(f"{console_daemon.base}/console/",
                                                   timeout=10).text)):
        answer = session.post(f"{console_daemon.base}/console/parked/1/retry", timeout=10,
                              data={"csrf_token": forged}, allow_redirects=False)
        assert answer.status_code == 403, forged
    answer = session.post(f"{console_daemon.base}/console/parked/1/retry", timeout=10,
                          data={"csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 303  # accepted; the item does not exist, said on the page
    assert "Retry of #1 refused: no open parked item #1" in session.get(
        f"{console_daemon.base}/console/parked", timeout=10).text
    logout = session.post(f"{console_daemon.base}/console/logout", timeout=10,
                          data={"csrf_token": token}, allow_redirects=False)
    assert logout.status_code == 303
    assert session.get(f"{console_daemon.base}/console/", timeout=10,
                       allow_redirects=False).status_code == 303


def test_failed_logins_are_rate_limited_per_client(make_console_daemon: MakeDaemon) -> None:
    daemon = make_console_daemon("login_attempts = 3\nlogin_window = 3600")
    session = requests.Session()
    base = f"{daemon.base}/console"
    token = csrf_of(session.get(f"{base}/login", timeout=10).text)
    codes = [session.post(f"{base}/login", timeout=10, data={
        "csrf_token": token, "user": USER, "password": f"guess {i}"}).status_code
        for i in range(4)]
    assert codes == [401, 401, 401, 429]
    right = session.post(f"{base}/login", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "user": USER, "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits out the window
    assert "failed log-in" in daemon.log() and "too many failed attempts" in daemon.log()


def test_trusted_header_is_believed_only_from_a_trusted_proxy(
    make_console_daemon: MakeDaemon,
) -> None:
    trusted = make_console_daemon('trusted_header = "X-Forwarded-User"\n'
                                  'trusted_proxies = ["127.0.0.0/8"]', name="trusted")
    page = requests.get(f"{trusted.base}/console/parked", timeout=10,
                        headers={"X-Forwarded-User": "jdoe@example.com"})
    assert page.status_code == 200 and "jdoe@example.com" in page.text
    assert requests.get(f"{trusted.base}/console/parked", timeout=10,
                        allow_redirects=False).status_code == 303
    trusted.stop()
    elsewhere = make_console_daemon('trusted_header = "X-Forwarded-User"\n'
                                    'trusted_proxies = ["10.1.2.3"]', name="elsewhere")
    refused = requests.get(f"{elsewhere.base}/console/parked", timeout=10,
                           allow_redirects=False, headers={"X-Forwarded-User": "jdoe"})
    assert refused.status_code == 303
    assert "not a trusted proxy" in elsewhere.log()


def test_console_is_off_unless_enabled(make_console_daemon: MakeDaemon) -> None:
    daemon = make_console_daemon(start=False)
    daemon.config.write_text(daemon.config.read_text(encoding="utf-8").replace(
        "enabled = true\nuser", "enabled = false\nuser"), encoding="utf-8")
    daemon.start()
    assert requests.get(f"{daemon.base}/console/", timeout=10).status_code == 404
    assert requests.get(f"{daemon.base}/console/login", timeout=10).status_code == 404


def test_secrets_are_never_rendered(console_daemon: Daemon) -> None:
    session = logged_in(console_daemon.base)
    with open_store(f"sqlite:///{console_daemon.root / 'ledger.db'}") as store:
        kept_secret = store.get_cursor(SECRET_CURSOR)
    assert kept_secret
    for path in ("/console/", "/console/parked", "/console/adapters", "/console/webhooks",
                 "/console/orders/T3JkZXI6MQ"):
        page = session.get(console_daemon.base + path, timeout=10).text
        for secret in ("sandbox-token", PASSWORD_HASH, PASSWORD_HASH.split("$")[-1],
                       kept_secret):
            assert secret not in page, (path, secret[:8])


def test_set_password_prints_a_hash_the_console_accepts(
    make_console_daemon: MakeDaemon,
) -> None:
    daemon = make_console_daemon(start=False)
    result = subprocess.run([sys.executable, "-m", "oc_bridge", "console", "set-password",
                             "--stdin"], input="a much better password\n", text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    digest = result.stdout.strip()
    assert digest.startswith("scrypt$") and "a much better password" not in result.stdout
    daemon.config.write_text(daemon.config.read_text(encoding="utf-8").replace(
        PASSWORD_HASH, digest), encoding="utf-8")
    daemon.start()
    logged_in(daemon.base, password="a much better password")
    short = subprocess.run([sys.executable, "-m", "oc_bridge", "console", "set-password",
                            "--stdin"], input="short\n", text=True, capture_output=True,
                           timeout=60, check=False)
    assert short.returncode == 1 and "at least 10 characters" in short.stderr


def test_console_settings_hide_the_hash_in_errors() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ={"OC_BRIDGE_CONSOLE__PASSWORD_HASH": "plain-text-password"})
    assert "plain-text-password" not in str(caught.value)
    assert "console.password_hash" in str(caught.value)
    ok = load_settings(environ={"OC_BRIDGE_CONSOLE__PASSWORD_HASH": PASSWORD_HASH,
                                "OC_BRIDGE_CONSOLE__ENABLED": "true"})
    assert ok.console.enabled and PASSWORD_HASH not in repr(ok)
    assert console_config()  # the helper every test installation uses


def test_adapters_page_shows_each_check_result(make_console_daemon: MakeDaemon) -> None:
    daemon = make_console_daemon(start=False)
    blocker = daemon.root / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with daemon.config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[adapters.csv_eu]\ntype = "csv"\noutbound_dir = "{blocker}"\n'
                     f'inbound_dir = "{daemon.root / "in-eu"}"\n')
    daemon.start()
    page = logged_in(daemon.base).get(f"{daemon.base}/console/adapters", timeout=10).text
    eu = page[page.index('id="adapter-csv_eu"'):]
    assert f"outbound_dir {blocker} is not a folder" in eu
    plain = page[page.index('id="adapter-csv"'):page.index('id="adapter-csv_eu"')]
    assert '<span class="ok-text">ok</span>' in plain and "submit_orders" in plain


def test_webhooks_page_counts_refused_deliveries(console_daemon: Daemon) -> None:
    body = b'{"data": {"order": {"id": "T3JkZXI6MQ"}}}'
    assert console_daemon.post("ORDER_UPDATED", body, signature="0" * 64).status_code == 401
    assert console_daemon.post("ORDER_UPDATED", b"not json").status_code == 400
    page = logged_in(console_daemon.base).get(f"{console_daemon.base}/console/webhooks",
                                              timeout=10).text
    refused = page[page.index("Refused deliveries"):]
    assert re.search(r'<p class="big">2</p>', refused)
    assert "bad_signature 1" in page and "bad_request 1" in page
    assert console_daemon.webhook_url in page  # the subscriptions Orderchamp lists


def test_parked_page_filters_by_kind_adapter_text_and_state(console_daemon: Daemon) -> None:
    with open_store(f"sqlite:///{console_daemon.root / 'ledger.db'}") as store:
        store.park(ParkedKind.ORDER, "T3JkZXI6NQ", instance="csv", order_number="OC-5",
                   reason="line 2: SKU <b>WIDGET-9</b> is not mapped")
        shipment = store.park(ParkedKind.SHIPMENT, "csv:OC-6:3S1", instance="csv",
                              order_number="OC-6", reason="unknown order number OC-6")
        store.park(ParkedKind.INBOUND, "bad.csv", instance="csv",
                   reason="bad.csv row 3: quantity 'x' is not a number")
        closed = store.park(ParkedKind.ORDER, "T3JkZXI6OA", instance="csv",
                            order_number="OC-8", reason="fixed long ago")
        store.resolve_parked(closed.id, "retried")
    session = logged_in(console_daemon.base)

    def rows(query: str) -> list[str]:
        page = session.get(f"{console_daemon.base}/console/parked?{query}", timeout=10).text
        return re.findall(r'<tr id="parked-(\d+)"', page)

    assert len(rows("")) == 3
    assert rows("kind=shipment") == [str(shipment.id)]
    assert len(rows("kind=order&adapter=csv")) == 1
    assert rows("adapter=nowhere") == []
    assert rows("q=oc-6") == [str(shipment.id)]  # order number, any case
    assert len(rows("show=all")) == 4 and str(closed.id) in rows("show=all&q=long+ago")
    page = session.get(f"{console_daemon.base}/console/parked?kind=order", timeout=10).text
    assert "SKU &lt;b&gt;WIDGET-9&lt;/b&gt; is not mapped" in page  # exact, escaped
    assert 'href="/console/orders/T3JkZXI6NQ"' in page
