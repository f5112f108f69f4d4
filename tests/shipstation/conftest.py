"""Fixtures: a fake ShipStation on loopback sharing a manual clock with the adapter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import oc_bridge_shipstation as shipstation_plugin
import pytest
from fakes.shipstation.clock import ManualClock
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter
from oc_bridge_shipstation.config import ShipStationConfig

from oc_bridge.adapter import AdapterContext
from oc_bridge.plugins import PluginHost

from .helpers import WallClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def fake(clock: ManualClock, wall: WallClock) -> Iterator[FakeShipStation]:
    with FakeShipStation(api_key="key", api_secret="secret", api_key_v2="v2key",
                         clock=clock.now) as server:
        server.store.now = wall
        yield server


AdapterFactory = Callable[..., ShipStationAdapter]


@pytest.fixture
def make_adapter(fake: FakeShipStation, clock: ManualClock, wall: WallClock,
                 tmp_path: Path) -> Iterator[AdapterFactory]:
    built: list[ShipStationAdapter] = []

    def build(instance: str = "shipstation", **options: Any) -> ShipStationAdapter:
        values: dict[str, Any] = {"api_key": "key", "api_secret": "secret",
                                  "base_url": fake.base_url, "store_id": 12345,
                                  "base_url_v2": fake.base_url_v2}
        values.update(options)
        config = ShipStationAdapter.parse_config(instance, values)
        assert isinstance(config, ShipStationConfig)
        context = AdapterContext(instance=instance, state_dir=tmp_path / instance,
                                 logger=logging.getLogger("test.shipstation"))
        adapter = ShipStationAdapter(config, context, sleep=clock.sleep, clock=clock.now,
                                     now=wall)
        built.append(adapter)
        return adapter

    yield build
    for adapter in built:
        adapter.close()


@pytest.fixture
def adapter(make_adapter: AdapterFactory) -> ShipStationAdapter:
    return make_adapter()


@pytest.fixture
def plugin_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load this plugin even before its entry point is installed."""
    original = PluginHost.load.__func__  # type: ignore[attr-defined]

    def load(cls: type[PluginHost], **kwargs: Any) -> PluginHost:
        host: PluginHost = original(cls, **kwargs)
        if "shipstation" in host.adapter_classes:
            return host
        extra = [*kwargs.pop("extra_plugins", ()), shipstation_plugin]
        return original(cls, extra_plugins=extra, **kwargs)

    monkeypatch.setattr(PluginHost, "load", classmethod(load))
