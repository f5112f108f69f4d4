"""The hook specifications of oc-bridge: what a plugin may implement.

Every hook carries the ``oc_bridge_`` prefix so an implementation is recognisable in any module.
Hooks *discover and observe*; they never do fulfilment work themselves: adapters are classes
registered through :func:`oc_bridge_register_adapters` and called by the engine one configured
instance at a time.

Implement a hook with the :data:`hookimpl` marker (re-exported as ``oc_bridge.plugins.hookimpl``)::

    from oc_bridge.plugins import hookimpl

    @hookimpl
    def oc_bridge_register_adapters(register):
        register(MyAdapter)

An implementation may accept fewer arguments than the spec lists (pluggy passes only the ones it
names). An implementation of a hook that is not specified here is rejected when the plugin
loads. ``docs/plugins.md`` documents every hook; a test keeps the two in step.
"""

from __future__ import annotations

from argparse import _SubParsersAction
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from oc_bridge.adapter import Adapter
    from oc_bridge.canonical import FulfilmentOrder, ShipmentReport
    from oc_bridge.models import Order
    from oc_bridge.settings import Settings

__all__ = ["PROJECT", "hookimpl", "hookspec"]

#: The pluggy project name, also the entry-point group plugins are published under.
PROJECT = "oc_bridge"

hookspec = pluggy.HookspecMarker(PROJECT)
#: Marker for hook implementations in plugins: ``@hookimpl``, ``@hookimpl(trylast=True)``...
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def oc_bridge_register_adapters(register: Callable[[type[Adapter]], None]) -> None:
    """Register adapter classes by calling ``register(AdapterClass)`` once per class.

    Called once when the plugin host loads, before any adapter is built. ``register`` validates
    the class at once (a subclass of :class:`~oc_bridge.adapter.Adapter` with a non-empty
    ``name``, a ``Config`` subclass of :class:`~oc_bridge.adapter.AdapterConfig` and
    ``capabilities`` a ``frozenset`` of :class:`~oc_bridge.adapter.Capability`) and raises
    :class:`~oc_bridge.errors.PluginError` otherwise. A name registered by two plugins is an
    error for both: neither is used, nothing is renamed. Do not build instances here; return
    nothing.
    """


@hookspec(firstresult=True)
def oc_bridge_map_order(order: Order, instance: str, revision: int) -> FulfilmentOrder | None:
    """Map an Orderchamp order onto the canonical :class:`~oc_bridge.canonical.FulfilmentOrder`
    handed to adapter ``instance``, as revision ``revision``.

    First result wins: return a ``FulfilmentOrder`` (with ``revision`` set to the given one) to
    take over, or ``None`` to let the next implementation decide. The built-in mapping
    (:func:`oc_bridge.mapping.map_order`) runs last, so a site plugin's implementation replaces
    it. A wrapper (``@hookimpl(wrapper=True)``) may adjust the result of the others (SKU
    aliases, extra fields) by returning a changed copy. ``order`` holds every line
    (``order.products`` is complete). Raise :class:`~oc_bridge.errors.MappingError` when the
    order cannot be mapped: the engine parks it with the message.
    """


@hookspec(firstresult=True)
def oc_bridge_route_order(
    order: Order, instances: list[str], settings: Settings
) -> list[str] | None:
    """Choose the adapter instances an order goes to.

    ``instances`` are the names of the enabled ``[adapters.<instance>]`` tables. First result
    wins: return a list of instance names (a subset of ``instances``; an empty list means "no
    adapter", the engine parks the order) or ``None`` to let the next implementation decide. The
    built-in (run last) applies ``sync.routing``: no rules sends the order to every instance;
    otherwise the first rule whose ``countries`` contains the ship-to country and whose
    ``sku_prefixes`` match any line's SKU gives ``[rule.adapter]``; no match gives ``[]``.
    """


@hookspec
def oc_bridge_add_commands(subparsers: _SubParsersAction) -> None:
    """Add CLI commands: call ``subparsers.add_parser(name, help=...)`` and give the parser a
    ``handler`` default, ``set_defaults(handler=fn)`` with ``fn(args, env) -> int`` where ``env``
    is the CLI's :class:`~oc_bridge.cli.env.CliEnv`. Called each time the CLI builds its parser.
    A failing implementation is logged and skipped; the other commands still work.
    """


@hookspec
def oc_bridge_order_exported(
    instance: str, order: FulfilmentOrder, external_id: str | None
) -> None:
    """Observer: ``order`` (at its ``revision``) was handed to adapter ``instance``, which gave
    it ``external_id`` (None when the back end has no id). Called after the ledger recorded it.

    Observers are called one at a time; an exception is logged and the next observer still
    runs. Return nothing; do not block (no long network calls).
    """


@hookspec
def oc_bridge_shipment_reported(instance: str, shipment: ShipmentReport, shipment_id: str) -> None:
    """Observer: ``shipment`` pulled from adapter ``instance`` was created and shipped in
    Orderchamp as shipment ``shipment_id``. Called once per shipment, after the ledger recorded
    it. A failing observer is logged and never blocks shipment reporting. Return nothing.
    """


@hookspec
def oc_bridge_order_parked(kind: str, reference: str, instance: str | None, reason: str) -> None:
    """Observer: an item was parked for a human. ``kind`` says what (``order``, ``shipment``,
    ``inbound``...), ``reference`` identifies it (Orderchamp order id, shipment key or source),
    ``instance`` is the adapter instance involved (None when none), ``reason`` the message.
    Good for alerting. A failing observer is logged and skipped. Return nothing.
    """


@hookspec
def oc_bridge_add_routes(router: Any, context: Any) -> None:
    """Add HTTP routes to the daemon (``oc-bridge run``).

    Call ``router.add(method, pattern, handler)``: ``pattern`` is a path with ``<name>``
    placeholders (``/webhooks/acme/<instance>``), ``handler(request) -> Response`` receives a
    :class:`~oc_bridge.daemon.web.Request` (``body``, ``headers``, ``params``, ``remote``).
    Every route gets the daemon's body size limit and error handling (a 500 never shows a
    traceback). ``context`` is a :class:`~oc_bridge.daemon.adapter_routes.RouteContext`:
    ``adapters_of_type(type)`` gives the configured adapter instances by name;
    ``add_reader(source, reader)`` says how a worker turns a stored delivery of ``source``
    (``adapter:<instance>``) into a ``ShipmentPull`` (``reader(headers, body)``); and
    ``enqueue(source, event, body, headers)`` stores the raw delivery durably in the inbox
    (committed when it returns: answer 2xx only after it). Called once at start-up; a failing
    implementation is logged and skipped.
    """
