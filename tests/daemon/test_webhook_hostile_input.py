"""The webhook routes never answer 5xx to bad input, and never store without a valid signature.

Driven through the daemon's real WSGI app in-process (real SQLite ledger, real routes): header
values arrive as a WSGI server hands them over (latin-1 text, PEP 3333), bodies are arbitrary
bytes, JSON of any shape, or deeply nested JSON; signatures are valid, wrong or absent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oc_bridge_rest import RestWmsAdapter
from oc_bridge_shipstation import ShipStationAdapter
from test_adapter_routes_and_cli import wsgi
from wsgi_client import call

from oc_bridge.adapter import AdapterContext
from oc_bridge.daemon.app import DaemonApp
from oc_bridge.orderchamp.signatures import sign
from oc_bridge.runtime import open_runtime
from oc_bridge.settings import load_settings

SECRET = "s"
ACCOUNT = "QWNjb3VudDox"
PATH = "/webhooks/orderchamp"
DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_ORDER = b'{"data":{"order":{"id":"T3JkZXI6MQ==","x":' + DEEP + b"}}}"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonApp]:
    root = tmp_path_factory.mktemp("hostile")
    loaded = load_settings(None, environ={}, overrides={
        "orderchamp": {"api_url": "http://127.0.0.1:9/v1/graphql", "token": "t",
                       "webhook_secret": SECRET, "account_id": ACCOUNT},
        "store": {"url": f"sqlite:///{root / 'ledger.db'}"},
        "daemon": {"max_body_bytes": 262_144}})
    daemon = DaemonApp(open_runtime(loaded, environ={}), owns_runtime=True)
    yield daemon
    daemon.stop(1)


def stored(app: DaemonApp) -> int:
    return sum(app.runtime.store.inbox_counts().values())


def signed(body: bytes, **extra: str) -> dict[str, str]:
    return {"X-Orderchamp-Event": "ORDER_UPDATED", "X-Orderchamp-Signature": sign(body, SECRET),
            "X-Orderchamp-Account-Id": ACCOUNT, **extra}


def test_a_non_ascii_signature_is_refused_with_401_without_a_traceback(
        app: DaemonApp, caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"data":{"order":{"id":"T3JkZXI6MQ=="}}}'
    before = stored(app)
    with caplog.at_level(logging.WARNING):
        for signature in ("\u00e9" * 64, sign(body, SECRET)[:-1] + "\u00ff", "\u00a0"):
            assert call(app, "POST", PATH, body,
                        signed(body, **{"X-Orderchamp-Signature": signature}))[0] == 401
    assert stored(app) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_signed_body_nested_50000_deep_is_a_400(app: DaemonApp) -> None:
    before = stored(app)
    assert call(app, "POST", PATH, DEEP_ORDER, signed(DEEP_ORDER))[0] == 400
    assert call(app, "POST", PATH, DEEP, signed(DEEP))[0] == 400
    assert stored(app) == before


def test_a_signed_order_id_that_is_not_text_is_a_400(app: DaemonApp) -> None:
    for order_id in ([["x"]], {"a": 1}, True, 1.5, "line\nbreak", "x" * 1000):
        body = json.dumps({"data": {"order": {"id": order_id}}}).encode()
        assert call(app, "POST", PATH, body, signed(body))[0] == 400, order_id


def test_adapter_routes_answer_400_to_a_deeply_nested_body(tmp_path: Path) -> None:
    config = ShipStationAdapter.parse_config("ss", {"api_key": "k", "api_secret": "s",
                                                    "webhook_token": "tok123"})
    adapter = ShipStationAdapter(config, AdapterContext(
        instance="ss", state_dir=tmp_path / "ss", logger=logging.getLogger("t")))
    wsgi_app, kept = wsgi({"ss": adapter}, {"ss": "shipstation"}, max_body_bytes=262_144)
    assert call(wsgi_app, "POST", "/webhooks/shipstation/ss/tok123", DEEP)[0] == 400
    assert call(wsgi_app, "POST", "/webhooks/shipstation/ss/t\u00e9k", b"{}")[0] == 404
    assert not kept
    adapter.close()


def test_the_rest_route_answers_400_to_a_signed_deeply_nested_body(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICQER_API_KEY", "picqer-key")
    monkeypatch.setenv("PICQER_WEBHOOK_SECRET", "hook-secret")
    config = RestWmsAdapter.parse_config("picqer", {
        "profile": "picqer", "base_url": "http://127.0.0.1:9/api/v1",
        "headers": {"User-Agent": "oc-bridge tests (ops@example.com)"},
        "webhook": {"enabled": True, "secret_env": "PICQER_WEBHOOK_SECRET"}})
    adapter = RestWmsAdapter(config, AdapterContext(
        instance="picqer", state_dir=tmp_path / "picqer", logger=logging.getLogger("t")))
    wsgi_app, kept = wsgi({"picqer": adapter}, {"picqer": "rest"}, max_body_bytes=262_144)
    # Picqer signs with base64 HMAC-SHA256 of the raw body in X-Picqer-Signature.
    signature = base64.b64encode(hmac.new(b"hook-secret", DEEP, hashlib.sha256).digest())
    assert call(wsgi_app, "POST", "/webhooks/rest/picqer", DEEP,
                {"X-Picqer-Signature": signature.decode()})[0] == 400
    assert call(wsgi_app, "POST", "/webhooks/rest/picqer", DEEP,
                {"X-Picqer-Signature": "\u00e9t\u00e9"})[0] == 401
    assert not kept
    adapter.close()


# -- the property: arbitrary input never gives a 5xx, never stores without a valid signature --

latin1 = st.text(st.characters(min_codepoint=0, max_codepoint=255, blacklist_categories=()),
                 max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | latin1,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(latin1, inner, max_size=4),
    max_leaves=20)
order_ids = st.one_of(json_values, st.text(max_size=40), st.sampled_from(["T3JkZXI6MQ==", ""]))
shaped = st.builds(
    lambda key, oid, extra: {"data": {key: {"id": oid, "order": {"id": oid}, "x": extra}}},
    st.sampled_from(["order", "invoice", "other"]), order_ids, json_values)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    shaped.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.integers(1, 60_000).map(lambda n: b'{"data":{"order":' * 1 + b"[" * n + b"]" * n + b"}}"),
)
events = st.one_of(latin1, st.sampled_from(["ORDER_CREATED", "ORDER_UPDATED",
                                            "ORDER_CONFIRMED", "ORDER_CANCELLED",
                                            "INVOICE_CREATED", "order_created "]))
other_headers = st.dictionaries(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
    .filter(lambda name: name.lower() not in {"content-length"}), latin1, max_size=4)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies, event=events, signature=st.one_of(st.none(), latin1, st.just("valid")),
       account=st.one_of(st.none(), latin1, st.just(ACCOUNT)), others=other_headers)
def test_arbitrary_requests_never_give_5xx_nor_store_without_a_signature(
        app: DaemonApp, body: bytes, event: str, signature: str | None, account: str | None,
        others: dict[str, str]) -> None:
    headers: dict[str, Any] = dict(others)
    headers["X-Orderchamp-Event"] = event
    valid = signature == "valid"
    if signature is not None:
        headers["X-Orderchamp-Signature"] = sign(body, SECRET) if valid else signature
    if account is not None:
        headers["X-Orderchamp-Account-Id"] = account
    before = stored(app)
    status, _ = call(app, "POST", PATH, body, headers)
    assert status < 500
    if not valid and signature != sign(body, SECRET):
        assert status == 401
        assert stored(app) == before
    if status != 200:
        assert stored(app) == before
