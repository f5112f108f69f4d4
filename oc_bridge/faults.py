"""Crash points: a TEST FACILITY that simulates the process being killed at a chosen step.

The engine calls :func:`crash_point` at the moments where a crash is most dangerous (a side
effect happened but the ledger does not know yet). When the environment variable
``OC_BRIDGE_CRASH_AT`` equals the point's name, and only then, the process ends at once with
exit code 70 through ``os._exit`` (no cleanup, no flushing, no ``finally`` blocks), exactly like
a kill. Unset in production, it costs one dictionary look-up.

Points:

- ``after_export``: an adapter's ``submit_order`` returned; the ledger still says
  ``submitting``.
- ``after_shipment_create``: Orderchamp's ``shipmentCreate`` returned; its id is not recorded.
- ``after_shipment_created``: the shipment id is recorded; ``shipmentShip`` not yet called.
"""

from __future__ import annotations

import os

__all__ = ["CRASH_ENV", "CRASH_EXIT_CODE", "CRASH_POINTS", "crash_point"]

CRASH_ENV = "OC_BRIDGE_CRASH_AT"
CRASH_EXIT_CODE = 70
CRASH_POINTS = frozenset({"after_export", "after_shipment_create", "after_shipment_created"})


def crash_point(name: str) -> None:
    """End the process immediately (exit code 70) when ``$OC_BRIDGE_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(CRASH_EXIT_CODE)
