"""The configurable REST warehouse (WMS) adapter, type ``rest``.

Registered through the ``oc_bridge`` entry-point group like any third-party adapter
(``rest = "oc_bridge_rest"``). See ``docs/rest-wms.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oc_bridge.adapter import Adapter
from oc_bridge.plugins import hookimpl
from oc_bridge_rest.adapter import RestWmsAdapter
from oc_bridge_rest.signatures import WebhookSignatureError

__all__ = ["RestWmsAdapter", "WebhookSignatureError", "oc_bridge_register_adapters"]


@hookimpl
def oc_bridge_register_adapters(register: Callable[[type[Adapter[Any]]], None]) -> None:
    """Register :class:`RestWmsAdapter` (type ``rest``)."""
    register(RestWmsAdapter)


@hookimpl
def oc_bridge_add_routes(router: Any, context: Any) -> None:
    """Add the daemon's webhook route for this adapter type (see its routes module)."""
    from oc_bridge_rest.routes import add_routes

    add_routes(router, context)
