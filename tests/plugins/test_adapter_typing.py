"""The in-repo adapters type their config and capabilities without casts or ignores (issue 12):
``Adapter[ConfigT]`` gives ``self.config`` the adapter's own type and ``capabilities_for`` the
per-instance capabilities. ``make lint`` runs ``mypy --strict`` on each adapter package; this
test keeps the escape hatches out that would let strict mode pass anyway."""

from __future__ import annotations

import re
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
ESCAPE = re.compile(r"type:\s*ignore|\bcast\(")
ABOUT = re.compile(r"config|capabilit", re.IGNORECASE)


def test_no_cast_or_type_ignore_for_config_or_capabilities() -> None:
    sources = sorted(PLUGINS.rglob("*.py"))
    assert len(sources) > 20
    offenders = [
        f"{path.relative_to(PLUGINS)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ESCAPE.search(line) and ABOUT.search(line)
    ]
    assert not offenders, "type config and capabilities through Adapter[ConfigT]: " + str(offenders)
