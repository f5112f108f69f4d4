"""The webhook adapter: orders POSTed to a URL, shipments read from a JSON endpoint.

For back ends that take orders as webhooks (an automation platform, a small 3PL, an in-house
service): every order event is one signed JSON POST, and shipments are read page by page from
a JSON endpoint with a cursor. The wire format is documented in this package's README.

Started with ``oc-bridge new-adapter webhook``; the folder handling of the scaffold was
replaced with HTTP through oc-bridge's one HTTP layer (:class:`oc_bridge.http.HttpClient`:
timeouts, retries with backoff, error mapping, secret redaction).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, ClassVar

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import (
    CancelOutcome,
    FulfilmentOrder,
    InboundProblem,
    ShipmentPull,
    ShipmentReport,
    SubmitResult,
)
from oc_bridge.errors import MappingError, OcBridgeError, TransientError
from oc_bridge.http import HttpClient
from pydantic import Field, SecretStr, ValidationError

__all__ = ["SIGNATURE_HEADER", "WebhookAdapter", "WebhookConfig", "sign"]

#: The header carrying ``sha256=<hex HMAC-SHA256 of the body with the shared secret>``.
SIGNATURE_HEADER = "X-OC-Bridge-Signature"
#: The most shipment pages read in one pull (the rest comes with the next pull).
MAX_PAGES = 50

_URL = r"^https?://\S+$"


class WebhookConfig(AdapterConfig):
    """One ``[adapters.<instance>]`` table with ``type = "webhook"``. Unknown keys are errors;
    ``oc-bridge adapters --schema webhook`` prints this model as a JSON schema."""

    orders_url: str = Field(pattern=_URL, description="URL every order event is POSTed to.")
    secret: SecretStr = Field(
        min_length=16,
        description="Shared secret signing each POST body (HMAC-SHA256, header "
        f"{SIGNATURE_HEADER}); at least 16 characters.",
    )
    shipments_url: str | None = Field(
        None,
        pattern=_URL,
        description="JSON endpoint listing shipments after a cursor; without it, this "
        "instance does not pull shipments.",
    )
    timeout: float = Field(10.0, gt=0, le=120, description="Seconds to wait for an answer.")
    max_attempts: int = Field(
        4, ge=1, le=10, description="Attempts per request on timeouts, 429 and 5xx.")


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookAdapter(Adapter[WebhookConfig]):
    """POSTs order events (``order.created``, ``order.updated``, ``order.cancelled``) and reads
    shipments from ``shipments_url``.

    Idempotency rests on the ``Idempotency-Key`` header, the same for every retry of the same
    event (``<reference>:<revision>:<event>``): the receiver must answer a repeated key as it
    answered the first time, without acting twice. That makes every POST safe to re-send, so
    timeouts and 5xx answers are retried.
    """

    name: ClassVar[str] = "webhook"
    Config: ClassVar[type[AdapterConfig]] = WebhookConfig
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.SUBMIT_ORDERS,
        Capability.UPDATE_ORDERS,
        Capability.CANCEL_ORDERS,
        Capability.PULL_SHIPMENTS,
    })

    def __init__(self, config: WebhookConfig, context: AdapterContext) -> None:
        super().__init__(config, context)
        secret = config.secret.get_secret_value()
        self.http = HttpClient(
            None,
            service=f"webhook {context.instance}",
            timeout=(min(5.0, config.timeout), config.timeout),
            secrets=[secret],
            max_attempts=config.max_attempts,
        )

    @classmethod
    def capabilities_for(cls, config: WebhookConfig) -> frozenset[Capability]:
        """Shipments only when ``shipments_url`` is set."""
        if config.shipments_url is None:
            return cls.capabilities - {Capability.PULL_SHIPMENTS}
        return cls.capabilities

    # --- orders -----------------------------------------------------------------------------

    def _post(self, event: str, order: FulfilmentOrder, key: str, **extra: Any) -> SubmitResult:
        return _result(self._send(event, order, key, **extra))

    def _send(self, event: str, order: FulfilmentOrder, key: str,
              **extra: Any) -> dict[str, Any] | None:
        missing = [line.line_ref for line in order.lines if not line.sku]
        if missing:
            raise MappingError(f"order {order.number}: lines without a SKU: {', '.join(missing)}")
        payload = {"event": event, "order": order.model_dump(mode="json"), **extra}
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            SIGNATURE_HEADER: sign(self.config.secret.get_secret_value(), body),
        }
        response = self.http.request(
            "POST", self.config.orders_url, data=body, headers=headers, idempotent=True
        )
        self.log.info("order %s r%d: %s delivered (HTTP %d)", order.reference, order.revision,
                      event, response.status_code)
        return _json_object(response.content)

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """POST ``order.created``. A repeat (same reference and revision) carries the same
        idempotency key; the receiver answers ``"duplicate": true`` and acts once."""
        return self._post("order.created", order, f"{order.reference}:{order.revision}:created")

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """POST ``order.updated`` with the whole new revision."""
        return self._post("order.updated", order, f"{order.reference}:{order.revision}:updated",
                          external_id=external_id)

    def cancel_order(
        self, order: FulfilmentOrder, external_id: str | None, reason: str | None
    ) -> CancelOutcome:
        """POST ``order.cancelled`` (one key per order: cancelling twice is one event). The
        receiver answers ``"cancelled": false`` with a ``reason`` when it is too late (already
        shipped): a rejected cancellation; any other 2xx answer is accepted."""
        answer = self._send("order.cancelled", order, f"{order.reference}:cancelled",
                            external_id=external_id, reason=reason) or {}
        if answer.get("cancelled") is False:
            return CancelOutcome.rejected(str(answer.get("reason") or "refused by the receiver"))
        return CancelOutcome.accepted()

    # --- shipments ----------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """GET ``shipments_url?after=<cursor>`` page by page (``{"shipments": [...],
        "cursor": "...", "has_more": bool}``), at most :data:`MAX_PAGES` pages. Each record is
        a shipment keyed by its ``id``; a record that cannot be read is a problem the engine
        parks (with the record), never skipped silently. Changes nothing."""
        url = self.config.shipments_url
        if url is None:  # the engine never calls without PULL_SHIPMENTS
            return ShipmentPull(cursor=cursor)
        pull = ShipmentPull(cursor=cursor)
        for _ in range(MAX_PAGES):
            params = {"after": pull.cursor} if pull.cursor else None
            page = _json_object(self.http.request("GET", url, params=params).content)
            records = page.get("shipments") if page is not None else None
            if page is None or not isinstance(records, list):
                raise TransientError(f"webhook {self.instance}: {url} did not answer with a "
                                     '{"shipments": [...]} object; will try again')
            for number, record in enumerate(records, start=1):
                self._read(record, number, pull)
            pull.cursor = str(page["cursor"]) if page.get("cursor") else pull.cursor
            if not page.get("has_more"):
                break
        return pull

    def _read(self, record: Any, number: int, pull: ShipmentPull) -> None:
        if not isinstance(record, dict) or not record.get("id"):
            pull.problems.append(InboundProblem(
                source=f"{self.config.shipments_url} record {number}",
                message="a shipment record needs an id",
                raw=record if isinstance(record, dict) else {"record": record}))
            return
        try:
            fields = {k: v for k, v in record.items() if k != "id"}
            pull.shipments.append(ShipmentReport.model_validate(
                {**fields, "shipment_key": f"webhook:{record['id']}",
                 "source": f"shipment {record['id']}"}))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}"
                for e in exc.errors(include_url=False))
            pull.problems.append(InboundProblem(
                source=f"shipment {record['id']}", message=problems, raw=record))

    # --- housekeeping -------------------------------------------------------------------------

    def check(self) -> list[str]:
        """For ``oc-bridge doctor``: the shipments endpoint answers (a read; changes
        nothing). The orders URL is not called: a POST would be an event."""
        if self.config.shipments_url is None:
            return []
        try:
            self.http.request("GET", self.config.shipments_url)
        except OcBridgeError as exc:
            return [f"shipments_url: {exc}"]
        return []

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


def _result(answer: dict[str, Any] | None) -> SubmitResult:
    """The receiver's answer to an order event: its id, and whether it was a repeat."""
    external_id = answer.get("id") if answer else None
    return SubmitResult(
        external_id=str(external_id) if external_id is not None else None,
        already_existed=bool(answer and answer.get("duplicate")),
    )


def _json_object(content: bytes) -> dict[str, Any] | None:
    """``content`` parsed as a JSON object, or None (empty, not JSON, not an object)."""
    try:
        value = json.loads(content) if content.strip() else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
