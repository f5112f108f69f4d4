"""One daemon for several Orderchamp accounts: one :class:`DaemonApp` per account behind one
HTTP front.

Each account keeps everything a single-account daemon has — its runtime (Orderchamp client
with its own cost bucket, ledger, adapters), engine and engine lock, inbox workers, scheduler
and metrics — so a throttled or unreachable account only ever holds up its own workers and
jobs. The front adds what is shared:

- ``POST /webhooks/orderchamp`` goes to the account whose ``account_id`` equals the delivery's
  ``X-Orderchamp-Account-Id`` header, whose handler then checks the signature with *that*
  account's secret (a delivery signed with another account's secret gets 401). No header →
  400, an unknown account id → 403; both counted, neither stored.
- adapter routes (``/webhooks/<type>/<instance>...``) go to the account owning the instance;
- ``/metrics`` merges every account's metrics with an ``account`` label;
- ``/readyz`` is 503 only when an account's ledger or plugins are unusable: a stale
  reconciliation of one account is reported (``accounts.<name>.reconcile``) but does not take
  the receiver out of rotation, which would stop the other accounts' webhooks too.
- log records from an account's threads (its workers and jobs, and a request thread while it
  hands a webhook to the account) carry ``account`` (a JSON log field) and start with
  ``[name]``, so two accounts' lines about the same order number can be told apart.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from oc_bridge.accounts import each_account
from oc_bridge.daemon.app import ORDERCHAMP_PATH, DaemonApp
from oc_bridge.daemon.orderchamp_webhooks import ACCOUNT_HEADER, EVENT_HEADER, KNOWN_EVENTS
from oc_bridge.daemon.web import Handler, Request, Response, Router, StartResponse, WsgiApp
from oc_bridge.runtime import Runtime, open_runtime
from oc_bridge.settings import DaemonSettings, Settings
from oc_bridge.store import ORDERCHAMP_SOURCE

if TYPE_CHECKING:
    from oc_bridge.console import Console

__all__ = ["AccountsDaemonApp", "create_accounts_app"]

log = logging.getLogger(__name__)


#: Which account a thread works for; read by the log record factory below.
_thread_accounts: weakref.WeakKeyDictionary[threading.Thread, str] = weakref.WeakKeyDictionary()
_factory_lock = threading.Lock()
_factory_installed = False


def _install_record_factory() -> None:
    """Once per process: records made in an account's thread get ``account`` and a prefix."""
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        _factory_installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            account = _thread_accounts.get(threading.current_thread())
            if account is not None and isinstance(record.msg, str):
                record.account = account
                record.msg = f"[{account}] {record.msg}"
            return record

        logging.setLogRecordFactory(factory)


@contextmanager
def _working_for(account: str) -> Iterator[None]:
    thread = threading.current_thread()
    _thread_accounts[thread] = account
    try:
        yield
    finally:
        _thread_accounts.pop(thread, None)


class _AccountRouter(Router):
    """The front's own routes first, then the accounts' routes: a route with an
    ``<instance>`` goes to the account that has that adapter instance."""

    def __init__(self, apps: Mapping[str, DaemonApp]) -> None:
        super().__init__()
        self._apps = apps

    def resolve(self, method: str, path: str) -> tuple[Handler | None, dict[str, str], bool]:
        handler, params, known = super().resolve(method, path)
        if handler is not None:
            return handler, params, known
        fallback: tuple[Handler | None, dict[str, str], bool] | None = None
        for app in self._apps.values():
            handler, params, found = app.router.resolve(method, path)
            known = known or found
            if handler is None:
                continue
            instance = params.get("instance")
            if instance is None or instance in app.runtime.adapters:
                return handler, params, True
            fallback = fallback or (handler, params, True)
        # no account has the instance: the first account's handler answers (its 404)
        return fallback or (None, {}, known)


class _Labelled(Collector):
    """Every account's metrics under one name each, with an ``account`` label; the front's
    own metrics (``account`` None) are added unlabelled."""

    def __init__(self, sources: Iterable[tuple[str | None, CollectorRegistry]]) -> None:
        self._sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for account, registry in self._sources:
            for family in registry.collect():
                merged = families.get(family.name)
                if merged is None:
                    merged = families[family.name] = Metric(
                        family.name, family.documentation, family.type, family.unit)
                for sample in family.samples:
                    labels = dict(sample.labels)
                    if account is not None:
                        labels["account"] = account
                    merged.add_sample(sample.name, labels, sample.value, sample.timestamp,
                                      sample.exemplar)
        yield from families.values()


class AccountsDaemonApp:
    """The WSGI front over one :class:`DaemonApp` per account; :meth:`start` and
    :meth:`stop` start and stop every account's workers and scheduler."""

    def __init__(self, runtimes: Mapping[str, Runtime], *, owns_runtimes: bool = False) -> None:
        if not runtimes:
            raise ValueError("no accounts")
        self.apps: dict[str, DaemonApp] = {
            name: DaemonApp(runtime, owns_runtime=owns_runtimes, console=False)
            for name, runtime in sorted(runtimes.items())}
        self.by_account_id = {app.runtime.settings.orderchamp.account_id: name
                              for name, app in self.apps.items()}
        first = next(iter(self.apps.values()))
        self.daemon_settings: DaemonSettings = first.runtime.settings.daemon
        self.registry = registry = CollectorRegistry()
        self.webhooks = Counter(
            "oc_bridge_webhooks_received_total",
            "Webhook deliveries received, by source, event and outcome.",
            ["source", "event", "outcome"], registry=registry)
        self.http_seconds = Histogram("oc_bridge_http_request_seconds",
                                      "HTTP request latency by route status.", ["status"],
                                      registry=registry)
        self.router = _AccountRouter(self.apps)
        self.router.add("POST", ORDERCHAMP_PATH, self._orderchamp)
        self.router.add("GET", "/healthz", lambda _r: Response.json(200, {"status": "alive"}))
        self.router.add("GET", "/readyz", self._readyz)
        self.router.add("GET", "/metrics", lambda _r: Response(
            200, self.render_metrics(), "text/plain; version=0.0.4; charset=utf-8"))
        self.console: Console | None = None
        if first.runtime.settings.console.enabled:  # one console, every account in it
            from oc_bridge.console import ConsoleServices, mount_console

            self.console = mount_console(self.router, {
                name: ConsoleServices(app.runtime, app.ctx, app.metrics, app.readiness)
                for name, app in self.apps.items()})
        self.wsgi = WsgiApp(self.router, max_body_bytes=self.daemon_settings.max_body_bytes,
                            on_response=self._observe)
        _install_record_factory()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi(environ, start_response)

    def _orderchamp(self, request: Request) -> Response:
        event = (request.headers.get(EVENT_HEADER) or "").strip().upper()
        label = event if event in KNOWN_EVENTS else "other"
        account_id = request.headers.get(ACCOUNT_HEADER)
        if not account_id:
            self.webhooks.labels(ORDERCHAMP_SOURCE, label, "no_account").inc()
            return Response.json(400, {"error": f"missing {ACCOUNT_HEADER} header: several "
                                                "accounts are served here"})
        name = self.by_account_id.get(account_id)
        if name is None:
            self.webhooks.labels(ORDERCHAMP_SOURCE, label, "unknown_account").inc()
            log.warning("webhook %s refused: %s is not the account id of any configured "
                        "account", event or "(no event)", ACCOUNT_HEADER)
            return Response.json(403, {"error": "unknown account",
                                       "detail": f"no [accounts.*] table has this "
                                                 f"{ACCOUNT_HEADER}"})
        handler, _params, _known = self.apps[name].router.resolve("POST", ORDERCHAMP_PATH)
        assert handler is not None  # every DaemonApp has the Orderchamp route
        with _working_for(name):
            return handler(request)

    def _observe(self, request: Request, response: Response, seconds: float) -> None:
        self.http_seconds.labels(str(response.status)).observe(seconds)
        log.debug("%s %s -> %d (%.1f ms)", request.method, request.path, response.status,
                  seconds * 1000)

    def render_metrics(self) -> bytes:
        """The Prometheus text of the front's and every account's metrics (refreshed)."""
        for app in self.apps.values():
            app.metrics.refresh()
        merged = CollectorRegistry(auto_describe=False)
        merged.register(_Labelled([(None, self.registry)]
                                  + [(name, app.metrics.registry)
                                     for name, app in self.apps.items()]))
        return generate_latest(merged)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """(ready, checks per account): not ready when an account's ledger or plugins fail."""
        accounts = {name: app.readiness()[1] for name, app in self.apps.items()}
        ready = all(checks["store"] == "ok" and checks["plugins"] == "ok"
                    for checks in accounts.values())
        return ready, {"accounts": accounts}

    def _readyz(self, _request: Request) -> Response:
        ready, checks = self.readiness()
        stale = sorted(name for name, c in checks["accounts"].items() if c["reconcile"] != "ok")
        status = "not ready" if not ready else ("degraded" if stale else "ready")
        return Response.json(200 if ready else 503, {"status": status, **checks})

    def start(self) -> None:
        """Start every account's workers and scheduler (their threads are the account's)."""
        for name, app in self.apps.items():
            before = set(threading.enumerate())
            app.start()
            for thread in set(threading.enumerate()) - before:
                _thread_accounts[thread] = name
        log.info("serving %d accounts: %s", len(self.apps), ", ".join(self.apps))

    def stop(self, timeout: float | None = None) -> bool:
        """Stop every account at the same time (one slow account does not use up the others'
        shutdown time); True when all finished within ``timeout``."""
        timeout = self.daemon_settings.shutdown_timeout if timeout is None else timeout
        results: dict[str, bool] = {}

        def stop_one(name: str, app: DaemonApp) -> None:
            results[name] = app.stop(timeout)

        threads = [threading.Thread(target=stop_one, args=item, name=f"stop-{item[0]}")
                   for item in self.apps.items()]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout + 5.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return all(results.get(name, False) for name in self.apps)


def create_accounts_app(settings: Settings, *, start: bool = True) -> AccountsDaemonApp:
    """The front over every account of ``settings`` (runtimes opened here, owned by the app);
    workers and schedulers started unless ``start`` is False."""
    runtimes: dict[str, Runtime] = {}
    try:
        for account in each_account(settings):
            runtimes[account.account or ""] = open_runtime(account)
    except BaseException:
        for runtime in runtimes.values():
            runtime.close()
        raise
    app = AccountsDaemonApp(runtimes, owns_runtimes=True)
    if start:
        app.start()
    return app
