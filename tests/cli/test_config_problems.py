"""Settings problems are found by ``config check`` and stop every command with exit 2 naming
the key, never a traceback: an unusable ``[store] url``, a missing or empty token, a routing
rule naming an adapter instance that does not exist."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oc_bridge.cli import CliEnv, ExitCode, main

API = "http://127.0.0.1:9/v1/graphql"  # nothing listens: a command must stop before calling


def run(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ or {})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def write(tmp_path: Path, text: str, *, token: str | None = '"tok"') -> Path:
    config = tmp_path / "settings.toml"
    head = f'[orderchamp]\napi_url = "{API}"\n' + (f"token = {token}\n" if token else "")
    csv = f'[adapters.csv]\noutbound_dir = "{tmp_path / "out"}"\n' \
          f'inbound_dir = "{tmp_path / "in"}"\n'
    config.write_text(head + text + csv, encoding="utf-8")
    return config


#: Every command that reads the ledger or talks to Orderchamp.
COMMANDS = [["sync"], ["status"], ["parked"], ["retry", "--all"], ["orders", "list"],
            ["stock", "sync", "--dry-run"]]


def assert_stops(config: Path, key: str, commands: list[list[str]]) -> None:
    code, _, err = run(["--config", str(config), "config", "check"])
    assert code == ExitCode.CONFIG and key in err, err
    for command in commands:
        code, _, err = run(["--config", str(config), *command])
        assert code == ExitCode.CONFIG and key in err, (command, code, err)


def test_a_store_folder_that_cannot_be_created_stops_every_command(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the ledger's folder should be", encoding="utf-8")
    config = write(tmp_path, f'[store]\nurl = "sqlite:///{blocker}/sub/ledger.db"\n')
    assert_stops(config, "store.url", [["sync"], ["status"], ["parked"], ["run"]])
    assert blocker.is_file()


def test_a_store_url_naming_a_folder_stops_every_command(tmp_path: Path) -> None:
    (tmp_path / "ledger.db").mkdir()
    config = write(tmp_path, f'[store]\nurl = "sqlite:///{tmp_path / "ledger.db"}"\n')
    assert_stops(config, "store.url", [["sync"], ["status"], ["parked"]])


def test_the_store_problem_is_one_line_from_the_console_script(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    config = write(tmp_path, f'[store]\nurl = "sqlite:///{blocker}/ledger.db"\n')
    for command in (["sync"], ["status"]):
        result = subprocess.run(
            [sys.executable, "-m", "oc_bridge", "--config", str(config), *command],
            capture_output=True, text=True, check=False, timeout=60,
            env={**os.environ, "OC_BRIDGE_DISABLE_PLUGINS": ""})
        assert result.returncode == ExitCode.CONFIG, result.stderr
        assert "store.url" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("token", ['""', '"   "'])
def test_an_empty_token_stops_every_command(tmp_path: Path, token: str) -> None:
    config = write(tmp_path, "", token=token)
    assert_stops(config, "orderchamp.token", COMMANDS)


def test_an_empty_token_from_the_environment_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, "", token=None)
    code, _, err = run(["--config", str(config), "sync"], {"OC_BRIDGE_ORDERCHAMP__TOKEN": ""})
    assert code == ExitCode.CONFIG and "orderchamp.token" in err


def test_a_missing_token_is_found_by_config_check(tmp_path: Path) -> None:
    config = write(tmp_path, "", token=None)
    assert_stops(config, "orderchamp.token", [["sync"], ["orders", "list"]])


def test_commands_that_need_no_token_still_run_without_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default store.url is relative: keep its ledger out of the checkout.
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path, "", token=None)
    code, out, _ = run(["--config", str(config), "plugins"])
    assert code == ExitCode.OK and "csv" in out
    code, _, _ = run(["--config", str(config), "status"])
    assert code == ExitCode.OK


def test_a_routing_rule_naming_an_unknown_adapter_stops_every_command(tmp_path: Path) -> None:
    config = write(tmp_path, '[[sync.routing]]\nadapter = "csv"\ncountries = ["NL"]\n'
                             '[[sync.routing]]\nadapter = "shipstaton"\n')
    assert_stops(config, "sync.routing.1.adapter", COMMANDS)
    _, _, err = run(["--config", str(config), "config", "check"])
    assert "shipstaton" in err and "csv" in err


def test_config_check_lists_every_problem_at_once(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    config = write(tmp_path, f'[store]\nurl = "sqlite:///{blocker}/x/ledger.db"\n'
                             '[[sync.routing]]\nadapter = "nope"\n', token=None)
    code, _, err = run(["--config", str(config), "config", "check"])
    assert code == ExitCode.CONFIG
    for key in ("store.url", "orderchamp.token", "sync.routing.0.adapter"):
        assert key in err
