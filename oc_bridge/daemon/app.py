"""The daemon's WSGI application: routes, inbox intake, workers and scheduler in one object.

``create_app()`` is a plain WSGI callable factory (``gunicorn 'oc_bridge.daemon.app:
create_app()'``): without arguments it loads settings from the environment / ``OC_BRIDGE_CONFIG``
and starts its workers and scheduler at once. ``oc-bridge run`` passes a runtime and starts them
itself, after the HTTP server is bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from oc_bridge.alerts import AlertService
from oc_bridge.daemon.adapter_routes import RouteContext
from oc_bridge.daemon.inbox import InboxProcessor
from oc_bridge.daemon.intake import InboxWriter
from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.daemon.orderchamp_webhooks import OrderchampWebhookHandler
from oc_bridge.daemon.scheduler import Scheduler, default_jobs
from oc_bridge.daemon.web import Request, Response, Router, StartResponse, WsgiApp
from oc_bridge.daemon.workers import WorkerPool
from oc_bridge.engine import SyncEngine, SyncSummary
from oc_bridge.plugins.host import require_loaded
from oc_bridge.runtime import Runtime, open_runtime
from oc_bridge.settings import Settings, load_settings
from oc_bridge.store import InboxDelivery

if TYPE_CHECKING:
    from oc_bridge.console import Console
    from oc_bridge.daemon.accounts import AccountsDaemonApp

__all__ = ["DaemonApp", "DaemonContext", "create_app"]

log = logging.getLogger(__name__)

ORDERCHAMP_PATH = "/webhooks/orderchamp"
#: Seconds a new inbox item waits before it is processed (coalescing window).
SETTLE_SECONDS = 2.0
#: Ledger cursor: when a daemon (any replica) last completed a reconciliation (epoch seconds).
RECONCILED_CURSOR = "daemon:reconciled_at"


class DaemonContext:
    """The services daemon jobs and workers share: runtime, an engine per thread, metrics,
    and the time of the last successful reconciliation.

    Engine calls run in parallel: every worker thread and every scheduled job has its own
    :class:`SyncEngine` (:attr:`engine`), with its own claims owner, so two threads of this
    process exclude each other from one order (or one job) through the ledger's claims exactly
    as two replicas do. They share the runtime's client (thread-safe; its budget bounds the
    parallelism), store (thread-safe) and adapters (each serialised by the boundary unless it
    declares itself thread-safe).
    """

    def __init__(self, runtime: Runtime, metrics: DaemonMetrics) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.store = runtime.store
        self.metrics = metrics
        self.last_reconciled: float | None = None
        #: What the last successful reconciliation did (shown by the console).
        self.last_reconcile_summary: SyncSummary | None = None
        #: Alert detection and delivery (the ``alerts`` job, lost-webhook alerts).
        self.alerts = AlertService(runtime.store, runtime.settings.alerts, observer=metrics,
                                   on_counts=metrics.set_stuck,
                                   account=runtime.settings.account)
        self._local = threading.local()

    @property
    def engine(self) -> SyncEngine:
        """The calling thread's engine (made on first use)."""
        engine: SyncEngine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = self.runtime.engine()
            self._local.engine = engine
        return engine

    def mark_reconciled(self) -> None:
        """Record a successful reconciliation (for /readyz and the metric), here and in the
        ledger, where the other replicas see it."""
        self.last_reconciled = time.time()
        self.metrics.last_reconcile.set(self.last_reconciled)
        try:
            self.store.set_cursor(RECONCILED_CURSOR, repr(self.last_reconciled))
        except Exception as exc:  # readiness of the others only; never fails the job
            log.warning("recording the reconciliation time failed: %s", exc)

    def reconciled_at(self) -> float | None:
        """When the last reconciliation completed, by this process or (read from the ledger)
        any other replica: only one replica at a time reconciles (the others skip the job),
        and every one of them is as up to date as the ledger. None when none did yet."""
        shared = self.store.get_cursor(RECONCILED_CURSOR)
        times = [t for t in (self.last_reconciled, _epoch(shared)) if t is not None]
        return max(times) if times else None


def _epoch(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class DaemonApp:
    """The WSGI callable plus the background machinery; :meth:`start` and :meth:`stop`."""

    def __init__(self, runtime: Runtime, *, owns_runtime: bool = False,
                 console: bool = True) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.owns_runtime = owns_runtime
        self.metrics = DaemonMetrics(runtime.store, lambda: runtime.client.stats)
        for bound in runtime.adapters.values():
            bound.observer = self.metrics.observe_adapter_call
        self.ctx = DaemonContext(runtime, self.metrics)
        # A short settle delay lets a burst of events for one order gather into one group.
        self.writer = InboxWriter(runtime.store, settle_seconds=SETTLE_SECONDS)
        self.router = Router()
        self.router.add("POST", ORDERCHAMP_PATH, OrderchampWebhookHandler(
            secrets=settings.orderchamp.webhook_secrets(),
            account_id=settings.orderchamp.account_id, store_delivery=self._store,
            metrics=self.metrics, retry_after=settings.daemon.retry_after_seconds))
        self.router.add("GET", "/healthz", lambda _r: Response.json(200, {"status": "alive"}))
        self.router.add("GET", "/readyz", self._readyz)
        self.router.add("GET", "/metrics", lambda _r: Response(
            200, self.metrics.render(), "text/plain; version=0.0.4; charset=utf-8"))
        self.route_context = RouteContext(
            runtime.adapters, {name: settings.adapter_type(name) for name in runtime.adapters},
            self._store, lambda s, e, o: self.metrics.webhooks.labels(s, e, o).inc())
        runtime.host.add_routes(self.router, self.route_context)
        self.console: Console | None = None
        if console and settings.console.enabled:  # a several-accounts front mounts its own
            # imported here: the console imports the daemon's web layer
            from oc_bridge.console import ConsoleServices, mount_console

            self.console = mount_console(self.router, ConsoleServices(
                runtime, self.ctx, self.metrics, self.readiness))
        self.processor = InboxProcessor(
            runtime.store, lambda: self.ctx.engine, self.metrics,
            lease_seconds=settings.daemon.lease_seconds, max_attempts=settings.sync.max_attempts,
            readers=self.route_context.readers)
        self.workers = WorkerPool(self.processor, settings.daemon.workers)
        self.jobs = default_jobs(self.ctx, settings)
        self.scheduler: Scheduler | None = None
        self.wsgi = WsgiApp(self.router, max_body_bytes=settings.daemon.max_body_bytes,
                            on_response=self._observe,
                            retry_after=settings.daemon.retry_after_seconds)
        self._started = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi(environ, start_response)

    def _store(self, delivery: InboxDelivery) -> bool:
        new = self.writer.add(delivery)
        if new:
            self.workers.wake()
        return new

    def _observe(self, request: Request, response: Response, seconds: float) -> None:
        self.metrics.http_seconds.labels(str(response.status)).observe(seconds)
        log.debug("%s %s -> %d (%.1f ms)", request.method, request.path, response.status,
                  seconds * 1000)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """(ready, checks): store reachable, last reconciliation (by any replica) recent,
        plugins loaded."""
        checks: dict[str, Any] = {}
        last = self.ctx.last_reconciled
        if self.writer.store_down:  # known already: answer at once, the writer probes it
            checks["store"] = "unreachable: webhooks cannot be stored"
        else:
            try:
                self.runtime.store.inbox_counts()
                last = self.ctx.reconciled_at()
                checks["store"] = "ok"
            except Exception as exc:
                checks["store"] = f"unreachable: {type(exc).__name__}"
                self.writer.mark_down(f"the readiness check failed: {type(exc).__name__}")
        max_age = self.runtime.settings.daemon.ready_max_age
        if last is None:
            checks["reconcile"] = "not yet"
        else:
            age = time.time() - last
            checks["reconcile"] = "ok" if age <= max_age else f"stale ({age:.0f}s)"
            checks["reconcile_age_seconds"] = round(age, 1)
        try:
            require_loaded(self.runtime.host, self.runtime.settings)
            checks["plugins"] = "ok"
        except Exception as exc:
            checks["plugins"] = f"failed: {exc}"
        ready = all(checks[k] == "ok" for k in ("store", "reconcile", "plugins"))
        return ready, checks

    def _readyz(self, _request: Request) -> Response:
        ready, checks = self.readiness()
        return Response.json(200 if ready else 503,
                             {"status": "ready" if ready else "not ready", **checks})

    def start(self) -> None:
        """Start the inbox workers and the scheduler (once)."""
        if self._started:
            return
        self._started = True
        self.workers.start()
        self.scheduler = Scheduler(self.jobs, jitter=self.runtime.settings.daemon.jitter_seconds,
                                   on_run=lambda n, o, _s: self.metrics.jobs.labels(n, o).inc())
        self.scheduler.start()
        log.info("daemon started: %d worker(s), jobs %s", self.workers.count,
                 ", ".join(j.name for j in self.jobs))

    def stop(self, timeout: float | None = None) -> bool:
        """Stop workers and scheduler within ``timeout`` (default ``daemon.shutdown_timeout``),
        flush the intake, close the runtime when owned. True when everything finished."""
        timeout = self.runtime.settings.daemon.shutdown_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        clean = self.workers.stop(timeout) if self._started else True
        if self.scheduler is not None:
            self.scheduler.stop(max(0.0, deadline - time.monotonic()))
        self.writer.close()
        self.ctx.alerts.close()
        if self.owns_runtime:
            self.runtime.close()
        return clean


def create_app(source: Runtime | Settings | None = None, *,
               start: bool | None = None) -> DaemonApp | AccountsDaemonApp:
    """The daemon's WSGI app. ``source``: a runtime, settings, or None to load settings from
    the environment (``OC_BRIDGE_CONFIG`` and ``OC_BRIDGE_*``). Workers and scheduler start
    at once unless a runtime is given (or ``start`` says otherwise). Settings with
    ``[accounts.*]`` give one app serving every account."""
    if isinstance(source, Runtime):
        app = DaemonApp(source)
        start = False if start is None else start
    else:
        settings = source if isinstance(source, Settings) else load_settings()
        if settings.accounts:
            from oc_bridge.daemon.accounts import create_accounts_app

            return create_accounts_app(settings, start=True if start is None else start)
        app = DaemonApp(open_runtime(settings), owns_runtime=True)
        start = True if start is None else start
    if start:
        app.start()
    return app
