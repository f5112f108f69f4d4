"""The sync daemon (``oc-bridge run``): webhook receiver, durable inbox, workers, scheduler.

What happens when a webhook arrives: :mod:`oc_bridge.daemon.orderchamp_webhooks` checks and
stores it (group commit, :mod:`oc_bridge.daemon.intake`); :mod:`oc_bridge.daemon.workers`
lease it and :mod:`oc_bridge.daemon.inbox` runs the engine for its order.
:mod:`oc_bridge.daemon.app` wires everything into one WSGI app; :mod:`oc_bridge.daemon.server`
serves it with waitress.
"""

from __future__ import annotations

from oc_bridge.daemon.app import DaemonApp, create_app
from oc_bridge.daemon.scheduler import Job, default_jobs

__all__ = ["DaemonApp", "Job", "create_app", "default_jobs"]
