"""Fixtures for plugin-system tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from plugin_helpers import install_entry_points

from oc_bridge.testing.fixtures import (  # noqa: F401 - fixtures used by the tests here
    order_factory,
    settings_factory,
)


@pytest.fixture
def entry_points(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``entry_points(*fakes, keep_real=True)``: the ``oc_bridge`` group seen by the loader."""
    return install_entry_points(monkeypatch)
