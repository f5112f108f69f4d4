"""The adapter author's docs stay true: the lifecycle names every hook and adapter method, the
tutorial's code is the example's code, the README links the guides."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from oc_bridge.adapter import CAPABILITY_METHODS
from oc_bridge.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "oc-bridge-webhook"
HOOKS = sorted(name for name, obj in vars(hookspecs).items()
               if name.startswith("oc_bridge_") and inspect.isfunction(obj))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_lifecycle_names_every_hook_and_adapter_method() -> None:
    text = _read(DOCS / "lifecycle.md")
    assert "```mermaid" in text
    methods = [*CAPABILITY_METHODS.values(), "acknowledge_shipments", "capabilities_for"]
    missing = [name for name in [*HOOKS, *methods] if f"{name}" not in text]
    assert not missing, f"docs/lifecycle.md does not say where these fire: {missing}"


def _code_lines(markdown: str) -> list[str]:
    lines = []
    for block in re.findall(r"```python\n(.*?)```", markdown, re.DOTALL):
        for line in block.splitlines():
            code = line.split("  # ")[0].strip()
            if code and "..." not in code and not code.startswith(("#", "@", ")", "]")):
                lines.append(code)
    return lines


@pytest.mark.parametrize("doc", ["writing-adapters.md", "testing-adapters.md"])
def test_the_guides_show_the_examples_real_code(doc: str) -> None:
    source = "\n".join(_read(p) for p in sorted(EXAMPLE.rglob("*.py")))
    lines = _code_lines(_read(DOCS / doc))
    assert len(lines) >= 10
    stale = [line for line in lines if line not in source]
    assert not stale, f"docs/{doc} shows code that is not in {EXAMPLE.name}: {stale}"


def test_the_readme_links_the_adapter_guides() -> None:
    readme = _read(ROOT / "README.md")
    for target in ("docs/writing-adapters.md", "docs/testing-adapters.md", "docs/lifecycle.md",
                   "examples/oc-bridge-webhook"):
        assert f"]({target})" in readme
        assert (ROOT / target).exists()
