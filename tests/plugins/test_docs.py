"""Every hook is documented in docs/plugins.md (datasette style)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from oc_bridge.plugins import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOKS = sorted(name for name, obj in vars(hookspecs).items()
               if name.startswith("oc_bridge_") and inspect.isfunction(obj))


def test_the_hookspecs_are_found() -> None:
    assert len(HOOKS) >= 8


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented_with_its_arguments(hook: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    arguments = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert re.search(rf"^### `{hook}\({re.escape(arguments)}\)`$", text, re.MULTILINE), (
        f"docs/plugins.md needs a section '### `{hook}({arguments})`'")
