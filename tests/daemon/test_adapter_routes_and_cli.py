"""Adapter webhook routes through the hook, ``webhooks register`` idempotency, SIGTERM."""

from __future__ import annotations

import json
import logging
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
from daemon_helpers import Daemon
from fakes.rest_wms import FakePicqer
from oc_bridge_rest import RestWmsAdapter
from oc_bridge_rest.routes import add_routes as rest_routes
from oc_bridge_shipstation import ShipStationAdapter
from oc_bridge_shipstation.routes import add_routes as shipstation_routes
from wsgi_client import call

from oc_bridge.adapter import AdapterContext
from oc_bridge.cli import CliEnv, main
from oc_bridge.daemon.adapter_routes import RouteContext
from oc_bridge.daemon.web import Router, WsgiApp
from oc_bridge.store import InboxDelivery
from oc_bridge.testing import make_fulfilment_order


def wsgi(adapters: dict[str, Any], types: dict[str, str],
         max_body_bytes: int = 4096) -> tuple[WsgiApp, list[Any]]:
    stored: list[InboxDelivery] = []

    def store(delivery: InboxDelivery) -> bool:
        stored.append(delivery)
        return True

    router = Router()
    context = RouteContext(adapters, types, store, lambda *_a: None)
    shipstation_routes(router, context)
    rest_routes(router, context)
    return WsgiApp(router, max_body_bytes=max_body_bytes), stored


def test_shipstation_route_needs_the_token(tmp_path: Path) -> None:
    config = ShipStationAdapter.parse_config("ss", {"api_key": "k", "api_secret": "s",
                                                    "webhook_token": "tok123"})
    adapter = ShipStationAdapter(config, AdapterContext(
        instance="ss", state_dir=tmp_path / "ss", logger=logging.getLogger("t")))
    app, stored = wsgi({"ss": adapter}, {"ss": "shipstation"})
    body = json.dumps({"resource_url": "https://ssapi.shipstation.com/shipments?x=1",
                       "resource_type": "SHIP_NOTIFY"}).encode()
    assert call(app, "POST", "/webhooks/shipstation/ss/wrong", body)[0] == 404
    assert call(app, "POST", "/webhooks/shipstation/other/tok123", body)[0] == 404
    assert not stored
    assert call(app, "POST", "/webhooks/shipstation/ss/tok123", body)[0] == 200
    assert stored[0].source == "adapter:ss" and stored[0].event == "SHIP_NOTIFY"
    adapter.close()


def test_rest_route_verifies_the_signature_before_storing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICQER_API_KEY", "picqer-key")
    monkeypatch.setenv("PICQER_WEBHOOK_SECRET", "hook-secret")
    with FakePicqer(api_key="picqer-key") as fake:
        config = RestWmsAdapter.parse_config("picqer", {
            "profile": "picqer", "base_url": fake.base_url,
            "headers": {"User-Agent": "oc-bridge tests (ops@example.com)"},
            "timeout": {"connect": 2.0, "read": 0.5}, "max_attempts": 2,
            "webhook": {"enabled": True, "secret_env": "PICQER_WEBHOOK_SECRET"}})
        adapter = RestWmsAdapter(config, AdapterContext(
            instance="picqer", state_dir=tmp_path / "picqer", logger=logging.getLogger("t")))
        order = make_fulfilment_order(2)
        adapter.submit_order(order)
        fake.ship(order, tracking_number="3SXYZ")
        headers, body = fake.webhook_delivery(fake.shipments[-1], "hook-secret")
        app, stored = wsgi({"picqer": adapter}, {"picqer": "rest"})
        forged, _ = fake.webhook_delivery(fake.shipments[-1], "wrong-secret")
        assert call(app, "POST", "/webhooks/rest/picqer", body, forged)[0] == 401
        assert not stored
        assert call(app, "POST", "/webhooks/rest/picqer", body, headers)[0] == 200
        assert len(stored) == 1 and stored[0].source == "adapter:picqer"
        adapter.close()


def test_webhooks_register_is_idempotent(daemon: Daemon) -> None:
    def run(*args: str) -> str:
        out = StringIO()
        code = main(["--config", str(daemon.config), *args],
                    env=CliEnv(stdout=out, stderr=StringIO(), environ={}))
        assert code == 0
        return out.getvalue()

    first = run("webhooks", "register", "--url", daemon.webhook_url)
    assert first.count("created") == 5
    second = run("webhooks", "register", "--url", daemon.webhook_url)
    assert second.count("kept") == 5 and "created" not in second
    listed = run("webhooks", "list").splitlines()
    assert len(listed) == 5
    run("webhooks", "delete", listed[0].split()[0])
    assert len(run("webhooks", "list").splitlines()) == 4


@pytest.mark.slow
def test_sigterm_stops_within_the_bound(daemon: Daemon) -> None:
    daemon.start()
    assert requests.get(f"{daemon.base}/healthz", timeout=2).status_code == 200
    started = time.monotonic()
    assert daemon.terminate(timeout=15) == 0
    assert time.monotonic() - started < 10
    assert "stopped" in daemon.log()


def test_rest_route_accepts_the_previous_secret_while_it_is_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICQER_API_KEY", "picqer-key")
    with FakePicqer(api_key="picqer-key") as fake:
        def build(webhook: dict[str, Any]) -> RestWmsAdapter:
            config = RestWmsAdapter.parse_config("picqer", {
                "profile": "picqer", "base_url": fake.base_url,
                "headers": {"User-Agent": "oc-bridge tests (ops@example.com)"},
                "timeout": {"connect": 2.0, "read": 0.5}, "max_attempts": 2,
                "webhook": {"enabled": True, **webhook}})
            return RestWmsAdapter(config, AdapterContext(
                instance="picqer", state_dir=tmp_path / "picqer",
                logger=logging.getLogger("t")))

        order = make_fulfilment_order(2)
        during = build({"secret": "new-secret", "secret_previous": "old-secret"})
        during.submit_order(order)
        fake.ship(order, tracking_number="3SXYZ")
        old_headers, body = fake.webhook_delivery(fake.shipments[-1], "old-secret")
        new_headers, _ = fake.webhook_delivery(fake.shipments[-1], "new-secret")
        forged, _ = fake.webhook_delivery(fake.shipments[-1], "third-secret")
        app, stored = wsgi({"picqer": during}, {"picqer": "rest"})
        assert call(app, "POST", "/webhooks/rest/picqer", body, old_headers)[0] == 200
        assert call(app, "POST", "/webhooks/rest/picqer", body, new_headers)[0] == 200
        assert call(app, "POST", "/webhooks/rest/picqer", body, forged)[0] == 401
        assert len(stored) == 2
        during.close()
        after = build({"secret": "new-secret"})  # the window closed
        app, stored = wsgi({"picqer": after}, {"picqer": "rest"})
        assert call(app, "POST", "/webhooks/rest/picqer", body, old_headers)[0] == 401
        assert call(app, "POST", "/webhooks/rest/picqer", body, new_headers)[0] == 200
        assert len(stored) == 1
        after.close()
