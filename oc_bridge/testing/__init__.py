"""oc-bridge's testing kit for plugin authors (and oc-bridge itself).

Install it with ``pip install 'oc-bridge[testing]'`` (it needs pytest).

- :func:`adapter_contract`: the adapter contract suite for one adapter class, as a pytest test
  class (``TestAcme = adapter_contract(AcmeAdapter, options={...}, probe=AcmeProbe)``); see
  ``docs/plugins.md``. :class:`WarehouseProbe` is what the probe implements,
  :class:`ContractEnv` what option and probe builders receive.
- :class:`AdapterContract`: the suite's test class, for authors who build their own fixtures.
- The pytest plugin :mod:`oc_bridge.testing.pytest_plugin` (loaded automatically through the
  ``pytest11`` entry point) provides the fixtures ``sandbox``, ``settings_factory``,
  ``order_factory`` and ``fulfilment_order_factory``; the builders :func:`make_order` and
  :func:`make_fulfilment_order` work outside pytest too.
"""

from __future__ import annotations

try:
    import pytest  # noqa: F401 - the kit is pytest code
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "oc_bridge.testing needs pytest: pip install 'oc-bridge[testing]'"
    ) from exc

from oc_bridge.testing.contract import AdapterContract, WarehouseProbe
from oc_bridge.testing.factory import ContractEnv, adapter_contract
from oc_bridge.testing.fixtures import make_fulfilment_order, make_order
from oc_bridge.testing.references import REFERENCE_ALPHABET, orderchamp_id

__all__ = [
    "REFERENCE_ALPHABET",
    "AdapterContract",
    "ContractEnv",
    "WarehouseProbe",
    "adapter_contract",
    "make_fulfilment_order",
    "make_order",
    "orderchamp_id",
]
