"""The CLI's injectable environment: streams, process environment and lazily built services.

Commands receive a :class:`CliEnv` instead of touching ``sys.stdout`` or ``os.environ``, so
tests drive the whole CLI in-process (``main(argv, env=CliEnv(stdout=StringIO(), ...))``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from oc_bridge.settings import Settings, load_settings

if TYPE_CHECKING:
    from oc_bridge.boundary import BoundAdapter
    from oc_bridge.orderchamp.client import OrderchampClient
    from oc_bridge.plugins import PluginHost
    from oc_bridge.runtime import Runtime

__all__ = ["CliEnv", "ExitCode"]


class ExitCode(IntEnum):
    """Exit codes cron and supervisors can act on."""

    OK = 0
    ERROR = 1
    CONFIG = 2
    PLUGINS = 3
    PARTIAL = 4  # something was parked or failed; the rest went through
    INTERRUPTED = 130


@dataclass
class CliEnv:
    """Streams, environment and the global options of one CLI invocation."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    config_path: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    #: ``--account NAME``: the Orderchamp account commands work on (see oc_bridge.accounts).
    account: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _plugin_host: PluginHost | None = field(default=None, repr=False)

    def plugin_host(self) -> PluginHost:
        """The plugins of this process, loaded once (quietly: ``main`` logs their failures
        after logging is configured). The parser, ``plugins``, ``doctor`` and every command
        that builds adapters share it."""
        if self._plugin_host is None:
            from oc_bridge.plugins import PluginHost

            self._plugin_host = PluginHost.load(environ=self.environ, quiet=True)
        return self._plugin_host

    def open_runtime(self) -> Runtime:
        """:func:`oc_bridge.runtime.open_runtime` with these settings and plugins."""
        from oc_bridge.runtime import open_runtime

        return open_runtime(self.settings(), environ=self.environ, host=self.plugin_host())

    def full_settings(self) -> Settings:
        """The effective settings of the whole deployment, every account included (loaded
        once; raises ``SettingsError`` listing problems)."""
        if self._settings is None:
            self._settings = load_settings(
                self.config_path, overrides=self.overrides, environ=self.environ
            )
        return self._settings

    def settings(self) -> Settings:
        """The settings of the one account this command works on (``--account``, else the
        only one); raises ``ConfigurationError`` when several accounts are configured and
        none was chosen. Without ``[accounts.*]`` tables, the whole settings."""
        from oc_bridge.accounts import select_account

        return select_account(self.full_settings(), self.account)

    def orderchamp_client(self) -> OrderchampClient:
        """A client for the chosen account's Orderchamp endpoint (the caller closes it)."""
        from oc_bridge.accounts import orderchamp_key
        from oc_bridge.orderchamp.factory import client_from_settings

        settings = self.settings()
        return client_from_settings(settings.orderchamp, key=orderchamp_key(settings))

    @contextmanager
    def adapters_for_checking(self, *, whole: bool = False) -> Iterator[dict[str, BoundAdapter]]:
        """Every configured adapter, built (so each table is validated by its adapter's model)
        with a throw-away state folder, and closed afterwards. For ``config check`` and
        ``doctor``: nothing a real run keeps is touched. Raises ``SettingsError`` or
        ``PluginError`` like a real start would. ``whole``: every account's adapters, not
        just the chosen account's."""
        settings = self.full_settings() if whole else self.settings()
        with tempfile.TemporaryDirectory() as tmp:
            adapters = self.plugin_host().build_adapters(settings, state_dir=Path(tmp))
            try:
                yield adapters
            finally:
                for adapter in adapters.values():
                    adapter.close()

    def out(self, text: str = "") -> None:
        """Write a line to stdout."""
        self.stdout.write(text + "\n")

    def err(self, text: str = "") -> None:
        """Write a line to stderr."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    @property
    def stderr_is_tty(self) -> bool:
        """True when stderr is an interactive terminal (progress may redraw in place)."""
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())
