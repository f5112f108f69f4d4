"""Building every service from the settings in one place: plugins, adapters, ledger, client.

``with open_runtime(settings) as runtime:`` gives a :class:`Runtime` whose ``engine()`` is
ready to sync; leaving the block closes adapters, the client and the store (in that order).
The CLI's ``sync``/``retry`` and the daemon use it, so they always build the same things.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oc_bridge.accounts import orderchamp_key
from oc_bridge.boundary import BoundAdapter
from oc_bridge.engine import SyncEngine
from oc_bridge.engine.progress import ProgressReporter
from oc_bridge.orderchamp.client import OrderchampClient
from oc_bridge.orderchamp.factory import client_from_settings
from oc_bridge.plugins import PluginHost
from oc_bridge.settings import Settings
from oc_bridge.store import Store, check_store_url, open_store, sqlite_path

__all__ = ["STATE_DIR_NAME", "Runtime", "open_runtime", "state_dir_for"]

log = logging.getLogger(__name__)

#: The folder (next to the SQLite ledger, else in the working directory) for adapter state.
STATE_DIR_NAME = ".oc-bridge-state"


def state_dir_for(settings: Settings) -> Path:
    """Where adapters keep their own bookkeeping: ``<folder of the sqlite file>/.oc-bridge-
    state``, or ``./.oc-bridge-state`` for other stores."""
    path = sqlite_path(settings.store.url)
    base = path.resolve().parent if path is not None else Path.cwd()
    return base / STATE_DIR_NAME


@dataclass
class Runtime:
    """The services of one process. Close it (or use it as a context manager) when done."""

    settings: Settings
    host: PluginHost
    adapters: dict[str, BoundAdapter]
    store: Store
    client: OrderchampClient
    _closed: bool = field(default=False, repr=False)

    def engine(
        self, *, dry_run: bool = False,
        progress: ProgressReporter | Callable[[str], None] | None = None,
    ) -> SyncEngine:
        """A sync engine over these services."""
        return SyncEngine(self.settings, self.client, self.store, self.adapters, self.host,
                          dry_run=dry_run, progress=progress)

    def close(self) -> None:
        """Close adapters, then the client, then the store; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for adapter in self.adapters.values():
            adapter.close()  # never raises: the boundary logs a failure
        self.client.close()
        self.store.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_runtime(settings: Settings, *, environ: Mapping[str, str] | None = None,
                 host: PluginHost | None = None) -> Runtime:
    """Build plugins, adapters, store and client from ``settings``.

    Raises ``ConfigurationError`` naming ``orderchamp.token`` when no token is set,
    ``SettingsError`` naming ``store.url`` when the ledger's place cannot be used,
    ``PluginError`` when an adapter's plugin is unavailable, ``SettingsError`` for bad adapter
    settings; whatever was built before the failure is closed again.
    """
    # Adapters keep their state next to the ledger: an unusable store.url stops here, named.
    check_store_url(settings.store.url)
    client = client_from_settings(settings.orderchamp,  # checks the token
                                  key=orderchamp_key(settings))
    adapters: dict[str, BoundAdapter] = {}
    try:
        host = host or PluginHost.load(environ=environ)
        adapters = host.build_adapters(settings, state_dir=state_dir_for(settings))
        store = open_store(settings.store.url)
    except BaseException:
        for adapter in adapters.values():
            adapter.close()
        client.close()
        raise
    return Runtime(settings=settings, host=host, adapters=adapters, store=store, client=client)
