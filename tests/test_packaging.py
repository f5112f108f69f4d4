"""The wheel built from the repository: shipped code only, and it works in a fresh venv.

Builds the wheel from a copy of the source tree (so no ``build/`` or ``*.egg-info`` is left in
the checkout), looks inside it, then installs it with its declared dependencies into a new
virtual environment (pip's cache keeps this quick) and runs ``oc-bridge demo`` there, where
nothing from this checkout (``tests/fakes``, ``plugins/``) can be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
#: Top-level names a wheel may hold: the core package, the three in-repo adapters, metadata.
SHIPPED = {"oc_bridge", "oc_bridge_csv", "oc_bridge_rest", "oc_bridge_shipstation"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis",
    "demo-output",
)


def _run(
    args: list[str | os.PathLike[str]], *, cwd: Path | None = None, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` outside this venv (no PYTHONPATH); with ``ok``, insist on exit 0."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False,
                            env=environ, cwd=cwd, timeout=600)
    if ok:
        assert result.returncode == 0, (
            f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "oc-bridge"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source])
    (built,) = dist.glob("oc_bridge-*.whl")
    return built


def test_the_wheel_holds_shipped_code_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_dir = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = archive.read(f"{metadata_dir}/entry_points.txt").decode()
    assert {name.split("/")[0] for name in names} == SHIPPED | {metadata_dir}
    assert not [n for n in names if "fakes" in n or "conftest" in n or "/tests/" in n]
    for data_file in ("oc_bridge/py.typed", "oc_bridge/orderchamp/operations/Order.graphql",
                      "oc_bridge/sandbox/schema.graphql", "oc_bridge_rest/profiles/picqer.toml",
                      "oc_bridge_csv/py.typed", "oc_bridge/scaffold/templates/adapter.py.jinja"):
        assert data_file in names
    assert "[oc_bridge]\ncsv = oc_bridge_csv\nrest = oc_bridge_rest\n" in entry_points


def test_the_wheel_installs_into_a_fresh_venv_and_runs_the_demo(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # this venv's pip installs into the new one: no second pip to bootstrap
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel])

    where = _run([python, "-c", "import oc_bridge, oc_bridge_csv; print(oc_bridge.__file__)"],
                 cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv)
    for test_only in ("fakes", "plugins"):
        assert _run([python, "-c", f"import {test_only}"], cwd=tmp_path, ok=False).returncode

    adapters = _run([venv / "bin" / "oc-bridge", "adapters", "--json"], cwd=tmp_path)
    assert [a["type"] for a in json.loads(adapters.stdout)["adapters"]] == [
        "csv", "rest", "shipstation"]

    # the scaffold's templates are package data: they must load from the installed wheel
    _run([venv / "bin" / "oc-bridge", "new-adapter", "acme", "--dir", tmp_path / "acme"])
    assert (tmp_path / "acme" / "src" / "oc_bridge_acme" / "adapter.py").is_file()

    demo = _run([venv / "bin" / "oc-bridge", "demo", "--orders", "5", "--dir", tmp_path / "demo"],
                cwd=tmp_path)
    assert "== Step 7:" in demo.stdout
    assert sorted((tmp_path / "demo" / "csv" / "outbound").glob("orders-*.csv"))
