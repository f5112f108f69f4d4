"""``.ci/start-postgres``: starts an installed PostgreSQL that is not running, and says "none"
(without failing CI) when none is installed or it cannot be started. Driven with stand-in
``pg_isready``/``pg_lsclusters``/``pg_ctlcluster`` on an otherwise empty PATH."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "start-postgres"


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/bash", str(SCRIPT)], env={"PATH": str(folder)},
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    _tool(folder, "sleep", "exit 0")  # the wait loop runs at once
    return folder


def test_a_stopped_cluster_is_started(tools: Path) -> None:
    started = tools / "started"
    _tool(tools, "pg_isready", f'[ -e "{started}" ]')
    _tool(tools, "pg_lsclusters", 'echo "15 main 5432 down postgres /var/lib/pg/15 /var/log/x"\n'
                                  'echo "14 old 5433 down postgres /var/lib/pg/14 /var/log/y"')
    _tool(tools, "pg_ctlcluster", f'echo "$@" >> "{tools / "calls"}"; : > "{started}"')
    result = _run(tools)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "starting PostgreSQL cluster 15/main" in result.stdout
    assert (tools / "calls").read_text(encoding="utf-8") == "15 main start\n"  # 5432 only


def test_a_running_server_is_left_alone(tools: Path) -> None:
    _tool(tools, "pg_isready", "exit 0")
    _tool(tools, "pg_ctlcluster", f': > "{tools / "called"}"')
    assert _run(tools).returncode == 0
    assert not (tools / "called").exists()


def test_none_installed_or_not_startable_says_no_without_failing(tools: Path) -> None:
    assert _run(tools).returncode == 1  # no pg_isready at all
    _tool(tools, "pg_isready", "exit 2")
    _tool(tools, "pg_lsclusters", 'echo "15 main 5432 down postgres /d /l"')
    _tool(tools, "pg_ctlcluster", 'echo "permission denied" >&2; exit 1')
    result = _run(tools)
    assert result.returncode == 1
    assert "starting PostgreSQL cluster 15/main" in result.stdout
