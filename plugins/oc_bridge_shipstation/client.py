"""A thin ShipStation client over the project's HTTP layer (``oc_bridge.http``).

Status codes, retries and redaction belong to :class:`oc_bridge.http.HttpClient`; this module
adds ShipStation's pieces: HTTP Basic for V1 and ``api-key`` for V2, the :class:`RateLimiter`
around every V1 call, paging, and the error message ShipStation puts in its bodies
(``ExceptionMessage`` / ``Message``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from oc_bridge.errors import ClientRequestError, MalformedResponseError, OcBridgeError
from oc_bridge.http import HttpClient
from oc_bridge.ratelimit import RateLimiter

from .config import ShipStationConfig

__all__ = ["V2_REQUESTS_PER_MINUTE", "ShipStationClient", "error_message"]

log = logging.getLogger(__name__)

#: ShipStation V2's documented limit (https://docs.shipstation.com/rate-limits).
V2_REQUESTS_PER_MINUTE = 200


def error_message(body: str | None) -> str | None:
    """The human message in a ShipStation error body, if any."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:300] or None
    if isinstance(data, Mapping):
        for field in ("ExceptionMessage", "Message", "message"):
            if data.get(field):
                return str(data[field])
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return str(errors[0].get("message"))
    return None


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise MalformedResponseError(
            f"ShipStation answered {response.status_code} with a body that is not JSON",
            status=response.status_code, service="shipstation") from exc


class ShipStationClient:
    """V1 (and optionally V2) calls for one adapter instance. Raises only oc_bridge errors."""

    def __init__(self, config: ShipStationConfig, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        key, secret = config.api_key.get_secret_value(), config.api_secret.get_secret_value()
        self.limiter = RateLimiter(
            requests=config.requests_per_minute, per_seconds=60.0, service="ShipStation",
            limit_header="X-Rate-Limit-Limit", remaining_header="X-Rate-Limit-Remaining",
            reset_header="X-Rate-Limit-Reset", reserve=config.rate_limit_reserve,
            clock=clock, sleep=sleep,
        )
        timeout = (config.connect_timeout, config.read_timeout)
        # Each HttpClient owns its session: V1 Basic auth must never ride along to V2. The
        # limiter sits in the HTTP layer, which shows it every answer (429s included).
        self.v1 = HttpClient(
            config.base_url, service="shipstation", timeout=timeout, auth=(key, secret),
            secrets=(key, secret), max_attempts=config.max_attempts, sleep=sleep,
            rate_limiter=self.limiter,
        )
        self.v2: HttpClient | None = None
        if config.api_key_v2 is not None:
            v2_key = config.api_key_v2.get_secret_value()
            # V2: 200 requests per minute, 429 with Retry-After (no budget headers).
            self.v2_limiter = RateLimiter(requests=V2_REQUESTS_PER_MINUTE, per_seconds=60.0,
                                          service="ShipStation V2", clock=clock, sleep=sleep)
            self.v2 = HttpClient(
                config.base_url_v2, service="shipstation-v2", timeout=timeout,
                headers={"api-key": v2_key}, secrets=(v2_key,),
                max_attempts=config.max_attempts, sleep=sleep, rate_limiter=self.v2_limiter,
            )

    # --- transport ------------------------------------------------------------------------

    def call(self, method: str, path: str, *, json_body: Any = None,
             params: Mapping[str, Any] | None = None, idempotent: bool | None = None) -> Any:
        """One V1 call, every attempt paced by the limiter; returns the decoded JSON body.

        A 429 is retried by the HTTP layer after exactly ``X-Rate-Limit-Reset`` seconds, at
        most ``max_attempts`` attempts in all; then ``ThrottledError`` is raised, and the limiter
        still holds the next call back until that reset.
        """
        try:
            return self.v1.send(method, path, json=json_body, params=params,
                                idempotent=idempotent, parse=_json)
        except ClientRequestError as exc:
            raise _with_message(exc) from exc

    def call_v2(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One V2 GET; requires ``api_key_v2``."""
        if self.v2 is None:
            raise ClientRequestError("ShipStation V2 needs api_key_v2", service="shipstation-v2")
        try:
            return self.v2.send("GET", path, params=params, parse=_json)
        except ClientRequestError as exc:
            raise _with_message(exc) from exc

    def pages(self, path: str, name: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every record of a paged V1 list (``page``/``pageSize``, body ``{name, pages}``)."""
        page = 1
        while True:
            body = self.call("GET", path, params={**params, "page": page})
            if not isinstance(body, Mapping) or not isinstance(body.get(name), list):
                raise MalformedResponseError(f"ShipStation {path}: no {name!r} list",
                                             service="shipstation")
            yield from body[name]
            if page >= int(body.get("pages") or 1):
                return
            page += 1

    # --- V1 operations --------------------------------------------------------------------

    def create_orders(self, payloads: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``POST /orders/createorders`` (at most 100); returns the per-order results.

        Upserts by ``orderKey``, so a retry after a timeout is safe (idempotent).
        """
        body = self.call("POST", "/orders/createorders", json_body=list(payloads),
                         idempotent=True)
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list) or len(results) != len(payloads):
            raise MalformedResponseError("ShipStation createorders: results do not match",
                                         service="shipstation")
        return results

    def find_order(self, order_number: str, order_key: str) -> dict[str, Any] | None:
        """The order with this number and ``orderKey``, or None."""
        for order in self.pages("/orders", "orders", {"orderNumber": order_number}):
            if order.get("orderKey") == order_key:
                return order
        return None

    def get_order(self, order_id: int | str) -> dict[str, Any]:
        """``GET /orders/{orderId}``."""
        return dict(self.call("GET", f"/orders/{order_id}"))

    def stores(self) -> list[dict[str, Any]]:
        """``GET /stores`` (every store of the account)."""
        return list(self.call("GET", "/stores", params={"showInactive": "false"}) or [])

    def get_resource(self, url: str) -> Iterator[dict[str, Any]]:
        """Every record behind a webhook ``resource_url`` (already checked to be ours),
        with ``includeShipmentItems=true`` forced so shipped lines come along."""
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        name = "fulfillments" if parts.path.rstrip("/").endswith("fulfillments") else "shipments"
        if name == "shipments":
            query["includeShipmentItems"] = "true"
        base_path = urlsplit(self.config.base_url).path.rstrip("/")
        path = parts.path[len(base_path):] if base_path else parts.path
        query.pop("page", None)
        yield from self.pages(path, name, query)

    # --- webhooks -------------------------------------------------------------------------

    def list_webhooks(self) -> list[dict[str, Any]]:
        """``GET /webhooks``."""
        body = self.call("GET", "/webhooks")
        return list((body or {}).get("webhooks") or [])

    def subscribe_webhook(self, target_url: str, event: str, friendly_name: str,
                          store_id: int | None) -> int:
        """``POST /webhooks/subscribe``; returns the new webhook id."""
        body = self.call("POST", "/webhooks/subscribe", json_body={
            "target_url": target_url, "event": event, "store_id": store_id,
            "friendly_name": friendly_name})
        return int(body["id"])

    def delete_webhook(self, webhook_id: int) -> None:
        """``DELETE /webhooks/{id}``."""
        self.call("DELETE", f"/webhooks/{webhook_id}", idempotent=True)

    # --- V2 -------------------------------------------------------------------------------

    def inventory(self) -> Iterator[dict[str, Any]]:
        """Every ``GET /v2/inventory`` record, following ``links.next`` as given.

        Only documented query parameters are sent (none: the server's page size); a body that
        says more pages follow but links none is refused rather than read in part.
        """
        path: str = "/inventory"
        params: dict[str, Any] | None = None
        while True:
            body = self.call_v2(path, params)
            if not isinstance(body, Mapping) or not isinstance(body.get("inventory"), list):
                raise MalformedResponseError("ShipStation V2 inventory: no list",
                                             service="shipstation-v2")
            yield from body["inventory"]
            nxt = ((body.get("links") or {}).get("next") or {}).get("href")
            if nxt:
                path, params = nxt, None  # absolute: the HTTP layer sends it as given
            elif int(body.get("page") or 1) < int(body.get("pages") or 1):
                raise MalformedResponseError(
                    f"ShipStation V2 inventory: page {body.get('page')} of {body.get('pages')} "
                    "links no next page", service="shipstation-v2")
            else:
                return

    def close(self) -> None:
        """Release connections."""
        self.v1.close()
        if self.v2 is not None:
            self.v2.close()


def _with_message(exc: ClientRequestError) -> OcBridgeError:
    """The same error with ShipStation's own message from the body."""
    message = error_message(exc.body)
    if not message:
        return exc
    return type(exc)(f"ShipStation: {message}", status=exc.status, body=exc.body,
                     request_id=exc.request_id, service=exc.service)

