"""The operator console: server-rendered pages under ``/console/`` of the daemon (off unless
``[console] enabled = true``). See docs/console.md.

:func:`mount_console` adds :data:`ROUTES` to the daemon's router; the pages live in
:mod:`oc_bridge.console.views`, what they show in :mod:`oc_bridge.console.overview` and
:mod:`oc_bridge.console.timeline`, the security primitives in :mod:`oc_bridge.console.security`.
"""

from __future__ import annotations

from oc_bridge.console.app import ROUTES, Console, ConsoleRoute, mount_console
from oc_bridge.console.overview import ConsoleServices

__all__ = ["ROUTES", "Console", "ConsoleRoute", "ConsoleServices", "mount_console"]
