"""The systemd unit in deploy/ runs commands that exist, stops within its timeout and does not
restart on exit codes a restart cannot fix."""

from __future__ import annotations

import shlex
from pathlib import Path

from oc_bridge.cli import CliEnv, ExitCode, build_parser
from oc_bridge.settings import DaemonSettings

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "systemd" / "oc-bridge.service"


def _service() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    section = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        if section == "Service":
            values.setdefault(key, []).append(value)
    return values


def test_the_unit_runs_real_commands() -> None:
    service = _service()
    for key in ("ExecStartPre", "ExecStart"):
        [command] = service[key]
        program, *args = shlex.split(command)
        assert program.endswith("/oc-bridge")
        parsed = build_parser(CliEnv(environ={})).parse_args(args)
        assert parsed.handler is not None, command
    assert shlex.split(service["ExecStart"][0])[-1] == "run"


def test_the_unit_gives_a_graceful_stop_time_and_skips_useless_restarts() -> None:
    service = _service()
    default_shutdown = DaemonSettings().shutdown_timeout
    assert float(service["TimeoutStopSec"][0]) > default_shutdown
    assert service["KillSignal"] == ["SIGTERM"]
    prevented = {int(code) for code in service["RestartPreventExitStatus"][0].split()}
    assert prevented == {ExitCode.CONFIG, ExitCode.PLUGINS}
