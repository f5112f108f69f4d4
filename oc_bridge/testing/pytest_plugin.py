"""oc-bridge's pytest plugin, loaded automatically (entry point ``pytest11``) wherever
``oc-bridge[testing]`` is installed.

It makes the fixtures of :mod:`oc_bridge.testing.fixtures` available to every test module
(``sandbox``, ``settings_factory``, ``order_factory``, ``fulfilment_order_factory``) and says
which oc-bridge the session tests against. The contract suite itself comes from
:func:`oc_bridge.testing.adapter_contract`.
"""

from __future__ import annotations

import pytest

from oc_bridge import __version__
from oc_bridge.testing.fixtures import (
    fulfilment_order_factory,
    order_factory,
    sandbox,
    settings_factory,
)

__all__ = [
    "fulfilment_order_factory",
    "order_factory",
    "pytest_report_header",
    "sandbox",
    "settings_factory",
]


def pytest_report_header(config: pytest.Config) -> str:
    """One header line naming the oc-bridge version the contract suite comes from."""
    return f"oc-bridge {__version__} (adapter contract suite: oc_bridge.testing)"
