"""The ShipStation adapter plugin (entry point ``shipstation = "oc_bridge_shipstation"``).

Registers :class:`~oc_bridge_shipstation.adapter.ShipStationAdapter` and the
``oc-bridge shipstation`` helper commands. See ``docs/shipstation.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from oc_bridge.adapter import Adapter
from oc_bridge.plugins import hookimpl

from .adapter import ShipStationAdapter
from .config import ShipStationConfig

__all__ = ["ShipStationAdapter", "ShipStationConfig"]


@hookimpl
def oc_bridge_register_adapters(register: Callable[[type[Adapter[Any]]], None]) -> None:
    """Register the ShipStation adapter class."""
    register(ShipStationAdapter)


@hookimpl
def oc_bridge_add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``oc-bridge shipstation stores|check|webhooks``."""
    from .commands import add_commands

    add_commands(subparsers)


@hookimpl
def oc_bridge_add_routes(router: Any, context: Any) -> None:
    """Add the daemon's webhook route for this adapter type (see its routes module)."""
    from .routes import add_routes

    add_routes(router, context)
