"""Orderchamp's GraphQL API: the client, its operations folder, rate limiting and schema checks.

- :class:`OrderchampClient` — typed methods (orders, shipments, webhooks, inventory, customers);
- :func:`load_operation` / :func:`all_operations` — every document oc-bridge sends;
- :mod:`.bucket` — the client-side leaky bucket; :mod:`.cost` — the shared cost rule;
- :mod:`.schema_check` — validating the documents against the live or the sandbox schema;
- :mod:`.signatures` — webhook signatures.
"""

from __future__ import annotations

from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.orderchamp.execution import ClientStats
from oc_bridge.orderchamp.operations import all_operations, load_operation
from oc_bridge.orderchamp.pagination import OrderIterator

__all__ = ["ClientStats", "OrderIterator", "OrderchampClient", "all_operations", "load_operation"]
