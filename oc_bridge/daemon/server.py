"""``oc-bridge run``: waitress serving the daemon app, with a graceful stop on SIGTERM/SIGINT.

On a signal: stop accepting connections, let in-flight requests and inbox groups finish within
``daemon.shutdown_timeout`` (a group not finished by then keeps its lease, which expires so the
next start takes it again), close the intake, adapters, client and store, and return 0.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterable, Mapping
from types import FrameType
from typing import Any, Protocol

from waitress.server import create_server

from oc_bridge.daemon.app import DaemonApp
from oc_bridge.daemon.web import StartResponse
from oc_bridge.runtime import Runtime
from oc_bridge.settings import DaemonSettings

__all__ = ["serve", "serve_accounts", "serve_app"]

log = logging.getLogger(__name__)


class _App(Protocol):
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        ...

    def start(self) -> None:
        ...

    def stop(self, timeout: float | None = None) -> bool:
        ...


def serve(runtime: Runtime) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
    return serve_app(DaemonApp(runtime), runtime.settings.daemon)


def serve_accounts(runtimes: Mapping[str, Runtime]) -> int:
    """Serve several accounts' runtimes behind one front (see
    :mod:`oc_bridge.daemon.accounts`); the daemon settings are the same in every one."""
    from oc_bridge.daemon.accounts import AccountsDaemonApp

    app = AccountsDaemonApp(runtimes)
    return serve_app(app, app.daemon_settings)


def serve_app(app: _App, settings: DaemonSettings) -> int:
    """Serve ``app`` until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
    server = create_server(app, host=settings.host, port=settings.port, threads=settings.threads,
                           max_request_body_size=settings.max_body_bytes + 1,
                           ident="oc-bridge", clear_untrusted_proxy_headers=True)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        log.info("received %s: stopping", signal.Signals(signum).name)
        stopping.set()
        # waitress' loop catches SystemExit: it stops accepting and lets the request threads
        # finish what they hold (its own bound, 5 s) before run() returns.
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        app.start()
        log.info("listening on %s:%s", settings.host, getattr(server, "effective_port", "?"))
        if not stopping.is_set():
            server.run()
    except SystemExit:
        pass
    finally:
        stopping.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
        clean = app.stop(settings.shutdown_timeout)
        log.info("stopped%s", "" if clean else " (unfinished work is taken again after restart)")
    return 0
