"""Capabilities: declared per class (each one's method overridden, checked at registration),
enabled per configured instance by ``capabilities_for`` (a subset, checked when built)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from plugin_helpers import FakeEntryPoint, ToyConfig, adapter_plugin, make_adapter_class

from oc_bridge.adapter import Adapter, AdapterConfig, Capability
from oc_bridge.errors import PluginError
from oc_bridge.plugins import PluginHost
from oc_bridge.plugins.manager import validate_adapter_class
from oc_bridge.settings import Settings


class _Lazy(Adapter[ToyConfig]):
    """Declares pulling shipments and stock but implements neither."""

    name: ClassVar[str] = "lazy"
    Config: ClassVar[type[AdapterConfig]] = ToyConfig
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.PULL_SHIPMENTS, Capability.STOCK_LEVELS})


def test_a_declared_capability_without_its_method_is_a_load_error() -> None:
    with pytest.raises(PluginError) as caught:
        validate_adapter_class(_Lazy)
    assert "'lazy'" in str(caught.value)
    assert "pull_shipments needs fetch_shipments()" in str(caught.value)
    assert "stock_levels needs fetch_stock()" in str(caught.value)


def _toy_with(capabilities_for: Callable[[ToyConfig], object]) -> type[Adapter[ToyConfig]]:
    base = make_adapter_class("toy")

    class Toy(base):  # type: ignore[valid-type, misc]
        @classmethod
        def capabilities_for(cls, config: ToyConfig) -> frozenset[Capability]:
            return capabilities_for(config)  # type: ignore[return-value]

    return Toy


@pytest.mark.parametrize(("capabilities_for", "message"), [
    (lambda config: frozenset({Capability.SUBMIT_ORDERS, Capability.INVOICES}),
     "capabilities the class does not declare: invoices"),
    (lambda config: {"submit_orders"}, "must return a frozenset of Capability"),
    (lambda config: 1 / 0, "capabilities_for failed: ZeroDivisionError"),
])
def test_instance_capabilities_are_checked_when_built(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings], tmp_path: Path,
    capabilities_for: Callable[[ToyConfig], object], message: str,
) -> None:
    entry_points(FakeEntryPoint("toys", adapter_plugin("toys", _toy_with(capabilities_for))))
    settings = settings_factory(adapters={"shop": {"type": "toy"}})
    with pytest.raises(PluginError) as caught:
        PluginHost.load(environ={}).build_adapters(settings, state_dir=tmp_path)
    assert "adapters.shop:" in str(caught.value) and message in str(caught.value)


def test_capabilities_follow_the_instance_config(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    toy = _toy_with(lambda config: frozenset() if config.size > 1 else
                    frozenset({Capability.SUBMIT_ORDERS}))
    entry_points(FakeEntryPoint("toys", adapter_plugin("toys", toy)))
    settings = settings_factory(adapters={"small": {"type": "toy"},
                                          "big": {"type": "toy", "size": 2}})
    adapters = PluginHost.load(environ={}).build_adapters(settings, state_dir=tmp_path)
    assert adapters["small"].supports(Capability.SUBMIT_ORDERS)
    assert not adapters["big"].supports(Capability.SUBMIT_ORDERS)
    assert adapters["big"].enabled_capabilities == frozenset()
