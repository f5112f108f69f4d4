"""Operator actions as plain functions, shared by the CLI and the web console.

Each action takes the services it needs (a :class:`~oc_bridge.engine.SyncEngine`, a
:class:`~oc_bridge.store.Store`), an ``actor`` naming who acts (``cli:<OS user>``,
``console:<user>``) and, where it changes anything, ``dry_run``. It returns a result the
caller prints or renders; it never prints. Expected failures raise
:class:`~oc_bridge.errors.OcBridgeError` with a message naming what was wrong.
"""

from __future__ import annotations

from oc_bridge.actions.holds import HoldResult, hold_order, list_holds, release_order

__all__ = ["HoldResult", "hold_order", "list_holds", "release_order"]
