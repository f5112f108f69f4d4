"""Webhook deliveries: minimal signed payloads, sent from a worker thread with retries.

The GraphQL request that caused an event only enqueues; a single worker thread POSTs each
delivery, treats any 2xx as success and anything else (redirects included, never followed) or a
connection error as a failure to retry with exponential backoff. Options: disabled, duplicated
deliveries, and seeded shuffling within small batches, to exercise a receiver's robustness.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from oc_bridge.sandbox.ids import format_datetime
from oc_bridge.sandbox.model import Order, Webhook
from oc_bridge.sandbox.signing import SIGNATURE_HEADER, webhook_signature
from oc_bridge.sandbox.state import Event

__all__ = ["Delivery", "WebhookDispatcher", "WebhookOptions", "build_body"]

log = logging.getLogger(__name__)


def _order_summary(order: Order, template: str) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": order.id,
        "number": order.number,
        "createdAt": format_datetime(order.created_at),
        "updatedAt": format_datetime(order.updated_at),
    }
    if template == "INVOICING":
        summary.update(
            status=order.status,
            currency=order.currency,
            totalPrice=str(order.total_price),
            invoices=[
                {
                    "id": inv.id,
                    "number": inv.number,
                    "type": inv.type,
                    "totalPrice": str(inv.total_price),
                }
                for inv in order.invoices
            ],
        )
    return summary


def build_body(event: Event, template: str = "DEFAULT") -> bytes:
    """The compact JSON body Orderchamp would send for ``event`` (snapshot taken now)."""
    if event.topic == "INVOICE_CREATED" and event.invoice is not None:
        invoice: dict[str, Any] = {"id": event.invoice.id, "order": {"id": event.order.id}}
        if template == "INVOICING":
            invoice.update(
                number=event.invoice.number,
                type=event.invoice.type,
                totalPrice=str(event.invoice.total_price),
                order=_order_summary(event.order, template),
            )
        data: dict[str, Any] = {"invoice": invoice}
    else:
        data = {"order": _order_summary(event.order, template)}
    return json.dumps({"data": data}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class Delivery:
    """One POST to one subscription, with its attempt count."""

    topic: str
    endpoint: str
    webhook_id: str
    body: bytes
    order_id: str
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    created: float = field(default_factory=time.monotonic)


@dataclass
class WebhookOptions:
    """Run-time switches (``POST /sandbox/webhooks``)."""

    enabled: bool = True
    duplicates: bool = False
    shuffle: bool = False


class WebhookDispatcher:
    """Queue and worker thread that deliver webhook events to their subscriptions."""

    def __init__(
        self,
        *,
        secret: str,
        account_id: str,
        seed: int,
        options: WebhookOptions,
        max_attempts: int = 8,
        retry_base: float = 0.5,
        retry_max_delay: float = 60.0,
        timeout: float = 5.0,
        batch_window: float = 0.05,
        batch_size: int = 10,
    ) -> None:
        self.secret = secret
        self.account_id = account_id
        self.options = options
        self.max_attempts = max(1, max_attempts)
        self.retry_base = retry_base
        self.retry_max_delay = retry_max_delay
        self.timeout = timeout
        self.batch_window = batch_window
        self.batch_size = max(1, batch_size)
        self._rng = random.Random(f"webhooks:{seed}")
        self._heap: list[tuple[float, int, Delivery]] = []
        self._sequence = itertools.count()
        self._in_flight = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._log: list[dict[str, Any]] = []

    # --- producer side ------------------------------------------------------------------------

    def publish(self, event: Event, subscriptions: list[Webhook]) -> None:
        """Enqueue one delivery per subscription (twice with ``duplicates``); never blocks."""
        if not self.options.enabled or not subscriptions:
            return
        copies = 2 if self.options.duplicates else 1
        now = time.monotonic()
        with self._cond:
            for webhook in subscriptions:
                body = build_body(event, webhook.template)
                for _ in range(copies):
                    delivery = Delivery(
                        event.topic, webhook.endpoint, webhook.id, body, event.order.id
                    )
                    heapq.heappush(self._heap, (now, next(self._sequence), delivery))
            self._ensure_worker()
            self._cond.notify_all()

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    # --- observation --------------------------------------------------------------------------

    @property
    def log(self) -> list[dict[str, Any]]:
        """Finished deliveries (success or given up), oldest first."""
        with self._cond:
            return list(self._log)

    @property
    def pending(self) -> int:
        """Deliveries queued, waiting for a retry, or being sent."""
        with self._cond:
            return len(self._heap) + self._in_flight

    def wait(self, timeout: float) -> bool:
        """Block until nothing is queued or in flight; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker (queued deliveries are dropped)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            self._heap.clear()
            self._thread = None

    # --- worker -------------------------------------------------------------------------------

    def _next_batch(self) -> list[Delivery] | None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    break
                wait = self._heap[0][0] - now if self._heap else None
                self._cond.wait(wait)
            if self._stopped:
                return None
            if self.options.shuffle:
                # Let events that arrive together gather, then deliver them in random order.
                deadline = time.monotonic() + self.batch_window
                while not self._stopped and time.monotonic() < deadline:
                    self._cond.wait(max(deadline - time.monotonic(), 0.0))
                if self._stopped:
                    return None
                limit = self.batch_size
            else:
                limit = 1
            batch: list[Delivery] = []
            now = time.monotonic()
            while self._heap and self._heap[0][0] <= now and len(batch) < limit:
                batch.append(heapq.heappop(self._heap)[2])
            if self.options.shuffle:
                self._rng.shuffle(batch)
            self._in_flight += len(batch)
            return batch

    def _run(self) -> None:
        session = requests.Session()
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    return
                for delivery in batch:
                    self._attempt(session, delivery)
        finally:
            session.close()

    def _attempt(self, session: requests.Session, delivery: Delivery) -> None:
        delivery.attempts += 1
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Orderchamp-Webhooks (oc-bridge sandbox)",
            "X-Orderchamp-Account-Id": self.account_id,
            "X-Orderchamp-Event": delivery.topic,
            SIGNATURE_HEADER: webhook_signature(delivery.body, self.secret),
            "X-Orderchamp-Webhook-Id": delivery.webhook_id,
        }
        ok = False
        try:
            response = session.post(
                delivery.endpoint,
                data=delivery.body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            delivery.last_status, delivery.last_error = response.status_code, None
            ok = 200 <= response.status_code < 300
            response.close()
        except requests.RequestException as exc:
            delivery.last_status, delivery.last_error = None, f"{type(exc).__name__}: {exc}"
        with self._cond:
            self._in_flight -= 1
            if ok or delivery.attempts >= self.max_attempts:
                self._record(delivery, ok)
            else:
                delay = min(self.retry_base * 2 ** (delivery.attempts - 1), self.retry_max_delay)
                log.debug(
                    "webhook %s to %s failed (attempt %d), retrying in %.2fs",
                    delivery.topic,
                    delivery.endpoint,
                    delivery.attempts,
                    delay,
                )
                heapq.heappush(
                    self._heap, (time.monotonic() + delay, next(self._sequence), delivery)
                )
            self._cond.notify_all()

    def _record(self, delivery: Delivery, ok: bool) -> None:
        if not ok:
            log.warning(
                "webhook %s to %s given up after %d attempts",
                delivery.topic,
                delivery.endpoint,
                delivery.attempts,
            )
        self._log.append(
            {
                "topic": delivery.topic,
                "endpoint": delivery.endpoint,
                "webhook_id": delivery.webhook_id,
                "order_id": delivery.order_id,
                "status": "delivered" if ok else "failed",
                "http_status": delivery.last_status,
                "attempts": delivery.attempts,
                "error": delivery.last_error,
                "body": delivery.body.decode("utf-8"),
            }
        )
