"""oc-bridge's plugin system (pluggy, project ``oc_bridge``).

Plugin authors need :data:`hookimpl` and, for adapters, :mod:`oc_bridge.adapter`; see
``docs/plugins.md``. Core code uses :class:`PluginHost`, the typed facade over the hooks.
"""

from __future__ import annotations

from oc_bridge.plugins.hookspecs import hookimpl
from oc_bridge.plugins.host import PluginHost, require_loaded
from oc_bridge.plugins.manager import PluginFailure, make_plugin_manager

__all__ = ["PluginFailure", "PluginHost", "hookimpl", "make_plugin_manager", "require_loaded"]
