"""Loading plugins: one entry point at a time, failures recorded, disabling, validation."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from plugin_helpers import FakeEntryPoint, adapter_plugin, make_adapter_class

from oc_bridge.errors import PluginError
from oc_bridge.plugins import PluginHost, hookimpl, make_plugin_manager
from oc_bridge.settings import Settings


def test_builtin_and_csv_load_from_the_real_entry_points() -> None:
    host = PluginHost.load(environ={})
    assert host.failures == [] and host.blocked == []
    assert "csv" in host.adapter_classes
    info = {p["name"]: p for p in host.plugins_info()}
    assert info["csv"]["adapters"] == ["csv"] and info["csv"]["status"] == "loaded"
    assert info["csv"]["distribution"].startswith("oc-bridge ")
    assert "oc_bridge_map_order" in info["builtin"]["hooks"]


def test_make_plugin_manager_builds_a_fresh_manager_each_time() -> None:
    first, second = make_plugin_manager(), make_plugin_manager()
    assert first is not second and first.get_plugins() == set()
    assert first.project_name == "oc_bridge"


def test_a_broken_entry_point_is_reported_and_the_others_load(
    entry_points: Callable[..., None],
) -> None:
    good = adapter_plugin("good_plugin", make_adapter_class("toy"))
    entry_points(
        FakeEntryPoint("broken", ImportError("No module named 'acme_wms'"),
                       dist_name="acme-wms", dist_version="0.9"),
        FakeEntryPoint("good", good),
    )
    host = PluginHost.load(environ={})
    (failure,) = host.failures
    assert (failure.name, failure.distribution) == ("broken", "acme-wms 0.9")
    assert failure.error == "ImportError: No module named 'acme_wms'"
    assert {"csv", "toy"} <= set(host.adapter_classes)
    statuses = {p["name"]: p["status"] for p in host.plugins_info()}
    assert {name: statuses[name] for name in ("builtin", "csv", "good", "broken")} == {
        "builtin": "loaded", "csv": "loaded", "good": "loaded", "broken": "failed"}
    assert [name for name, status in statuses.items() if status != "loaded"] == ["broken"]


def test_disabled_plugins_are_blocked_not_failed(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings], tmp_path: Any,
) -> None:
    entry_points(FakeEntryPoint("broken", RuntimeError("boom")))
    host = PluginHost.load(environ={"OC_BRIDGE_DISABLE_PLUGINS": " csv , broken"})
    assert sorted(host.blocked) == ["broken", "csv"] and host.failures == []
    assert "csv" not in host.adapter_classes
    settings = settings_factory(adapters={"csv": {"outbound_dir": "o", "inbound_dir": "i"}})
    with pytest.raises(PluginError, match="disabled by OC_BRIDGE_DISABLE_PLUGINS"):
        host.build_adapters(settings, state_dir=tmp_path)


def test_duplicate_adapter_names_are_an_error_for_both(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings], tmp_path: Any,
) -> None:
    entry_points(
        FakeEntryPoint("first", adapter_plugin("first_mod", make_adapter_class("dup"))),
        FakeEntryPoint("second", adapter_plugin("second_mod", make_adapter_class("dup"))),
    )
    host = PluginHost.load(environ={})
    assert "dup" not in host.adapter_classes
    (failure,) = host.failures
    assert failure.name == "second" and "'first'" in failure.error and "'dup'" in failure.error
    settings = settings_factory(adapters={"dup": {}})
    with pytest.raises(PluginError, match="registered by both plugin 'first' and plugin 'second'"):
        host.build_adapters(settings, state_dir=tmp_path)


def test_an_implementation_without_spec_is_rejected_with_plugin_and_hook(
    entry_points: Callable[..., None],
) -> None:
    typo = ModuleType("typo_plugin")

    @hookimpl
    def oc_bridge_order_shipped(order: Any) -> None:
        """Not a hook of oc-bridge."""

    typo.oc_bridge_order_shipped = oc_bridge_order_shipped  # type: ignore[attr-defined]
    unmarked = ModuleType("unmarked_plugin")

    def oc_bridge_regster_adapters(register: Any) -> None:
        """Misspelt and unmarked: still caught."""

    unmarked.oc_bridge_regster_adapters = oc_bridge_regster_adapters  # type: ignore[attr-defined]
    entry_points(FakeEntryPoint("typo", typo), FakeEntryPoint("unmarked", unmarked))
    host = PluginHost.load(environ={})
    errors = {f.name: f.error for f in host.failures}
    assert "oc_bridge_order_shipped" in errors["typo"] and "typo_plugin" in errors["typo"]
    assert "oc_bridge_regster_adapters" in errors["unmarked"]
    assert host.plugin_manager.get_plugin("typo") is None
    host.plugin_manager.check_pending()  # what stays registered is clean


def test_an_implementation_with_unknown_arguments_is_rejected(
    entry_points: Callable[..., None],
) -> None:
    bad = ModuleType("bad_args")

    @hookimpl
    def oc_bridge_map_order(order: Any, customer: Any) -> None:
        """Asks for an argument the hook does not have."""

    bad.oc_bridge_map_order = oc_bridge_map_order  # type: ignore[attr-defined]
    entry_points(FakeEntryPoint("bad_args", bad))
    (failure,) = PluginHost.load(environ={}).failures
    assert failure.name == "bad_args" and "customer" in failure.error


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        (object, "not a subclass of oc_bridge.adapter.Adapter"),
        (type("Nameless", (make_adapter_class("x"),), {"name": ""}), "has no 'name'"),
        (type("BadConfig", (make_adapter_class("y"),), {"Config": dict}), "Config must be"),
        (type("BadCaps", (make_adapter_class("z"),), {"capabilities": {"submit_orders"}}),
         "capabilities must be a frozenset of Capability"),
    ],
)
def test_invalid_adapter_classes_fail_their_plugin(
    entry_points: Callable[..., None], candidate: Any, message: str,
) -> None:
    entry_points(FakeEntryPoint("shaky", adapter_plugin("shaky_mod", candidate)))
    host = PluginHost.load(environ={})
    (failure,) = host.failures
    assert failure.name == "shaky" and message in failure.error
    assert failure.error.startswith("PluginError: ")
    assert host.plugin_manager.get_plugin("shaky") is None
    assert "csv" in host.adapter_classes


def test_extra_plugins_and_no_entry_points() -> None:
    plugin = adapter_plugin("site_plugin", make_adapter_class("site"))
    host = PluginHost.load(environ={}, entry_points=False, extra_plugins=[plugin])
    assert set(host.adapter_classes) == {"site"}
    assert [p["name"] for p in host.plugins_info()] == ["builtin", "site_plugin"]
