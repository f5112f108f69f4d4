"""The sync engine: orders into fulfilment adapters, shipments back to Orderchamp, exactly once.

``SyncEngine`` is the entry point; ``EngineHooks`` and ``OrderchampApi`` describe what it needs
from the plugin host and the Orderchamp client; ``SyncSummary`` is what every run returns.
"""

from __future__ import annotations

from oc_bridge.engine.engine import ORDERS_CURSOR, SyncEngine
from oc_bridge.engine.hooks import EngineHooks, OrderchampApi
from oc_bridge.engine.summary import SyncSummary

__all__ = ["ORDERS_CURSOR", "EngineHooks", "OrderchampApi", "SyncEngine", "SyncSummary"]
