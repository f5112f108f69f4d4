"""The CLI's global behaviour: version, help on every command, config check/show, exit codes."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from oc_bridge import __version__
from oc_bridge.cli import CliEnv, ExitCode, build_parser, main


def run(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ or {})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def _all_command_paths(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append([*prefix, name])
                paths.extend(_all_command_paths(sub, [*prefix, name]))
    return paths


def test_version_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oc_bridge", "--version"], capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"oc-bridge {__version__}"


def test_every_command_has_help_with_a_description() -> None:
    parser = build_parser(CliEnv(environ={}))
    paths = _all_command_paths(parser, [])
    assert ["config", "check"] in paths and ["orders", "list"] in paths
    for path in paths:
        out = io.StringIO()
        with pytest.raises(SystemExit) as caught:
            sys_stdout, sys.stdout = sys.stdout, out
            try:
                build_parser(CliEnv(environ={})).parse_args([*path, "--help"])
            finally:
                sys.stdout = sys_stdout
        assert caught.value.code == 0
        text = out.getvalue()
        assert f"usage: oc-bridge {' '.join(path)}" in text
        body = text.split("\n\n", 2)
        assert len(body) >= 2 and body[1].strip(), f"{' '.join(path)} --help has no description"


def test_no_command_prints_help_and_fails() -> None:
    code, out, _ = run([])
    assert code == ExitCode.ERROR
    assert "usage: oc-bridge" in out


def test_config_check_reports_every_problem_with_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[orderchamp]\napi_url = "nope"\nread_timeout = -1\n[logging]\nlevel = "LOUD"\n',
        encoding="utf-8",
    )
    code, _, err = run(["--config", str(config), "config", "check"])
    assert code == ExitCode.CONFIG
    assert "3 configuration problem(s)" in err
    for key in ("orderchamp.api_url", "orderchamp.read_timeout", "logging.level"):
        assert key in err


def test_config_check_json_and_ok(tmp_path: Path) -> None:
    config = tmp_path / "ok.toml"
    config.write_text('[orderchamp]\ntoken = "t"\n[sync]\noverlap_seconds = 10\n',
                      encoding="utf-8")
    code, out, _ = run(["--config", str(config), "config", "check", "--json"])
    assert code == ExitCode.OK
    assert json.loads(out)["ok"] is True


def test_config_show_masks_secrets_and_applies_overrides(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text('[orderchamp]\ntoken = "tok-abcdef-123"\n', encoding="utf-8")
    environ = {"OC_BRIDGE_ORDERCHAMP__WEBHOOK_SECRET": "whsec-987654"}
    code, out, _ = run(
        ["--config", str(config), "--set", "sync.overlap_seconds=42", "config", "show", "--json"],
        environ,
    )
    assert code == ExitCode.OK
    data = json.loads(out)
    assert data["orderchamp"]["token"] == "**********"
    assert data["orderchamp"]["webhook_secret"] == "**********"
    assert data["sync"]["overlap_seconds"] == 42
    assert "tok-abcdef-123" not in out and "whsec-987654" not in out
    code, text, _ = run(["--config", str(config), "config", "show"], environ)
    assert code == ExitCode.OK
    assert "[orderchamp]" in text and "tok-abcdef-123" not in text


def test_bad_override_syntax_is_a_config_error() -> None:
    code, _, err = run(["--set", "nonsense", "config", "show"])
    assert code == ExitCode.CONFIG
    assert "section.key=value" in err


def test_config_show_with_invalid_settings_exits_2(tmp_path: Path) -> None:
    code, _, err = run(["--set", "store.url=mysql://x", "config", "show"])
    assert code == ExitCode.CONFIG
    assert "store.url" in err
