"""Building the pluggy plugin manager and loading plugins one at a time.

Nothing here is an import-time global: :func:`make_plugin_manager` builds a fresh manager and
:func:`load_plugins` fills it. Each entry point of the ``oc_bridge`` group is loaded, registered
and checked on its own, so one broken plugin is recorded as a :class:`PluginFailure` (with its
distribution and the cause) while the others still load.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pluggy

from oc_bridge import __version__
from oc_bridge.adapter import CAPABILITY_METHODS, Adapter, AdapterConfig, Capability
from oc_bridge.errors import PluginError
from oc_bridge.plugins import hookspecs

__all__ = [
    "DISABLE_ENV",
    "AdapterRegistry",
    "LoadReport",
    "LoadedPlugin",
    "PluginFailure",
    "check_instance_capabilities",
    "collect_adapters",
    "disabled_plugins",
    "load_plugins",
    "make_plugin_manager",
    "register_checked",
    "validate_adapter_class",
]

log = logging.getLogger(__name__)

#: Environment variable listing entry-point names not to load (``a,b``).
DISABLE_ENV = "OC_BRIDGE_DISABLE_PLUGINS"
_PREFIX = "oc_bridge_"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be used: its entry-point (or registered) name, its distribution
    (``name version``, None when unknown) and the cause as text (``ImportError: ...``)."""

    name: str
    distribution: str | None
    error: str

    def __str__(self) -> str:
        where = f" (from {self.distribution})" if self.distribution else ""
        return f"plugin {self.name!r}{where} failed: {self.error}"


@dataclass(frozen=True)
class LoadedPlugin:
    """A registered plugin: its pluggy name, distribution (None when unknown) and object."""

    name: str
    distribution: str | None
    plugin: object


@dataclass
class LoadReport:
    """What :func:`load_plugins` did: plugins registered, failed and blocked, in load order."""

    loaded: list[LoadedPlugin] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


class _OcBridgePluginManager(pluggy.PluginManager):
    """Also treats unmarked ``oc_bridge_*`` functions as implementations (as pytest does with
    ``pytest_*``), so a misspelt hook name is caught by ``check_pending`` instead of being
    silently ignored."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(_PREFIX):
            method = getattr(plugin, name, None)
            if inspect.isroutine(method):
                return {}
        return opts


def make_plugin_manager() -> pluggy.PluginManager:
    """A new plugin manager for project ``oc_bridge`` with every hookspec added and nothing
    registered."""
    pm = _OcBridgePluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def disabled_plugins(environ: Mapping[str, str]) -> set[str]:
    """Entry-point names listed in ``OC_BRIDGE_DISABLE_PLUGINS`` (comma separated, trimmed)."""
    raw = environ.get(DISABLE_ENV, "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _distribution(entry_point: importlib.metadata.EntryPoint) -> str | None:
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return None
    try:
        return f"{dist.metadata['Name']} {dist.version}"
    except Exception:  # broken metadata must not stop loading
        return None


def register_checked(
    pm: pluggy.PluginManager, plugin: object, name: str | None, distribution: str | None,
    report: LoadReport,
) -> bool:
    """Register one plugin and check that every hook it implements has a spec.

    On failure the plugin is unregistered again and recorded in ``report.failures`` (naming the
    plugin and, for an unknown hook, the hook); returns whether it was registered.
    """
    label = name or getattr(plugin, "__name__", None) or repr(plugin)
    try:
        registered = pm.register(plugin, name=name)
    except Exception as exc:  # pluggy raises ValueError / PluginValidationError
        report.failures.append(PluginFailure(label, distribution, _describe(exc)))
        return False
    if registered is None:  # blocked in pluggy
        report.blocked.append(label)
        return False
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(plugin)
        report.failures.append(PluginFailure(registered, distribution, _describe(exc)))
        return False
    report.loaded.append(LoadedPlugin(registered, distribution, plugin))
    return True


def load_plugins(
    pm: pluggy.PluginManager,
    *,
    environ: Mapping[str, str],
    entry_points: bool = True,
    extra_plugins: Sequence[object] = (),
) -> LoadReport:
    """Register the built-in plugin, then each ``oc_bridge`` entry point (unless disabled),
    then ``extra_plugins``. Never raises for a broken plugin: it is recorded in the report
    (:meth:`PluginHost.log_failures` logs the report's failures).

    Later registrations run first in pluggy, so entry-point plugins precede the built-ins and
    ``extra_plugins`` precede both (``trylast``/``tryfirst`` still apply).
    """
    from oc_bridge.plugins import builtin

    report = LoadReport()
    register_checked(pm, builtin, "builtin", f"oc-bridge {__version__}", report)
    if entry_points:
        blocked = disabled_plugins(environ)
        for entry_point in importlib.metadata.entry_points(group=hookspecs.PROJECT):
            distribution = _distribution(entry_point)
            if entry_point.name in blocked:
                log.info("plugin %s is disabled by %s", entry_point.name, DISABLE_ENV)
                report.blocked.append(entry_point.name)
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:  # any error in third-party import code
                log.debug("plugin %s failed to load", entry_point.name, exc_info=True)
                report.failures.append(
                    PluginFailure(entry_point.name, distribution, _describe(exc))
                )
                continue
            register_checked(pm, plugin, entry_point.name, distribution, report)
    for plugin in extra_plugins:
        register_checked(pm, plugin, None, None, report)
    return report


# --- adapter registration ----------------------------------------------------------------------


@dataclass
class AdapterRegistry:
    """Adapter classes registered through ``oc_bridge_register_adapters``.

    ``classes`` maps type name to class; ``owners`` the type name to the plugin that registered
    it; ``conflicts`` holds type names registered by more than one plugin (unusable, with the
    message to show).
    """

    classes: dict[str, type[Adapter[Any]]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)


def _is_capability_set(value: object) -> bool:
    return isinstance(value, frozenset) and all(isinstance(c, Capability) for c in value)


def validate_adapter_class(cls: object) -> type[Adapter[Any]]:
    """Return ``cls`` when it is a usable adapter class, else raise ``PluginError`` saying what
    is wrong (not an Adapter subclass, no ``name``, bad ``Config`` or ``capabilities``, or a
    declared capability whose method is not overridden)."""
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise PluginError(f"{cls!r} is not a subclass of oc_bridge.adapter.Adapter")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise PluginError(f"adapter class {cls.__qualname__} has no 'name' (its type name)")
    config = getattr(cls, "Config", None)
    if not (isinstance(config, type) and issubclass(config, AdapterConfig)):
        raise PluginError(f"adapter {name!r}: Config must be a subclass of AdapterConfig")
    capabilities = getattr(cls, "capabilities", None)
    if not _is_capability_set(capabilities):
        raise PluginError(f"adapter {name!r}: capabilities must be a frozenset of Capability")
    missing = sorted(f"{c.value} needs {method}()" for c, method in CAPABILITY_METHODS.items()
                     if c in cls.capabilities and getattr(cls, method) is getattr(Adapter, method))
    if missing:
        raise PluginError(f"adapter {name!r} declares capabilities whose method it does not "
                          f"implement: {'; '.join(missing)}")
    return cls


def check_instance_capabilities(
    cls: type[Adapter[Any]], config: AdapterConfig, instance: str
) -> frozenset[Capability]:
    """``cls.capabilities_for(config)`` when it is a frozenset of Capability within the class's
    declared ``capabilities``; else ``PluginError`` naming the instance (raised too when
    ``capabilities_for`` itself fails)."""
    try:
        enabled = cls.capabilities_for(config)
    except Exception as exc:
        raise PluginError(f"adapters.{instance}: {cls.__qualname__}.capabilities_for failed: "
                          f"{_describe(exc)}") from exc
    if not _is_capability_set(enabled):
        raise PluginError(f"adapters.{instance}: {cls.__qualname__}.capabilities_for must "
                          f"return a frozenset of Capability, not {enabled!r}")
    extra = sorted(c.value for c in enabled - cls.capabilities)
    if extra:
        raise PluginError(f"adapters.{instance}: {cls.__qualname__}.capabilities_for gave "
                          f"capabilities the class does not declare: {', '.join(extra)}")
    return enabled


def collect_adapters(pm: pluggy.PluginManager, report: LoadReport) -> AdapterRegistry:
    """Call each plugin's ``oc_bridge_register_adapters`` on its own and validate what it
    registers. A plugin whose hook raises (or registers an invalid class) is recorded as failed
    and unregistered; a type name registered by two plugins is recorded as a failure of the
    later plugin and made unusable for both."""
    registry = AdapterRegistry()
    hook = "oc_bridge_register_adapters"
    for plugin_name in implementers(pm, hook, calling_order=False):
        found: list[type[Adapter[Any]]] = []

        def register(cls: type[Adapter[Any]], _found: list[type[Adapter[Any]]] = found) -> None:
            _found.append(validate_adapter_class(cls))

        try:
            call_one(pm, hook, plugin_name, register=register)
        except Exception as exc:
            distribution = _distribution_of(report, plugin_name)
            report.failures.append(PluginFailure(plugin_name, distribution, _describe(exc)))
            report.loaded = [p for p in report.loaded if p.name != plugin_name]
            pm.unregister(name=plugin_name)
            log.debug("plugin %s failed to register adapters", plugin_name, exc_info=True)
            continue
        for cls in found:
            _add(registry, report, cls, plugin_name)
    return registry


def implementers(pm: pluggy.PluginManager, hook_name: str, *, calling_order: bool = True
                 ) -> list[str]:
    """Names of the plugins implementing ``hook_name`` (hook wrappers aside), in pluggy's
    calling order (last registered first) or, with ``calling_order=False``, in registration
    order."""
    impls = getattr(pm.hook, hook_name).get_hookimpls()
    names = [impl.plugin_name for impl in impls if not (impl.wrapper or impl.hookwrapper)]
    return list(dict.fromkeys(reversed(names) if calling_order else names))


def call_one(pm: pluggy.PluginManager, hook_name: str, plugin_name: str, **kwargs: Any) -> Any:
    """Call ``hook_name`` through pluggy for one plugin only (its wrappers included, argument
    checks and tracing as usual). Broadcast hooks are called this way, one plugin at a time,
    because pluggy's own call stops at the first exception and one plugin must never stop
    the others."""
    plugin = pm.get_plugin(plugin_name)
    others = [p for p in pm.get_plugins() if p is not plugin]
    return pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)


def _add(
    registry: AdapterRegistry, report: LoadReport, cls: type[Adapter[Any]], plugin: str
) -> None:
    name = cls.name
    owner = registry.owners.get(name)
    if owner is None:
        registry.classes[name] = cls
        registry.owners[name] = plugin
        return
    if owner == plugin and registry.classes.get(name) is cls:
        return  # the same class registered twice by one plugin: harmless
    message = (
        f"adapter type {name!r} is registered by both plugin {owner!r} and plugin {plugin!r}; "
        f"uninstall or disable one ({DISABLE_ENV})"
    )
    registry.conflicts[name] = message
    registry.classes.pop(name, None)
    report.failures.append(PluginFailure(plugin, _distribution_of(report, plugin), message))
    log.error("%s", message)


def _distribution_of(report: LoadReport, plugin: str) -> str | None:
    for loaded in report.loaded:
        if loaded.name == plugin:
            return loaded.distribution
    return None
