"""oc-bridge's testing kit for plugin authors (and oc-bridge itself).

- :class:`AdapterContract`: the adapter contract suite; subclass it and provide the fixtures
  ``adapter`` and ``warehouse`` (a :class:`WarehouseProbe`).
- ``oc_bridge.testing.fixtures``: a pytest plugin with ``sandbox``, ``settings_factory``,
  ``order_factory`` and ``fulfilment_order_factory``
  (``pytest_plugins = ["oc_bridge.testing.fixtures"]``).
"""

from __future__ import annotations

from oc_bridge.testing.contract import AdapterContract, WarehouseProbe
from oc_bridge.testing.fixtures import make_fulfilment_order, make_order

__all__ = ["AdapterContract", "WarehouseProbe", "make_fulfilment_order", "make_order"]
