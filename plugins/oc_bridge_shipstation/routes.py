"""The daemon route for ShipStation webhooks: ``POST /webhooks/shipstation/<instance>/<token>``.

ShipStation webhooks carry no signature, so the URL holds a secret token (``webhook_token``,
compared in constant time; 404 when unset or wrong, so the route does not reveal itself). The
raw delivery is stored in the daemon's inbox before the 200; a worker later calls
``handle_webhook(body)`` (which fetches ``resource_url`` with the instance's credentials) and
reports the shipments through the engine's shipment path.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from oc_bridge.canonical import ShipmentPull

from .adapter import ShipStationAdapter

__all__ = ["add_routes"]


def add_routes(router: Any, context: Any) -> None:
    """Add the route and one reader per configured ShipStation instance."""
    from oc_bridge.daemon.web import Request, Response

    instances: dict[str, ShipStationAdapter] = {
        name: adapter for name, adapter in context.adapters_of_type("shipstation").items()
        if isinstance(adapter, ShipStationAdapter)}
    for name, adapter in instances.items():
        context.add_reader(f"adapter:{name}", _reader(adapter))

    def receive(request: Request) -> Response:
        name = request.params["instance"]
        adapter = instances.get(name)
        token = adapter.config.webhook_token if adapter is not None else None
        if adapter is None or token is None or not hmac.compare_digest(
                request.params["token"].encode(), token.get_secret_value().encode()):
            context.count("adapter:shipstation", "delivery", "not_found")
            return Response.json(404, {"error": "not found"})
        try:
            event = str(request.json().get("resource_type") or "delivery")
        except (ValueError, AttributeError):
            context.count(f"adapter:{name}", "delivery", "bad_request")
            return Response.json(400, {"error": "not a ShipStation webhook body"})
        context.enqueue(f"adapter:{name}", event, request.body, {})
        return Response.json(200, {"status": "stored"})

    router.add("POST", "/webhooks/shipstation/<instance>/<token>", receive)


def _reader(adapter: ShipStationAdapter) -> Any:
    def read(_headers: Mapping[str, str], body: bytes) -> ShipmentPull:
        return adapter.handle_webhook(body)
    return read
