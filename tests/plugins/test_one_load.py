"""Plugins load once per process: the parser, ``plugins``, ``doctor``, ``config check`` and every
command that builds adapters share one host, and a broken plugin is reported once, through the
configured logging (never as a raw line before it)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from plugin_helpers import FakeEntryPoint

from oc_bridge.cli import CliEnv, main
from oc_bridge.plugins import PluginHost

BROKEN = "plugin 'broken' (from acme-x 1.2.3) failed: SyntaxError"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts ``PluginHost.load`` calls."""
    calls: list[int] = []
    original = PluginHost.load.__func__  # type: ignore[attr-defined]

    def counting(cls: type[PluginHost], **kwargs: Any) -> PluginHost:
        calls.append(1)
        return original(cls, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(PluginHost, "load", classmethod(counting))
    return calls


def _run(argv: list[str], tmp_path: Path) -> tuple[int, str, str]:
    config = tmp_path / "settings.toml"
    config.write_text(f'[adapters.csv]\noutbound_dir = "{tmp_path / "o"}"\n'
                      f'inbound_dir = "{tmp_path / "i"}"\n', encoding="utf-8")
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(["--config", str(config), *argv], env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("argv", [["plugins", "--json"], ["config", "check"]])
def test_one_plugin_load_per_invocation(
    argv: list[str], loads: list[int], tmp_path: Path
) -> None:
    _run(argv, tmp_path)
    assert len(loads) == 1


def test_a_broken_plugin_is_reported_once_through_the_configured_logging(
    entry_points: Callable[..., None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry_points(FakeEntryPoint("broken", SyntaxError("invalid syntax"), dist_name="acme-x"))
    code, _, err = _run(["--log-format", "json", "plugins", "--json"], tmp_path)
    assert code == 3
    assert BROKEN not in capsys.readouterr().err  # nothing raw before logging was set up
    lines = [line for line in err.splitlines() if BROKEN in line]
    assert len(lines) == 1
    assert json.loads(lines[0])["level"] in ("WARNING", "warning")
