"""``POST /webhooks/orderchamp``: what happens when an Orderchamp webhook arrives.

Checks, in this order: a body over the limit → 413 (done by :mod:`oc_bridge.daemon.web` before
reading it); missing or wrong ``X-Orderchamp-Signature`` (hex HMAC-SHA256 of the raw bytes,
constant time; non-ASCII text never matches; during a secret rotation either
``webhook_secret`` or ``webhook_secret_previous`` (of ``[orderchamp]`` or the account) may have
signed it) →
401, nothing stored; ``X-Orderchamp-Account-Id``
other than the configured ``orderchamp.account_id`` → 403; not JSON (or nested too deeply to
parse) or no plausible order/invoice id → 400; an unknown event → 202, ignored; otherwise the
delivery is stored in the inbox and committed, then 200. Identical deliveries (same event and
body digest) are stored once and answered 200 again. Bad input never gets a 5xx; only a
delivery that could not be stored does (503, so Orderchamp retries).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from oc_bridge.daemon.intake import IntakeError
from oc_bridge.daemon.metrics import DaemonMetrics
from oc_bridge.daemon.web import Request, Response, unavailable
from oc_bridge.orderchamp.signatures import SIGNATURE_HEADER, verify
from oc_bridge.store import ORDERCHAMP_SOURCE, InboxDelivery, body_digest

__all__ = ["ACCOUNT_HEADER", "EVENT_HEADER", "KNOWN_EVENTS", "OrderchampWebhookHandler"]

log = logging.getLogger(__name__)

ACCOUNT_HEADER = "X-Orderchamp-Account-Id"
EVENT_HEADER = "X-Orderchamp-Event"
WEBHOOK_ID_HEADER = "X-Orderchamp-Webhook-Id"
ORDER_EVENTS = frozenset({"ORDER_CREATED", "ORDER_UPDATED", "ORDER_CONFIRMED", "ORDER_CANCELLED"})
#: Events that lead to processing an order.
KNOWN_EVENTS = ORDER_EVENTS | {"INVOICE_CREATED"}


#: Longest id accepted from a webhook; Orderchamp's ids are short base64 global ids.
MAX_ID_LENGTH = 255


def _id(value: Any) -> str | None:
    """An id as text, or None when absent or not a plausible id (not text or a whole number,
    too long, or holding control characters), so a hostile body cannot become a key."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    if not text or len(text) > MAX_ID_LENGTH or not text.isprintable():
        return None
    return text


def _ids(event: str, payload: Any) -> tuple[str | None, str | None]:
    """(order id, invoice id) from a payload; Nones when absent or not plausible ids."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        return None, None
    if event == "INVOICE_CREATED" or "invoice" in data:
        invoice = data.get("invoice")
        if isinstance(invoice, dict):
            order = invoice.get("order")
            return (_id(order.get("id")) if isinstance(order, dict) else None,
                    _id(invoice.get("id")))
    order = data.get("order")
    return (_id(order.get("id")) if isinstance(order, dict) else None), None


class OrderchampWebhookHandler:
    """The route handler; ``store_delivery`` stores durably (group commit) and says if new."""

    def __init__(self, *, secrets: Sequence[str], account_id: str | None,
                 store_delivery: Callable[[InboxDelivery], bool],
                 metrics: DaemonMetrics, retry_after: int = 5) -> None:
        self.retry_after = retry_after
        # The current secret first, then the one being retired (rotation window).
        self.secrets = [s for s in secrets if s]
        self.account_id = account_id
        self.store_delivery = store_delivery
        self.metrics = metrics

    def _count(self, event: str, outcome: str) -> None:
        self.metrics.webhooks.labels(ORDERCHAMP_SOURCE, event, outcome).inc()

    def __call__(self, request: Request) -> Response:
        event = (request.headers.get(EVENT_HEADER) or "").strip().upper()
        label = event if event in KNOWN_EVENTS else "other"
        signature = request.headers.get(SIGNATURE_HEADER)
        matched = next((n for n, secret in enumerate(self.secrets)
                        if verify(request.body, signature, secret)), None)
        if matched is None:
            self._count(label, "bad_signature")
            log.warning("webhook %s from %s refused: missing or wrong signature",
                        event or "(no event)", request.remote)
            return Response.json(401, {"error": "invalid signature"})
        if matched > 0:
            log.info("webhook %s verified with the previous secret (webhook_secret_previous); "
                     "remove it once Orderchamp signs with the new one", event or "(no event)")
        if self.account_id and request.headers.get(ACCOUNT_HEADER) != self.account_id:
            self._count(label, "wrong_account")
            log.warning("webhook %s refused: account id does not match orderchamp.account_id",
                        event)
            return Response.json(403, {"error": "unexpected account"})
        try:
            payload = request.json()
        except ValueError:
            self._count(label, "bad_request")
            return Response.json(400, {"error": "body is not JSON"})
        order_id, invoice_id = _ids(event, payload)
        if order_id is None and invoice_id is None:
            self._count(label, "bad_request")
            return Response.json(400, {"error": "no order or invoice id"})
        if event not in KNOWN_EVENTS:
            self._count(label, "ignored")
            log.info("webhook %s ignored (not an event oc-bridge handles)", event or "(none)")
            return Response.json(202, {"status": "ignored"})
        headers = {name: request.headers.get(name) for name in (ACCOUNT_HEADER,
                                                                 WEBHOOK_ID_HEADER)}
        delivery = InboxDelivery(
            source=ORDERCHAMP_SOURCE, event=event, body=request.body.decode("utf-8", "replace"),
            digest=body_digest(request.body), headers_json=json.dumps(headers),
            order_id=order_id, invoice_id=invoice_id, group_key=order_id)
        try:
            new = self.store_delivery(delivery)
        except IntakeError as exc:
            self._count(label, "error")
            log.warning("webhook %s for order %s answered 503: %s", event, order_id, exc)
            return unavailable(self.retry_after)
        self._count(label, "accepted" if new else "duplicate")
        if new:
            log.info("webhook %s for order %s stored", event, order_id)
        return Response.json(200, {"status": "stored" if new else "duplicate"})
