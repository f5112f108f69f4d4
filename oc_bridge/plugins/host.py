"""The plugin host: a typed facade over the plugin manager, one method per hook.

Core code (engine, CLI, daemon) talks to plugins only through :class:`PluginHost`; nobody calls
a hook by its string name. Loading never raises for a broken plugin: failures are recorded and
surface when something needs the broken plugin (:meth:`PluginHost.build_adapters`) or when an
operator asks (``oc-bridge plugins``).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pluggy

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext
from oc_bridge.boundary import BoundAdapter
from oc_bridge.canonical import FulfilmentOrder, ShipmentReport
from oc_bridge.errors import MappingError, OcBridgeError, PluginError, SettingProblem, SettingsError
from oc_bridge.models import Order
from oc_bridge.plugins.manager import (
    DISABLE_ENV,
    AdapterRegistry,
    LoadReport,
    PluginFailure,
    call_one,
    check_instance_capabilities,
    collect_adapters,
    implementers,
    load_plugins,
    make_plugin_manager,
)
from oc_bridge.settings import Settings

__all__ = ["PluginHost", "require_loaded"]

log = logging.getLogger(__name__)


class PluginHost:
    """Loaded plugins and the adapter classes they registered.

    Attributes callers may rely on: ``plugin_manager`` (the pluggy manager), ``adapter_classes``
    (type name → class), ``failures`` (plugins that could not be used, with the cause) and
    ``blocked`` (entry-point names disabled by ``OC_BRIDGE_DISABLE_PLUGINS``).
    """

    def __init__(
        self, plugin_manager: pluggy.PluginManager, report: LoadReport, registry: AdapterRegistry
    ) -> None:
        self.plugin_manager = plugin_manager
        self._report = report
        self._registry = registry
        self.adapter_classes: Mapping[str, type[Adapter[Any]]] = dict(registry.classes)
        self.failures: list[PluginFailure] = report.failures
        self.blocked: list[str] = report.blocked

    @classmethod
    def load(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        entry_points: bool = True,
        extra_plugins: Sequence[object] = (),
        quiet: bool = False,
    ) -> PluginHost:
        """Load the built-ins, the ``oc_bridge`` entry points (one at a time, honouring
        ``OC_BRIDGE_DISABLE_PLUGINS`` from ``environ``, default ``os.environ``) and
        ``extra_plugins``; collect the adapter classes. Never raises for a broken plugin: each
        failure is logged as a warning, unless ``quiet`` (the CLI loads plugins before logging
        is configured, and calls :meth:`log_failures` once it is). Load once per process."""
        pm = make_plugin_manager()
        report = load_plugins(
            pm,
            environ=os.environ if environ is None else environ,
            entry_points=entry_points,
            extra_plugins=extra_plugins,
        )
        registry = collect_adapters(pm, report)
        host = cls(pm, report, registry)
        if not quiet:
            host.log_failures()
        return host

    def log_failures(self) -> None:
        """One warning per plugin that could not be used (with its distribution and cause)."""
        for failure in self.failures:
            log.warning("%s", failure)

    # --- introspection ----------------------------------------------------------------------

    def plugins_info(self) -> list[dict[str, Any]]:
        """One dict per plugin: ``name``, ``distribution``, ``hooks`` (implemented hook names),
        ``adapters`` (type names it registered), ``status`` (``loaded``, ``failed`` or
        ``blocked``) and ``error`` (the cause, None unless failed). Loaded plugins first, in
        load order, then failed ones that never registered, then blocked ones."""
        errors: dict[str, list[str]] = {}
        for failure in self.failures:
            errors.setdefault(failure.name, []).append(failure.error)
        info: list[dict[str, Any]] = []
        seen: set[str] = set()
        for loaded in self._report.loaded:
            seen.add(loaded.name)
            callers = self.plugin_manager.get_hookcallers(loaded.plugin) or []
            info.append({
                "name": loaded.name,
                "distribution": loaded.distribution,
                "hooks": sorted(caller.name for caller in callers),
                "adapters": sorted(t for t, p in self._registry.owners.items()
                                   if p == loaded.name),
                "status": "failed" if loaded.name in errors else "loaded",
                "error": "; ".join(errors[loaded.name]) if loaded.name in errors else None,
            })
        for failure in self.failures:
            if failure.name not in seen:
                seen.add(failure.name)
                info.append({"name": failure.name, "distribution": failure.distribution,
                             "hooks": [], "adapters": [], "status": "failed",
                             "error": "; ".join(errors[failure.name])})
        for name in self.blocked:
            info.append({"name": name, "distribution": None, "hooks": [], "adapters": [],
                         "status": "blocked", "error": None})
        return info

    # --- adapters -----------------------------------------------------------------------------

    def adapter_class(self, type_name: str, *, instance: str) -> type[Adapter[Any]]:
        """The class for adapter type ``type_name`` used by ``[adapters.<instance>]``, or a
        ``PluginError`` explaining why it is not available (conflict, failed or disabled
        plugin, or unknown type with the list of known ones)."""
        cls = self.adapter_classes.get(type_name)
        if cls is not None:
            return cls
        if type_name in self._registry.conflicts:
            raise PluginError(f"adapters.{instance}: {self._registry.conflicts[type_name]}")
        for failure in self.failures:
            if failure.name == type_name:
                raise PluginError(
                    f"adapters.{instance}: adapter type {type_name!r} is unavailable because "
                    f"{failure}"
                )
        if type_name in self.blocked:
            raise PluginError(
                f"adapters.{instance}: adapter type {type_name!r} is unavailable: plugin "
                f"{type_name!r} is disabled by {DISABLE_ENV}"
            )
        known = ", ".join(sorted(self.adapter_classes)) or "none"
        message = f"adapters.{instance}: unknown adapter type {type_name!r} (known types: {known})"
        if self.failures:
            message += "; plugins that failed to load: " + "; ".join(map(str, self.failures))
        raise PluginError(message)

    def build_adapters(
        self, settings: Settings, *, state_dir: Path
    ) -> dict[str, BoundAdapter]:
        """One adapter instance per enabled ``[adapters.<instance>]`` table, keyed by instance,
        each behind its :class:`~oc_bridge.boundary.BoundAdapter` (the only way core calls it).

        Raises ``PluginError`` when a configured type is unavailable (naming the instance and
        the known types, or the failed plugin and its cause), then ``SettingsError`` with every
        problem of every table (keys like ``adapters.csv.delimiter``). Each instance gets
        ``AdapterContext(instance, state_dir / instance, settings)``; nothing is created on
        disk here. A constructor raising anything but an oc-bridge error is a ``PluginError``
        naming the instance (the traceback is logged).
        """
        enabled = [name for name, section in settings.adapters.items() if section.enabled]
        classes: dict[str, type[Adapter[Any]]] = {}
        plugin_errors: list[str] = []
        for instance in enabled:
            try:
                classes[instance] = self.adapter_class(
                    settings.adapter_type(instance), instance=instance
                )
            except PluginError as exc:
                plugin_errors.append(exc.message)
        if plugin_errors:
            raise PluginError("\n".join(plugin_errors))
        configs: dict[str, AdapterConfig] = {}
        problems: list[SettingProblem] = []
        for instance in enabled:
            try:
                configs[instance] = classes[instance].parse_config(
                    instance, settings.adapters[instance].options()
                )
            except SettingsError as exc:
                problems.extend(exc.problems)
        if problems:
            raise SettingsError(problems)
        for instance in enabled:
            try:
                check_instance_capabilities(classes[instance], configs[instance], instance)
            except PluginError as exc:
                plugin_errors.append(exc.message)
        if plugin_errors:
            raise PluginError("\n".join(plugin_errors))
        adapters: dict[str, BoundAdapter] = {}
        try:
            for instance in enabled:
                context = AdapterContext(
                    instance=instance,
                    state_dir=Path(state_dir) / instance,
                    settings=settings,
                    logger=logging.getLogger(f"oc_bridge.adapter.{instance}"),
                )
                adapters[instance] = BoundAdapter(
                    _construct(classes[instance], configs[instance], context))
        except BaseException:
            for adapter in adapters.values():
                adapter.close()
            raise
        return adapters

    # --- first-result hooks -------------------------------------------------------------------

    def map_order(self, order: Order, *, instance: str, revision: int) -> FulfilmentOrder:
        """The canonical order for ``instance`` at ``revision`` (site plugins first, built-in
        mapping last). Raises ``MappingError`` when no plugin could map it or a plugin failed
        unexpectedly (the traceback is logged)."""
        try:
            result = self.plugin_manager.hook.oc_bridge_map_order(
                order=order, instance=instance, revision=revision
            )
        except OcBridgeError:
            raise
        except Exception as exc:
            log.exception("mapping order %s failed in a plugin", order.id)
            raise MappingError(f"order {order.number}: mapping failed: {exc}") from exc
        if not isinstance(result, FulfilmentOrder):
            raise MappingError(
                f"order {order.number}: no plugin mapped it (got {type(result).__name__})"
            )
        return result

    def route_order(self, order: Order, instances: Sequence[str], settings: Settings) -> list[str]:
        """The adapter instances ``order`` goes to, a subset of ``instances`` in their order
        (empty: nowhere). Names a plugin returns that are not in ``instances`` are dropped with
        a warning."""
        chosen = self.plugin_manager.hook.oc_bridge_route_order(
            order=order, instances=list(instances), settings=settings
        )
        result: list[str] = []
        for name in chosen or []:
            if name not in instances:
                log.warning("order %s routed to unknown or disabled adapter %r; ignored",
                            order.id, name)
            elif name not in result:
                result.append(name)
        return result

    # --- observers ------------------------------------------------------------------------------

    def _call_each(self, hook_name: str, failed: str, **kwargs: Any) -> None:
        """Call a broadcast hook through pluggy one plugin at a time, in pluggy's calling
        order; a plugin that raises is logged (``failed`` says what it failed to do) and the
        others still run."""
        for plugin_name in implementers(self.plugin_manager, hook_name):
            try:
                call_one(self.plugin_manager, hook_name, plugin_name, **kwargs)
            except Exception:
                log.exception("plugin %s failed to %s; continuing", plugin_name, failed)

    def _notify(self, hook_name: str, **kwargs: Any) -> None:
        self._call_each(hook_name, f"observe {hook_name}", **kwargs)

    def notify_order_exported(
        self, *, instance: str, order: FulfilmentOrder, external_id: str | None
    ) -> None:
        """Tell every ``oc_bridge_order_exported`` observer, one at a time; never raises."""
        self._notify("oc_bridge_order_exported", instance=instance, order=order,
                     external_id=external_id)

    def notify_shipment_reported(
        self, *, instance: str, shipment: ShipmentReport, shipment_id: str
    ) -> None:
        """Tell every ``oc_bridge_shipment_reported`` observer, one at a time; never raises."""
        self._notify("oc_bridge_shipment_reported", instance=instance, shipment=shipment,
                     shipment_id=shipment_id)

    def notify_order_parked(
        self, *, kind: str, reference: str, instance: str | None, reason: str
    ) -> None:
        """Tell every ``oc_bridge_order_parked`` observer, one at a time; never raises."""
        self._notify("oc_bridge_order_parked", kind=kind, reference=reference,
                     instance=instance, reason=reason)

    # --- CLI --------------------------------------------------------------------------------

    def add_commands(self, subparsers: argparse._SubParsersAction) -> None:
        """Let every plugin add its commands; a failing plugin is logged and skipped."""
        self._call_each("oc_bridge_add_commands", "add its commands", subparsers=subparsers)


    # --- daemon -----------------------------------------------------------------------------

    def add_routes(self, router: Any, context: Any) -> None:
        """Let every plugin add its daemon routes, one at a time; a failing one is logged and
        skipped (its routes may be missing, the others still work)."""
        self._call_each("oc_bridge_add_routes", "add its routes", router=router,
                        context=context)


def _construct(
    cls: type[Adapter[Any]], config: AdapterConfig, context: AdapterContext
) -> Adapter[Any]:
    try:
        return cls(config, context)
    except OcBridgeError:
        raise
    except Exception as exc:
        log.error("building adapter %s (%s) failed", context.instance, cls.name, exc_info=True)
        raise PluginError(f"adapters.{context.instance}: building the {cls.name!r} adapter "
                          f"failed: {type(exc).__name__}: {exc}") from exc


def require_loaded(host: PluginHost, settings: Settings) -> None:
    """Raise ``PluginError`` unless every enabled adapter instance's type is available (its
    plugin loaded, not disabled, no name conflict). ``run`` and ``sync`` call this (or
    :meth:`PluginHost.build_adapters`, which checks the same first) before starting."""
    errors: list[str] = []
    for instance, section in settings.adapters.items():
        if not section.enabled:
            continue
        try:
            host.adapter_class(settings.adapter_type(instance), instance=instance)
        except PluginError as exc:
            errors.append(exc.message)
    if errors:
        raise PluginError("\n".join(errors))
