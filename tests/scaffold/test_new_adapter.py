"""``oc-bridge new-adapter``: the generated package works as generated.

The package is generated in-process, then its own tests run in a subprocess exactly as its
author would run them (``pytest`` in the package folder, oc-bridge's pytest plugin loaded from
the installed distribution), with ``src/`` on the path instead of a ``pip install -e`` (which
``.ci/run`` does for real, together with ``mypy --strict``).
"""

from __future__ import annotations

import importlib
import io
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from oc_bridge.adapter import Capability
from oc_bridge.cli import CliEnv, ExitCode, main
from oc_bridge.plugins import PluginHost


def run(argv: list[str]) -> tuple[int, str, str]:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
    code = main(argv, env=env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    target = tmp_path / "oc-bridge-acme-wms"
    code, out, err = run(["new-adapter", "acme_wms", "--dir", str(target)])
    assert code == ExitCode.OK, err
    assert f"Created oc-bridge-acme-wms in {target}:" in out
    assert f"pip install -e '{target}[test]'" in out
    return target


def test_the_package_has_its_parts(package: Path) -> None:
    files = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert files == [
        ".gitignore", "README.md", "pyproject.toml", "src/oc_bridge_acme_wms/__init__.py",
        "src/oc_bridge_acme_wms/adapter.py", "src/oc_bridge_acme_wms/py.typed",
        "tests/test_contract.py",
    ]
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "oc-bridge-acme-wms"
    assert project["project"]["entry-points"]["oc_bridge"] == {"acme_wms": "oc_bridge_acme_wms"}
    assert project["project"]["dependencies"][0].startswith("oc-bridge>=")
    assert "oc-bridge[testing]" in project["project"]["optional-dependencies"]["test"][0]
    assert project["tool"]["mypy"]["strict"] is True
    assert "adapter_contract(AcmeWmsAdapter" in (package / "tests" / "test_contract.py").read_text()


def test_the_plugin_registers_the_typed_adapter(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(package / "src"))
    module = importlib.import_module("oc_bridge_acme_wms")
    host = PluginHost.load(entry_points=False, extra_plugins=[module])
    assert not host.failures
    cls = host.adapter_classes["acme_wms"]
    assert cls.__name__ == "AcmeWmsAdapter"
    with_inbox = cls.parse_config("w", {"outbox_dir": "out", "inbox_dir": "in"})
    without = cls.parse_config("w", {"outbox_dir": "out"})
    assert Capability.PULL_SHIPMENTS in cls.capabilities_for(with_inbox)
    assert Capability.PULL_SHIPMENTS not in cls.capabilities_for(without)


@pytest.mark.slow
def test_the_generated_tests_pass_unedited(package: Path) -> None:
    environ = {**os.environ, "PYTHONPATH": str(package / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package, env=environ, capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) >= 10, result.stdout  # the contract suite ran
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=package, capture_output=True, text=True, check=False, timeout=120,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("name", ["Acme", "acme-wms", "1acme", "acme__wms", "acme_", "class", ""])
def test_a_bad_name_is_refused(name: str, tmp_path: Path) -> None:
    code, _, err = run(["new-adapter", name, "--dir", str(tmp_path / "pkg")])
    assert code == ExitCode.ERROR
    assert f"adapter name {name!r}" in err
    assert not (tmp_path / "pkg").exists()


def test_an_occupied_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(["new-adapter", "acme", "--dir", str(tmp_path)])
    assert code == ExitCode.ERROR
    assert "already exists and is not an empty folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_default_folder_is_named_after_the_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(["new-adapter", "acme"])
    assert code == ExitCode.OK
    assert (tmp_path / "oc-bridge-acme" / "src" / "oc_bridge_acme" / "adapter.py").is_file()
