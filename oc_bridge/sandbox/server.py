"""``Sandbox``: builds the world from a config and serves it with waitress on a thread.

with Sandbox(SandboxConfig(orders=200, seed=7)) as sandbox:   # starts on a free port
    client = OrderchampClient(sandbox.url, token="sandbox")
    sandbox.create_order(confirmed=False)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from waitress.server import create_server

from oc_bridge.sandbox.admin import SandboxControl
from oc_bridge.sandbox.app import GRAPHQL_PATH, SandboxApp
from oc_bridge.sandbox.config import SandboxConfig
from oc_bridge.sandbox.faults import FaultInjector
from oc_bridge.sandbox.graphql_api import GraphQLService, load_sdl
from oc_bridge.sandbox.state import SandboxState
from oc_bridge.sandbox.throttle import ThrottleRegistry
from oc_bridge.sandbox.webhooks import WebhookDispatcher, WebhookOptions

__all__ = ["Sandbox"]

log = logging.getLogger(__name__)


class Sandbox:
    """A local, realistic stand-in for Orderchamp's GraphQL API over real HTTP.

    The data is generated at construction (deterministic from ``config.seed``); ``start()``
    serves it on a background thread; ``stop()`` shuts the server and webhook worker down.
    Used as a context manager it starts on ``127.0.0.1`` and a free port unless already started.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        cfg = self.config
        self.state = SandboxState(cfg)
        self.graphql = GraphQLService(load_sdl(cfg.schema_path))
        self.throttle = ThrottleRegistry(cfg.bucket_size, cfg.restore_rate, cfg.throttle)
        self.faults = FaultInjector(
            cfg.seed, cfg.fault_5xx_rate, cfg.fault_429_rate, cfg.latency_ms
        )
        self.webhooks = WebhookDispatcher(
            secret=cfg.webhook_secret,
            account_id=cfg.account_id,
            seed=cfg.seed,
            options=WebhookOptions(
                cfg.webhooks_enabled, cfg.webhook_duplicates, cfg.webhook_shuffle
            ),
            max_attempts=cfg.webhook_max_attempts,
            retry_base=cfg.webhook_retry_base,
            retry_max_delay=cfg.webhook_retry_max_delay,
            timeout=cfg.webhook_timeout,
            batch_window=cfg.webhook_batch_window,
            batch_size=cfg.webhook_batch_size,
        )
        self.state.subscribe(self.webhooks.publish)
        self.control = SandboxControl(
            self.state,
            self.throttle,
            self.faults,
            self.webhooks,
            lambda: self._base_url or "http://127.0.0.1",
        )
        self.app = SandboxApp(
            cfg, self.state, self.graphql, self.throttle, self.faults, self.control
        )
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._host: str | None = None
        self._base_url: str | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Sandbox:
        """Serve on ``host:port`` (0 = a free port) in a background thread; returns self.

        Calling it again while running is a no-op when the address matches (or ``port`` is 0).
        """
        if self._server is not None:
            if host == self._host and port in (0, self._server.effective_port):
                return self
            self.stop()
        server = create_server(
            self.app,
            host=host,
            port=port,
            threads=self.config.threads,
            ident="oc-bridge-sandbox",
            clear_untrusted_proxy_headers=True,
        )
        self._server, self._host = server, host
        shown = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{shown}:{server.effective_port}"
        self._thread = threading.Thread(target=server.run, name="sandbox-http", daemon=True)
        self._thread.start()
        log.info("Orderchamp sandbox serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and delivering webhooks (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            from waitress import wasyncore

            # Close every socket from inside the server's own loop, which then ends. If the
            # loop already ended (its trigger is closed), close what is left from here.
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            except OSError:
                wasyncore.close_all(server._map)
            if thread is not None:
                thread.join(10)
            server.task_dispatcher.shutdown()
            log.info("Orderchamp sandbox stopped")
        self.webhooks.stop()

    def __enter__(self) -> Sandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """True while the HTTP server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._base_url is None:
            raise RuntimeError("the sandbox is not started")
        return self._base_url

    @property
    def url(self) -> str:
        """The GraphQL endpoint, ``http://host:port/v1/graphql``."""
        return self.base_url + GRAPHQL_PATH

    # --- observation --------------------------------------------------------------------------

    @property
    def stats(self) -> dict[str, Any]:
        """``requests``, ``points_spent`` (actual cost), ``throttled`` and more counters."""
        return self.control.stats()

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """Finished webhook deliveries: topic, endpoint, status, attempts, http_status, body."""
        return self.webhooks.log

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait until no webhook delivery is queued, retrying or in flight; False on timeout."""
        return self.webhooks.wait(timeout)

    # --- scenario control (same operations as the /sandbox admin routes) ---------------------

    def create_order(
        self,
        *,
        confirmed: bool = True,
        lines: int | None = None,
        skus: list[str] | None = None,
        note: str | None = None,
        reference: str | None = None,
    ) -> dict[str, Any]:
        """A new order (``id``, ``number``, ``status``, ``updatedAt``); fires webhooks."""
        return self.control.create_order(
            confirmed=confirmed, lines=lines, skus=skus, note=note, reference=reference
        )

    def confirm_order(self, ref: str) -> dict[str, Any]:
        """Confirm by global ID or number; ``UserErrorsError`` when not allowed."""
        return self.control.confirm_order(ref)

    def cancel_order(
        self, ref: str, reason: str | None = None, message: str | None = None
    ) -> dict[str, Any]:
        """Cancel (``CANCELLATION_REQUESTED`` when it has shipments)."""
        return self.control.cancel_order(ref, reason, message)

    def update_order(
        self,
        ref: str,
        *,
        note: str | None = None,
        reference: str | None = None,
        quantities: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """Retailer-side change; bumps ``updatedAt`` and fires ORDER_UPDATED."""
        return self.control.update_order(ref, note=note, reference=reference, quantities=quantities)

    def deliver_order(self, ref: str) -> dict[str, Any]:
        """Retailer confirms delivery of a fully shipped order: ``COMPLETED``."""
        return self.control.deliver_order(ref)

    def get_order(self, ref: str) -> dict[str, Any]:
        """The full order as JSON, with lines, shipments and invoices."""
        return self.control.get_order(ref)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change ``fault_5xx_rate``, ``fault_429_rate`` or ``latency_ms`` at run time."""
        return self.faults.configure(**changes)

    def set_webhooks(self, **changes: Any) -> dict[str, Any]:
        """Switch webhook ``enabled``, ``duplicates`` or ``shuffle`` at run time."""
        return self.control.set_webhooks(**changes)
