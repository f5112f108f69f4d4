"""Fixtures: Picqer- and ShipBob-shaped fake warehouses on loopback, and adapters built from
the bundled profiles exactly as the engine builds them (``parse_config`` then the class)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePicqer, FakeShipBob
from oc_bridge_rest import RestWmsAdapter

from oc_bridge.adapter import AdapterContext
from oc_bridge.testing import AdapterContract, ContractEnv, adapter_contract

PICQER_KEY = "picqer-key-123"
SHIPBOB_TOKEN = "shipbob-token-456"
PICQER_HOOK_SECRET = "picqer-hook-secret"
SHIPBOB_HOOK_SECRET = "whsec_c2hpcGJvYi13ZWJob29rLXNlY3JldC1rZXk="

AdapterFactory = Callable[..., RestWmsAdapter]


def build(options: dict[str, Any], state_dir: Path, instance: str = "wms",
          **kwargs: Any) -> RestWmsAdapter:
    """Validate ``options`` like the engine does and build the adapter."""
    config = RestWmsAdapter.parse_config(instance, options)
    context = AdapterContext(instance=instance, state_dir=state_dir / instance,
                             logger=logging.getLogger(f"test.{instance}"))
    return RestWmsAdapter(config, context, **kwargs)


@pytest.fixture
def picqer_fake() -> Iterator[FakePicqer]:
    with FakePicqer(api_key=PICQER_KEY) as fake:
        yield fake


@pytest.fixture
def shipbob_fake() -> Iterator[FakeShipBob]:
    with FakeShipBob(token=SHIPBOB_TOKEN) as fake:
        yield fake


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICQER_API_KEY", PICQER_KEY)
    monkeypatch.setenv("SHIPBOB_TOKEN", SHIPBOB_TOKEN)
    monkeypatch.setenv("PICQER_WEBHOOK_SECRET", PICQER_HOOK_SECRET)
    monkeypatch.setenv("SHIPBOB_WEBHOOK_SECRET", SHIPBOB_HOOK_SECRET)


def picqer_options(fake: FakePicqer, **overrides: Any) -> dict[str, Any]:
    """An ``[adapters.picqer]`` table using the bundled profile against ``fake``."""
    options: dict[str, Any] = {
        "profile": "picqer", "base_url": fake.base_url,
        "headers": {"User-Agent": "oc-bridge tests (ops@example.com)"},
        "timeout": {"connect": 2.0, "read": 0.5}, "max_attempts": 2,
        "webhook": {"enabled": True, "secret_env": "PICQER_WEBHOOK_SECRET"},
    }
    options.update(overrides)
    return options


def shipbob_options(fake: FakeShipBob, **overrides: Any) -> dict[str, Any]:
    """An ``[adapters.shipbob]`` table using the bundled profile against ``fake``."""
    options: dict[str, Any] = {
        "profile": "shipbob", "base_url": fake.api_url,
        "headers": {"shipbob_channel_id": fake.channel_id},
        "timeout": {"connect": 2.0, "read": 0.5}, "max_attempts": 2,
        "webhook": {"enabled": True, "secret_env": "SHIPBOB_WEBHOOK_SECRET"},
    }
    options.update(overrides)
    return options


@pytest.fixture
def picqer_adapter(picqer_fake: FakePicqer, tmp_path: Path,
                   secrets_env: None) -> Iterator[RestWmsAdapter]:
    adapter = build(picqer_options(picqer_fake), tmp_path, "picqer", sleep=lambda s: None)
    yield adapter
    adapter.close()


@pytest.fixture
def shipbob_adapter(shipbob_fake: FakeShipBob, tmp_path: Path,
                    secrets_env: None) -> Iterator[RestWmsAdapter]:
    adapter = build(shipbob_options(shipbob_fake), tmp_path, "shipbob", sleep=lambda s: None)
    yield adapter
    adapter.close()


def rest_contract(fake_fixture: str, options: Callable[[Any], dict[str, Any]],
                  instance: str) -> type[AdapterContract]:
    """The public contract suite for the adapter configured by ``options(fake)`` against the
    fake warehouse of fixture ``fake_fixture`` (which is also the probe)."""

    def table(env: ContractEnv) -> dict[str, Any]:
        env.fixture("secrets_env")
        return options(env.fixture(fake_fixture))

    return adapter_contract(
        RestWmsAdapter, options=table, probe=lambda adapter, env: env.fixture(fake_fixture),
        adapter_kwargs=lambda env: {"sleep": lambda seconds: None}, instance=instance,
        consumes_shipments=False)  # a cursor source: shipments may come back with the same key
