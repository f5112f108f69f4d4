"""Building adapter instances from settings: every config problem at once, clear plugin errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from plugin_helpers import FakeEntryPoint, adapter_plugin, make_adapter_class

from oc_bridge.errors import PluginError, SettingsError
from oc_bridge.plugins import PluginHost, require_loaded
from oc_bridge.settings import Settings


def test_one_instance_per_enabled_table(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(adapters={
        "csv": {"outbound_dir": "o", "inbound_dir": "i"},
        "csv_eu": {"type": "csv", "outbound_dir": "o2", "inbound_dir": "i2", "delimiter": ";"},
        "csv_off": {"type": "csv", "enabled": False, "outbound_dir": 3},
    })
    adapters = PluginHost.load(environ={}).build_adapters(settings, state_dir=tmp_path)
    assert sorted(adapters) == ["csv", "csv_eu"]
    eu = adapters["csv_eu"]
    assert eu.name == "csv" and eu.instance == "csv_eu"
    assert eu.context.state_dir == tmp_path / "csv_eu" and eu.context.settings is settings
    assert eu.config.delimiter == ";"  # type: ignore[attr-defined]
    assert not (tmp_path / "csv_eu").exists()


def test_all_config_problems_of_all_tables_are_reported_together(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(adapters={
        "csv": {"outbound_dir": "o", "inbound_dir": "i", "delimiter": ";;"},
        "csv_eu": {"type": "csv", "inbound_dir": "i", "colour": "blue",
                   "file_name_pattern": "x-{oops}.csv"},
    })
    with pytest.raises(SettingsError) as caught:
        PluginHost.load(environ={}).build_adapters(settings, state_dir=tmp_path)
    keys = {p.key for p in caught.value.problems}
    assert keys == {"adapters.csv.delimiter", "adapters.csv_eu.outbound_dir",
                    "adapters.csv_eu.colour", "adapters.csv_eu.file_name_pattern"}


def test_unknown_type_names_instance_and_known_types(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(adapters={"eu": {"type": "shipstaton"}})
    with pytest.raises(PluginError) as caught:
        PluginHost.load(environ={}).build_adapters(settings, state_dir=tmp_path)
    assert "adapters.eu: unknown adapter type 'shipstaton'" in str(caught.value)
    assert "csv" in str(caught.value).split("known types:")[1]


def test_type_of_a_failed_plugin_names_plugin_and_cause(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    entry_points(FakeEntryPoint("acme", ImportError("No module named 'acme_sdk'"),
                                dist_name="oc-bridge-acme", dist_version="2.0"))
    host = PluginHost.load(environ={})
    settings = settings_factory(adapters={"acme": {"token": "x"}})
    with pytest.raises(PluginError) as caught:
        require_loaded(host, settings)
    message = str(caught.value)
    assert "plugin 'acme' (from oc-bridge-acme 2.0) failed: ImportError" in message
    with pytest.raises(PluginError, match="acme_sdk"):
        host.build_adapters(settings, state_dir=tmp_path)


def test_require_loaded_passes_when_all_types_are_there(
    entry_points: Callable[..., None], settings_factory: Callable[..., Settings]
) -> None:
    entry_points(FakeEntryPoint("toys", adapter_plugin("toys", make_adapter_class("toy"))))
    host = PluginHost.load(environ={})
    require_loaded(host, settings_factory(adapters={"toy": {}, "off": {"type": "gone",
                                                                       "enabled": False}}))


def test_a_failing_constructor_closes_the_adapters_built_so_far(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    closed: list[str] = []
    good, bad = make_adapter_class("good"), make_adapter_class("bad")
    good.close = lambda self: closed.append(self.instance)

    def explode(self: object, *args: object) -> None:
        raise PluginError("cannot start")

    bad.__init__ = explode
    host = PluginHost.load(environ={}, entry_points=False,
                           extra_plugins=[adapter_plugin("p", good, bad)])
    settings = settings_factory(adapters={"good": {}, "bad": {}})
    with pytest.raises(PluginError, match="cannot start"):
        host.build_adapters(settings, state_dir=tmp_path)
    assert closed == ["good"]
