"""``oc-bridge adapters``: adapter types, their capabilities and settings, config schemas."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable

from oc_bridge_csv.config import CsvConfig
from oc_bridge_shipstation import ShipStationAdapter
from plugin_helpers import FakeEntryPoint, adapter_plugin, make_adapter_class

from oc_bridge.cli import CliEnv, ExitCode, main


def run(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ or {})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def test_adapters_json_lists_every_type_with_capabilities_and_settings() -> None:
    code, out, _ = run(["adapters", "--json"])
    assert code == ExitCode.OK
    data = json.loads(out)
    assert data["ok"] is True and data["failures"] == []
    types = {entry["type"]: entry for entry in data["adapters"]}
    assert {"csv", "rest", "shipstation"} <= set(types)  # and any adapter installed beside
    csv = types["csv"]
    assert csv["class"] == "oc_bridge_csv.adapter.CsvAdapter"
    assert csv["plugin"] == "csv" and csv["distribution"].startswith("oc-bridge ")
    assert "submit_orders" in csv["capabilities"] and "pull_shipments" in csv["capabilities"]
    assert csv["capabilities"] == sorted(csv["capabilities"])
    settings = {s["key"]: s for s in csv["settings"]}
    assert settings["outbound_dir"]["required"] is True
    assert settings["delimiter"]["required"] is False
    assert "type" not in settings and "enabled" not in settings
    assert set(settings) == set(CsvConfig.model_fields) - {"type", "enabled"}
    shipstation = types["shipstation"]
    assert shipstation["capabilities"] == sorted(c.value for c in ShipStationAdapter.capabilities)
    assert csv["capabilities_depend_on_settings"] is True  # stock and invoices need folders


def test_adapters_text_marks_required_settings() -> None:
    code, out, _ = run(["adapters"])
    assert code == ExitCode.OK
    assert "csv  (oc_bridge_csv.adapter.CsvAdapter; plugin csv, oc-bridge" in out
    assert "outbound_dir*" in out and "api_key*" in out
    assert "(some depend on the settings)" in out.split("rest  (")[0]  # csv's
    assert all(len(line) <= 100 for line in out.splitlines() if line.startswith(" "))


def test_schema_is_the_config_models_json_schema() -> None:
    code, out, _ = run(["adapters", "--schema", "shipstation"])
    assert code == ExitCode.OK
    schema = json.loads(out)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["api_key", "api_secret"]
    assert schema["properties"]["api_key"]["writeOnly"] is True  # a secret, never echoed


def test_schema_of_an_unknown_type_names_the_installed_ones() -> None:
    code, out, err = run(["adapters", "--schema", "acme"])
    assert code == ExitCode.ERROR
    assert out == ""
    assert "no adapter type 'acme' (installed types: csv, rest, shipstation" in err


def test_a_failed_plugin_is_reported_and_exits_3(entry_points: Callable[..., None]) -> None:
    toy = adapter_plugin("toy_plugin", make_adapter_class("toy"))
    entry_points(FakeEntryPoint("toy", toy, dist_name="acme-toy"),
                 FakeEntryPoint("broken", ImportError("no module named acme")))
    code, out, err = run(["adapters", "--json"])
    assert code == ExitCode.PLUGINS
    data = json.loads(out)
    toy_entry = next(e for e in data["adapters"] if e["type"] == "toy")
    assert toy_entry["distribution"] == "acme-toy 1.2.3"
    assert toy_entry["capabilities_depend_on_settings"] is False
    assert toy_entry["settings"] == [
        {"key": "colour", "required": False, "description": None},
        {"key": "size", "required": False, "description": None},
    ]
    assert data["ok"] is False and "ImportError: no module named acme" in data["failures"][0]
    code, _, err = run(["adapters", "--schema", "acme"])
    assert code == ExitCode.PLUGINS
    assert "plugin problem: plugin 'broken'" in err


def test_schema_as_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oc_bridge", "adapters", "--schema", "csv"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["required"] == ["outbound_dir", "inbound_dir"]
