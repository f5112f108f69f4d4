"""``oc-bridge plugins``, driven in-process."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from plugin_helpers import FakeEntryPoint

from oc_bridge.cli import CliEnv, main


def run(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ or {})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def test_plugins_json_lists_plugins_hooks_and_adapters() -> None:
    code, out, _ = run(["plugins", "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True
    plugins = {p["name"]: p for p in data["plugins"]}
    assert plugins["csv"]["adapters"] == ["csv"]
    assert plugins["csv"]["hooks"] == ["oc_bridge_register_adapters"]
    assert data["adapters"]["csv"] == "oc_bridge_csv.adapter.CsvAdapter"


def test_plugins_reports_failed_and_blocked_and_exits_3(
    entry_points: Callable[..., None],
) -> None:
    entry_points(FakeEntryPoint("broken", SyntaxError("invalid syntax"), dist_name="acme-x"))
    environ = {"OC_BRIDGE_DISABLE_PLUGINS": "csv"}
    code, out, _ = run(["plugins", "--json"], environ)
    assert code == 3
    plugins = {p["name"]: p for p in json.loads(out)["plugins"]}
    assert plugins["csv"]["status"] == "blocked"
    assert plugins["broken"] == {
        "name": "broken", "distribution": "acme-x 1.2.3", "hooks": [], "adapters": [],
        "status": "failed", "error": "SyntaxError: invalid syntax"}
    code, out, err = run(["plugins"], environ)
    assert code == 3
    assert "broken (acme-x 1.2.3): failed" in out and "csv: blocked" in out
    assert "plugin 'broken' (from acme-x 1.2.3) failed: SyntaxError" in err
