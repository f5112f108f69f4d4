"""The daemon route for pushed warehouse deliveries: ``POST /webhooks/rest/<instance>``.

The signature is verified before anything is stored (``verify_webhook`` raises
``WebhookSignatureError`` → 401); a verified delivery is stored raw in the daemon's inbox with
the headers verification needs, then answered 200. A worker re-runs ``handle_webhook`` on the
stored delivery and reports its shipments through the engine's shipment path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oc_bridge.canonical import ShipmentPull
from oc_bridge.errors import OcBridgeError
from oc_bridge_rest.adapter import RestWmsAdapter
from oc_bridge_rest.signatures import WebhookSignatureError

__all__ = ["add_routes"]


def add_routes(router: Any, context: Any) -> None:
    """Add the route and one reader per configured REST instance with webhooks enabled."""
    from oc_bridge.daemon.web import Request, Response

    instances: dict[str, RestWmsAdapter] = {
        name: adapter for name, adapter in context.adapters_of_type("rest").items()
        if isinstance(adapter, RestWmsAdapter) and adapter.config.webhook is not None
        and adapter.config.webhook.enabled}
    for name, adapter in instances.items():
        context.add_reader(f"adapter:{name}", _reader(adapter))

    def receive(request: Request) -> Response:
        name = request.params["instance"]
        adapter = instances.get(name)
        source = f"adapter:{name}"
        if adapter is None:
            return Response.json(404, {"error": "not found"})
        headers = dict(request.headers.items())
        try:
            adapter.verify_webhook(headers, request.body)
        except WebhookSignatureError:
            context.count(source, "delivery", "bad_signature")
            return Response.json(401, {"error": "invalid signature"})
        except OcBridgeError as exc:
            context.count(source, "delivery", "bad_request")
            return Response.json(400, {"error": str(exc)})
        context.enqueue(source, "delivery", request.body, _needed(adapter, headers))
        return Response.json(200, {"status": "stored"})

    router.add("POST", "/webhooks/rest/<instance>", receive)


STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type")


def _needed(adapter: RestWmsAdapter, headers: Mapping[str, str]) -> dict[str, str]:
    """Only the headers signature verification needs (never credentials or addresses)."""
    spec = adapter.config.webhook
    names = {*STANDARD_HEADERS, (spec.header or "").lower() if spec else ""}
    return {k: v for k, v in headers.items() if k.lower() in names}


def _reader(adapter: RestWmsAdapter) -> Any:
    def read(headers: Mapping[str, str], body: bytes) -> ShipmentPull:
        # The delivery was verified on arrival; re-reading it later checks the signature
        # against its own timestamp so the replay window does not expire queued items.
        stamp = {k.lower(): v for k, v in headers.items()}.get("webhook-timestamp")
        now = float(stamp) if stamp and stamp.isdigit() else None
        return adapter.handle_webhook(headers, body, now=now)
    return read
